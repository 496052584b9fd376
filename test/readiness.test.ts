/**
 * The readiness probe is a shell script; these tests run it for real with /bin/sh against a fake `docker`
 * CLI (a script on PATH that answers like `docker exec` into a Geth container would), then parse its output.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseNodeStatus, readinessScript } from "../components/readiness";
import { serviceUrl } from "../components/services";
import { declareStack, flagValue } from "./harness";
import { MOCK_PROBE_STDOUT, valueOf } from "./mocks";

const GETH_ANSWER = '{"syncing":{"currentBlock":5,"highestBlock":9},"headBlock":5,"peers":3}';
const CL_SYNCING = '{"data":{"head_slot":"100","sync_distance":"7","is_syncing":true,"is_optimistic":false,"el_offline":false}}';
const CL_PEERS = '{"data":{"connected":"4","connecting":"1","disconnected":"0","disconnecting":"0"}}';

/** A fake docker CLI: answers after `failures` failed rounds, recording each call's arguments. */
function fakeDocker(failures: number): { dir: string; calls: () => string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-docker-"));
    const log = path.join(dir, "calls.log");
    fs.writeFileSync(
        path.join(dir, "docker"),
        `#!/bin/sh
echo "$*" >> ${log}
n=$(grep -c 'geth attach' ${log})
if [ "$n" -le ${failures} ]; then echo "Fatal: Failed to start the JavaScript console: dial tcp 127.0.0.1:8545: connect: connection refused" >&2; exit 1; fi
case "$*" in
  *"geth attach"*) echo '${GETH_ANSWER}'; echo undefined ;;
  *node/syncing*) echo '${CL_SYNCING}' ;;
  *node/peer_count*) echo '${CL_PEERS}' ;;
esac
`,
        { mode: 0o755 },
    );
    return { dir, calls: () => fs.readFileSync(log, "utf8").trim().split("\n") };
}

function runProbe(dir: string, timeoutSeconds: number): Promise<{ code: number; stdout: string; stderr: string }> {
    const script = readinessScript("eth-node-dev-geth", timeoutSeconds, 1);
    return new Promise((resolve) => {
        execFile("/bin/sh", ["-c", script], { env: { PATH: `${dir}:/usr/bin:/bin` } }, (err, stdout, stderr) =>
            resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
    });
}

test("waits until both clients answer, then prints their status once", async () => {
    const docker = fakeDocker(2);
    const result = await runProbe(docker.dir, 60);
    expect(result.code).toBe(0);
    const status = parseNodeStatus(result.stdout);
    expect(status.execution).toEqual({ syncing: { currentBlock: 5, highestBlock: 9 }, headBlock: 5, peers: 3 });
    expect(status.consensus.syncing).toMatchObject({ head_slot: "100", is_syncing: true });
    expect(status.consensus.peers).toMatchObject({ connected: "4" });
    const calls = docker.calls();
    expect(calls.filter((c) => c.includes("geth attach"))).toHaveLength(3);
    expect(calls[0]).toContain("exec eth-node-dev-geth geth attach");
    expect(calls.some((c) => c.includes(`timeout 5 wget -q -O - ${serviceUrl("beacon", "http")}/eth/v1/node/syncing`))).toBe(true);
});

test("gives up after the timeout with one message naming the config key and the last answers", async () => {
    const docker = fakeDocker(1000);
    const result = await runProbe(docker.dir, 1);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("did not answer within 1s (config eth-node:readinessTimeoutSeconds)");
    expect(result.stderr).toContain("connection refused");
});

test("parseNodeStatus rejects output that is not the probe's JSON", () => {
    expect(() => parseNodeStatus("Fatal: oops")).toThrow(/expected one JSON line/);
    expect(() => parseNodeStatus('{"execution":{}}')).toThrow(/lacks execution\/consensus/);
});

describe("in the stack", () => {
    test("runs after both clients, exports sync status and peer counts", async () => {
        const s = await declareStack("dev", {});
        const probe = s.one("command:local:Command");
        expect(probe.inputs.create).toContain("docker exec \"$container\" geth attach");
        expect(probe.inputs.create).toContain("container='eth-node-dev-geth'");
        expect(probe.inputs.create).toContain("within 600s");
        expect(probe.inputs.environment).toEqual({});
        // It asks the RPC port Geth serves and the beacon API at the alias and port Prysm serves.
        const geth = s.container("geth").inputs;
        const prysm = s.container("prysm").inputs;
        expect(probe.inputs.create).toContain(`http://127.0.0.1:${flagValue(geth.command, "--http.port")} `);
        expect(probe.inputs.create).toContain(`http://${prysm.networksAdvanced[0].aliases[0]}:${flagValue(prysm.command, "--http-port")}/eth/v1/node/syncing`);
        expect(probe.options.dependencies.some((u) => u.endsWith("ExecutionNode$docker:index/container:Container::execution"))).toBe(true);
        expect(probe.options.dependencies.some((u) => u.endsWith("BeaconNode$docker:index/container:Container::beacon"))).toBe(true);
        const status = await valueOf(s.node.status!);
        expect(status).toEqual(parseNodeStatus(MOCK_PROBE_STDOUT));
        expect(status.execution.peers).toBe(7);
    });
    test("a remote engine is probed through DOCKER_HOST", async () => {
        const s = await declareStack("remote", { dockerHost: "ssh://ops@node1.example.org", readinessTimeoutSeconds: "120" });
        const probe = s.one("command:local:Command");
        expect(probe.inputs.environment).toEqual({ DOCKER_HOST: "ssh://ops@node1.example.org" });
        expect(probe.inputs.create).toContain("within 120s");
    });
    test("can be turned off", async () => {
        const s = await declareStack("quiet", { readinessCheck: "false" });
        expect(s.all("command:local:Command")).toHaveLength(0);
        expect(s.node.status).toBeUndefined();
    });
});
