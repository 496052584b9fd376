/**
 * Evaluates the stack wiring under Pulumi mocks for a given config and returns what was declared.
 */
import { NodeConfig, parseNodeConfig } from "../components/config";
import { SECRET_CONFIG_KEYS } from "../components/monitoringConfig";
import { EthNodeStack, deployEthNode } from "../components/stack";
import { RecordedResource, settle, setupMocks, valueOf } from "./mocks";

export interface DeclaredStack {
    config: NodeConfig;
    node: EthNodeStack;
    resources: RecordedResource[];
    /** The one resource of this type and name; throws when there is not exactly one. */
    one(type: string, name?: string): RecordedResource;
    all(type: string): RecordedResource[];
    /** A docker container by its container name suffix (e.g. "geth" for eth-node-<stack>-geth). */
    container(suffix: string): RecordedResource;
}

export const CONTAINER = "docker:index/container:Container";
export const VOLUME = "docker:index/volume:Volume";
export const NETWORK = "docker:index/network:Network";

/**
 * Parses a plain key → value map the way index.ts parses the stack config. Secret keys are handed to the
 * secret reader as plain strings — what `pulumi config set` without `--secret` gives — and the plain reader
 * refuses them, so a test fails if the parser ever reads a secret through it.
 */
export function configFromValues(values: Record<string, string | undefined>): NodeConfig {
    return parseNodeConfig(
        (key) => {
            if (Object.hasOwn(SECRET_CONFIG_KEYS, key)) throw new Error(`secret key ${key} read through the plain reader`);
            return values[key];
        },
        (key) => values[key],
    );
}

export async function declareStack(stack: string, values: Record<string, string>): Promise<DeclaredStack> {
    const resources = setupMocks(stack);
    const config = configFromValues(values);
    const node = deployEthNode(stack, config);
    // Wait for every container (and the readiness probe) to be registered with the mock monitor.
    await Promise.all([
        valueOf(node.execution.container.id),
        valueOf(node.beacon.container.id),
        valueOf(node.peerMonitor.container.id),
        ...Object.values(node.monitoring.containers).map((c) => valueOf(c.id)),
        ...(node.validatorTracker ? [node.validatorTracker.nats, node.validatorTracker.consumer, node.validatorTracker.sentry].map((c) => valueOf(c.id)) : []),
        valueOf(node.network.networkName),
        node.status ? valueOf(node.status) : Promise.resolve(),
        node.validatorTracker ? valueOf(node.validatorTracker.apiToken) : Promise.resolve(),
    ]);
    // And the components' outputs: a registration still pending when the next test sets up its mocks fails there.
    await settle();
    const all = (type: string) => resources.filter((r) => r.type === type);
    const one = (type: string, name?: string) => {
        const found = all(type).filter((r) => name === undefined || r.name === name);
        if (found.length !== 1) throw new Error(`expected one ${type} ${name ?? ""}, found ${found.length}`);
        return found[0];
    };
    const container = (suffix: string) => {
        const found = all(CONTAINER).filter((r) => r.inputs.name === `eth-node-${stack}-${suffix}`);
        if (found.length !== 1) throw new Error(`expected container eth-node-${stack}-${suffix}, found ${found.length}`);
        return found[0];
    };
    return { config, node, resources, one, all, container };
}

/** The value of `--flag=value` in a command, or undefined. */
export function flagValue(command: string[], flag: string): string | undefined {
    const entry = command.find((arg) => arg.startsWith(`${flag}=`));
    return entry === undefined ? undefined : entry.slice(flag.length + 1);
}
