/**
 * The real mainnet configuration (Pulumi.dev.yaml) with the pinned binaries: Geth and Prysm start with
 * every flag the dev stack declares and stay healthy for 60 s with no network (no peers expected).
 *
 * One substitution, forced by this machine: checkpoint sync points at the container's own loopback instead
 * of https://beaconstate.info (no traffic may leave this machine). Prysm treats a failed checkpoint download
 * as fatal, so the 60-s run uses the dev config without checkpoint sync, and a second run checks that the
 * checkpoint flags are accepted and used.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { CONFIG_NAMESPACE } from "../../components/config";
import { DeclaredStack, checkImages, createContainer, containerHealthy, declare, eventually, inspect, logs, startContainer, teardown } from "./runner";
import { dockerApi } from "./dockerEngine";

const STACK = "e2e-mainnet";
const devConfig: Record<string, string> = Object.fromEntries(
    Object.entries(parseYaml(fs.readFileSync(path.join(__dirname, "../../Pulumi.dev.yaml"), "utf8")).config).map(
        ([key, value]) => [key.slice(`${CONFIG_NAMESPACE}:`.length), String(value)],
    ),
);
const CLIENTS = [`eth-node-${STACK}-geth`, `eth-node-${STACK}-prysm`];
const FLAG_ERRORS = /flag provided but not defined|unknown flag|Incorrect Usage|deprecated/i;

let d: DeclaredStack;

/** Network, volumes and only the clients (with their volume-owner steps) of a declared stack. */
async function startClients(stack: DeclaredStack): Promise<void> {
    await teardown(stack);
    await dockerApi("POST", "/networks/create", { Name: stack.networkName, Driver: "bridge", Internal: true });
    for (const name of stack.volumeNames) await dockerApi("POST", "/volumes/create", { Name: name });
    const wanted = stack.containers.filter((c) => CLIENTS.some((client) => c.name.startsWith(client)));
    await checkImages(wanted);
    for (const c of [...wanted.filter((c) => c.runToCompletion), ...wanted.filter((c) => !c.runToCompletion)]) {
        await createContainer(c);
        await startContainer(c);
    }
}

beforeAll(async () => {
    expect(devConfig.network).toBe("mainnet");
    d = await declare(STACK, { ...devConfig, checkpointSync: "false" });
    await startClients(d);
}, 300_000);

afterAll(async () => {
    if (d) await teardown(d);
}, 120_000);

test("Geth and Prysm run the dev stack's mainnet flags for 60 s without a restart", async () => {
    const geth = d.containers.find((c) => c.name === CLIENTS[0])!;
    const prysm = d.containers.find((c) => c.name === CLIENTS[1])!;
    expect(geth.inputs.command).toContain("--mainnet");
    expect(prysm.inputs.command).toContain("--mainnet");
    await new Promise((r) => setTimeout(r, 60_000));
    for (const name of CLIENTS) {
        const info = await inspect(name);
        expect({ name, running: info.State.Running, restarts: info.RestartCount }).toEqual({ name, running: true, restarts: 0 });
        const text = await logs(name);
        expect(text).not.toMatch(FLAG_ERRORS);
        expect(text).not.toMatch(/Fatal:|level=fatal/);
    }
    await eventually("geth healthy", 60_000, containerHealthy(CLIENTS[0]));
}, 180_000);

test("Prysm accepts the checkpoint-sync flags and uses them", async () => {
    const url = "http://127.0.0.1:9";
    const withCheckpoint = await declare(`${STACK}-cp`, { ...devConfig, checkpointSyncUrl: url });
    const prysm = withCheckpoint.containers.find((c) => c.name === `eth-node-${STACK}-cp-prysm`)!;
    expect(prysm.inputs.command).toEqual(expect.arrayContaining([`--checkpoint-sync-url=${url}`, `--genesis-beacon-api-url=${url}`]));
    try {
        await teardown(withCheckpoint);
        await dockerApi("POST", "/networks/create", { Name: withCheckpoint.networkName, Driver: "bridge", Internal: true });
        for (const name of withCheckpoint.volumeNames) await dockerApi("POST", "/volumes/create", { Name: name });
        const owner = withCheckpoint.containers.find((c) => c.name === `eth-node-${STACK}-cp-prysm-data-owner`)!;
        await createContainer(owner);
        await startContainer(owner);
        await createContainer(prysm);
        await startContainer(prysm);
        // Nothing answers on the container's loopback: Prysm must have tried that URL, not rejected a flag.
        const text = await eventually("Prysm to try the checkpoint URL", 60_000, async () => {
            const out = await logs(prysm.name);
            return out.includes("127.0.0.1:9") ? out : undefined;
        });
        expect(text).not.toMatch(FLAG_ERRORS);
    } finally {
        await teardown(withCheckpoint);
    }
}, 180_000);
