/**
 * Pulumi mocks for tests: resources are recorded instead of created (the published provider plugins cannot be
 * installed here; test/engine/ builds the CLI and stand-ins, not yet used by the suites). What these tests prove
 * is what the program *declares* (images, flags, ports, secrets, resource options); test/e2e runs those
 * declarations on a real Docker engine.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";

export interface RecordedOptions {
    retainOnDelete: boolean;
    /** True when the old resource is deleted before its replacement is created. */
    deleteBeforeReplace: boolean;
    parentUrn: string;
    providerRef: string;
    dependencies: string[];
}

export interface RecordedResource {
    type: string;
    name: string;
    /** Inputs as the engine would receive them; secret values stay wrapped in Pulumi's secret envelope. */
    inputs: Record<string, any>;
    /** Resource options as sent to the engine. */
    options: RecordedOptions;
    /** The state the mock provider returned: the inputs plus the outputs it computes (e.g. an Image's repoDigest). */
    state: Record<string, any>;
}

export const IMAGE = "docker:index/image:Image";

/**
 * What the Docker provider reports as an Image's repoDigest, made from the build inputs so that a change
 * to any of them gives a new digest, as a rebuild does. For a local image (`skipPush`) the provider reports
 * the image id, `sha256:<hash>` (pulumi-docker's Image docs); for a pushed one `<name>@sha256:<hash>`.
 */
export function mockRepoDigest(inputs: Record<string, any>): string {
    const hash = createHash("sha256").update(JSON.stringify(inputs)).digest("hex");
    return inputs.skipPush ? `sha256:${hash}` : `${inputs.imageName}@sha256:${hash}`;
}

/** The key/value pair Pulumi's RPC layer uses to mark a secret value. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretEnvelope(value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** Returns the value with every secret envelope removed: what would be stored in plaintext. */
export function withoutSecrets(value: unknown): unknown {
    if (isSecretEnvelope(value)) return "[secret]";
    if (Array.isArray(value)) return value.map(withoutSecrets);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutSecrets(v)]));
    }
    return value;
}

/** Returns the value with secret envelopes opened (to read what a container receives). */
export function revealSecrets(value: unknown): any {
    if (isSecretEnvelope(value)) return revealSecrets((value as { value: unknown }).value);
    if (Array.isArray(value)) return value.map(revealSecrets);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealSecrets(v)]));
    }
    return value;
}

/** A fixed JWT (hex) the random provider mock returns for the engine JWT, so tests can search for it. */
export const MOCK_JWT_HEX = "a1".repeat(32);
export const MOCK_PASSWORD = "mock-grafana-admin-password-Zx9";

/**
 * What the RandomPassword mock returns for a resource: MOCK_PASSWORD for Grafana's admin password (the monitoring
 * tests search for it), and a value of its own for every other one, so that tests can tell the passwords apart
 * (read them from the recorded state). Letters only: no digit run can pass for a port number.
 */
export function mockPassword(resourceName: string): string {
    if (resourceName.endsWith("-grafana-admin")) return MOCK_PASSWORD;
    const letters = createHash("sha256").update(resourceName).digest("hex").replace(/[0-9]/g, (d) => "ghijklmnop"[Number(d)]);
    return `mock-password-${letters.slice(0, 20)}`;
}

/** A stand-in for RandomPassword's `bcryptHash` (bcrypt's `$2a$10$` form and alphabet; not a real hash: nothing here checks it). */
export function mockBcryptHash(password: string): string {
    const hash = createHash("sha256").update(password).digest("base64").replace(/[+=]/g, ".");
    return `$2a$10$${(hash + hash).slice(0, 53)}`;
}

/** What the readiness probe prints on a node that is syncing. */
export const MOCK_PROBE_STDOUT = JSON.stringify({
    execution: { syncing: { currentBlock: 100, highestBlock: 200 }, headBlock: 100, peers: 7 },
    consensus: {
        syncing: { data: { head_slot: "10", sync_distance: "90", is_syncing: true, is_optimistic: false, el_offline: false } },
        peers: { data: { connected: "12", connecting: "0", disconnected: "3", disconnecting: "0" } },
    },
});

export interface MockValues {
    /** Hex the engine JWT's RandomPassword mock returns (default MOCK_JWT_HEX); the e2e run passes real random bytes. */
    jwtHex?: string;
    /** Result the RandomPassword mock returns for every password but the engine JWT (default mockPassword of its resource name). */
    password?: string;
    /** repoDigest the Image mock reports for these inputs (default mockRepoDigest). */
    repoDigest?: (inputs: Record<string, any>) => string;
    /** What the RandomPassword mock reports as `bcryptHash` (default mockBcryptHash); the e2e run, whose NATS checks it, passes real bcrypt. */
    bcrypt?: (password: string) => string;
}

export function setupMocks(stack = "dev", values: MockValues = {}): RecordedResource[] {
    const jwtHex = values.jwtHex ?? MOCK_JWT_HEX;
    const recorded: RecordedResource[] = [];
    // Options never reach `newResource`; read them from the registration request the mock monitor receives.
    const optionsByName = new Map<string, RecordedOptions>();
    pulumi.runtime.setMocks(
        {
            newResource(args) {
                const options = optionsByName.get(`${args.type}::${args.name}`) ?? {
                    retainOnDelete: false,
                    deleteBeforeReplace: false,
                    parentUrn: "",
                    providerRef: "",
                    dependencies: [],
                };
                const state: Record<string, any> = { ...args.inputs };
                if (args.type === "random:index/randomPassword:RandomPassword") {
                    // The engine JWT is a RandomPassword over the hex digits (components/nodeNetwork.ts).
                    state.result = args.name.endsWith("-engine-jwt") ? jwtHex : (values.password ?? mockPassword(args.name));
                    state.bcryptHash = (values.bcrypt ?? mockBcryptHash)(state.result);
                }
                if (args.type === "command:local:Command") state.stdout = MOCK_PROBE_STDOUT;
                if (args.type === IMAGE) state.repoDigest = (values.repoDigest ?? mockRepoDigest)(args.inputs);
                recorded.push({ type: args.type, name: args.name, inputs: args.inputs, options, state });
                return { id: `${args.name}-id`, state };
            },
            call: (args) => args.inputs,
        },
        "eth-node",
        stack,
        false,
    );
    const monitor = (pulumi.runtime as unknown as { getMonitor(): any }).getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: unknown) => {
        optionsByName.set(`${req.getType()}::${req.getName()}`, {
            retainOnDelete: req.getRetainondelete() === true,
            deleteBeforeReplace: req.getDeletebeforereplace() === true,
            parentUrn: req.getParent(),
            providerRef: req.getProvider(),
            dependencies: req.getDependenciesList(),
        });
        return register(req, callback);
    };
    return recorded;
}

/** Resolves an Output in a test. */
export function valueOf<T>(output: pulumi.Output<T> | T): Promise<T> {
    if (!pulumi.Output.isInstance(output)) return Promise.resolve(output as T);
    return new Promise((resolve) => (output as pulumi.Output<T>).apply((v) => resolve(v)));
}

/**
 * Settles an Output that may fail: its value, or the error its apply threw. An Output holds four promises
 * (value, known, secret, resources; SDK internals) that all reject together; each is handled here, as the
 * Pulumi runtime handles them when it fails an update with the error.
 */
export async function outputOutcome(output: pulumi.Output<unknown>): Promise<{ value?: unknown; error?: unknown }> {
    const o = output as unknown as { promise(): Promise<unknown>; isKnown: Promise<boolean>; isSecret: Promise<boolean>; allResources(): Promise<unknown> };
    const settled = await Promise.allSettled([o.promise(), o.isKnown, o.isSecret, o.allResources()]);
    const [value] = settled;
    return value.status === "fulfilled" ? { value: value.value } : { error: value.reason };
}

/** Lets every pending registration reach the mock monitor. */
export async function settle(): Promise<void> {
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/**
 * Where a component's properties (recursively; Outputs resolved) hold one of `needles` outside a secret
 * Output. Child resources are skipped: their inputs are checked as recorded resources.
 */
export async function plaintextPaths(root: object, needles: string[]): Promise<string[]> {
    const found: string[] = [];
    const visit = async (value: unknown, at: string, depth: number): Promise<void> => {
        if (depth > 6 || value === null || value === undefined) return;
        if (pulumi.Output.isInstance(value)) {
            if (await pulumi.isSecret(value)) return;
            return visit(await valueOf(value), at, depth + 1);
        }
        if (typeof value === "string") {
            if (needles.some((n) => value.includes(n))) found.push(at);
            return;
        }
        if (typeof value !== "object" || (pulumi.Resource.isInstance(value) && value !== root)) return;
        for (const [key, child] of Object.entries(value)) {
            if (!key.startsWith("__")) await visit(child, `${at}.${key}`, depth + 1);
        }
    };
    await visit(root, "stack", 0);
    return found;
}
