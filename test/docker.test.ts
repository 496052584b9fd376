/**
 * components/docker.ts helpers. dockerDuration against Go's documented time.Duration String() format (what the
 * Docker provider reads a healthcheck back as), and every healthcheck the stack declares written in it: a
 * "2m" would differ from the state after every `up` (found by the engine suite's preview --expect-no-changes).
 */
import { dockerDuration } from "../components/docker";
import { CONTAINER, declareStack } from "./harness";

test.each([
    [0, "0s"],
    [2, "2s"],
    [59, "59s"],
    [60, "1m0s"],
    [90, "1m30s"],
    [120, "2m0s"],
    [300, "5m0s"],
    [3600, "1h0m0s"],
    [3661, "1h1m1s"],
])("dockerDuration(%d) is Go's %s", (seconds, go) => {
    expect(dockerDuration(seconds)).toBe(go);
});

test("dockerDuration refuses what is not a whole number of seconds", () => {
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => dockerDuration(bad)).toThrow(/not a whole number of seconds/);
});

test("every declared healthcheck duration is in Go's form", async () => {
    // Go's Duration.String() of whole seconds: "Ns" below a minute, then "MmSs", then "HhMmSs", no leading zeros.
    const goForm = /^(?:[1-9]\d*h(?:[1-5]?\d)m(?:[1-5]?\d)s|(?:[1-9]|[1-5]\d)m(?:[1-5]?\d)s|(?:[1-5]?\d)s)$/;
    const s = await declareStack("dev", { validatorTracker: "true" });
    const checks = s.all(CONTAINER).filter((c) => c.inputs.healthcheck).map((c) => ({ name: c.inputs.name, ...c.inputs.healthcheck }));
    expect(checks.length).toBeGreaterThanOrEqual(8);
    for (const c of checks) {
        for (const field of ["interval", "timeout", "startPeriod", "startInterval"]) {
            if (c[field] === undefined) continue;
            expect({ name: c.name, field, value: c[field], goForm: goForm.test(c[field]) }).toEqual({ name: c.name, field, value: c[field], goForm: true });
        }
    }
});
