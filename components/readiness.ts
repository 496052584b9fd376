/**
 * ReadinessCheck: after the containers start, wait until Geth's JSON-RPC and Prysm's beacon API answer, then
 * record their sync status and peer counts as stack outputs — the operator's evidence that the node syncs.
 *
 * The probe runs *inside* the execution container with `docker exec`, addressed through the Docker CLI's
 * DOCKER_HOST. It therefore works the same for a local engine and a remote one (`ssh://user@host`): no port
 * needs to be reachable from the machine running Pulumi. It uses only what every Geth image ships — the geth
 * binary (`geth attach`), and `timeout` + `wget` for the beacon API (Alpine's busybox has both; the deadline
 * comes from `timeout` because `wget -T` crashes in some busybox builds).
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { SERVICES, serviceUrl } from "./services";

export interface ReadinessCheckArgs {
    /** Name of the running Geth container to probe from. */
    executionContainerName: pulumi.Input<string>;
    /** Give up (and fail the update) after this many seconds. */
    timeoutSeconds: number;
    /** Docker engine the containers run on; unset = the CLI's default. */
    dockerHost?: string;
    /** Values whose change re-runs the check (e.g. container ids). */
    triggers: pulumi.Input<unknown>[];
    /** The resources to wait for (the client components) before probing. */
    waitFor: pulumi.Resource[];
}

/** What the readiness check reports, parsed from the probe's single JSON line. */
export interface NodeStatus {
    execution: { syncing: boolean | Record<string, unknown>; headBlock: number; peers: number };
    consensus: { syncing: Record<string, unknown>; peers: Record<string, unknown> };
}

/** The POSIX shell probe. Pure, so tests can run it against a fake `docker`. */
export function readinessScript(containerName: string, timeoutSeconds: number, pollSeconds = 5): string {
    const elJs = "console.log(JSON.stringify({syncing: eth.syncing, headBlock: eth.blockNumber, peers: net.peerCount}))";
    const beacon = serviceUrl("beacon", "http");
    return [
        "set -u",
        `container='${containerName}'`,
        `deadline=$(( $(date +%s) + ${timeoutSeconds} ))`,
        "while :; do",
        `  el=$(docker exec "$container" geth attach --exec '${elJs}' http://127.0.0.1:${SERVICES.execution.ports.http} 2>&1 | head -n 1)`,
        `  cl=$(docker exec "$container" timeout 5 wget -q -O - ${beacon}/eth/v1/node/syncing 2>&1)`,
        `  clp=$(docker exec "$container" timeout 5 wget -q -O - ${beacon}/eth/v1/node/peer_count 2>&1)`,
        '  case "$el$cl$clp" in *\'"syncing"\'*\'"data"\'*\'"data"\'*) break ;; esac',
        '  if [ "$(date +%s)" -ge "$deadline" ]; then',
        `    echo "readiness: Geth JSON-RPC or the Prysm beacon API did not answer within ${timeoutSeconds}s (config eth-node:readinessTimeoutSeconds). Last answers: geth: $el; beacon syncing: $cl; beacon peer_count: $clp" >&2`,
        "    exit 1",
        "  fi",
        `  sleep ${pollSeconds}`,
        "done",
        'printf \'{"execution":%s,"consensus":{"syncing":%s,"peers":%s}}\\n\' "$el" "$cl" "$clp"',
    ].join("\n");
}

/** Turns the probe's output into NodeStatus, with one clear error when it is not what the probe prints. */
export function parseNodeStatus(stdout: string): NodeStatus {
    let parsed: unknown;
    try {
        parsed = JSON.parse(stdout.trim());
    } catch {
        throw new Error(`readiness: expected one JSON line from the probe, got: ${stdout.slice(0, 200)}`);
    }
    const status = parsed as { execution?: NodeStatus["execution"]; consensus?: { syncing?: { data?: Record<string, unknown> }; peers?: { data?: Record<string, unknown> } } };
    if (!status.execution || typeof status.execution.headBlock !== "number" || !status.consensus?.syncing?.data || !status.consensus.peers?.data) {
        throw new Error(`readiness: probe output lacks execution/consensus fields: ${stdout.slice(0, 200)}`);
    }
    return {
        execution: status.execution,
        consensus: { syncing: status.consensus.syncing.data, peers: status.consensus.peers.data },
    };
}

export class ReadinessCheck extends pulumi.ComponentResource {
    public readonly status: pulumi.Output<NodeStatus>;

    constructor(name: string, args: ReadinessCheckArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eth-node:index:ReadinessCheck", name, {}, opts);
        const probe = new command.local.Command(
            `${name}-probe`,
            {
                create: pulumi.output(args.executionContainerName).apply((c) => readinessScript(c, args.timeoutSeconds)),
                interpreter: ["/bin/sh", "-c"],
                environment: args.dockerHost ? { DOCKER_HOST: args.dockerHost } : {},
                triggers: args.triggers,
            },
            { parent: this, dependsOn: args.waitFor },
        );
        this.status = probe.stdout.apply(parseNodeStatus);
        this.registerOutputs({ status: this.status });
    }
}
