/**
 * Starts a declared stack on the local Docker engine and tears it down again.
 *
 * Two deliberate differences from `pulumi up`, because this machine may send traffic only to itself and
 * mainnet clients would otherwise dial public bootnodes and resolve public DNS names:
 *  - the node's network is created `internal` (no route off the host);
 *  - each container's upstream DNS is 127.0.0.1 (its own loopback, where nothing listens), so Docker's
 *    embedded DNS still answers the network aliases but forwards no other name anywhere.
 * Published-port *bindings* are unaffected; containers are reached from the host on their bridge addresses.
 */
import { execFile } from "child_process";
import * as http from "http";
import * as path from "path";
import { randomBytes } from "crypto";
import { promisify } from "util";
import { hashSync } from "bcryptjs";
import { parseNodeConfig } from "../../components/config";
import { deployEthNode } from "../../components/stack";
import { RecordedResource, setupMocks } from "../mocks";
import { CONTAINER, DeclaredContainer, IMAGE, NETWORK, VOLUME, toEngineCreate } from "./declared";
import { DockerApiError, dockerApi, removeIfPresent } from "./dockerEngine";
import { tarArchive } from "./tar";
import { UNBUILDABLE_IMAGES, imageRepository } from "./config";
import { SERVICES } from "../../components/services";
import { readEnvFile } from "../lib/local";

export const exec = promisify(execFile);

export interface DeclaredStack {
    stack: string;
    jwtHex: string;
    /** The Grafana admin password the RandomPassword mock returned for this run. */
    password: string;
    resources: RecordedResource[];
    containers: DeclaredContainer[];
    networkName: string;
    volumeNames: string[];
    /** Declared image builds; `repoDigest` is what the mock provider reported, and containers reference. */
    images: Array<{ imageName: string; repoDigest: string; context: string; dockerfile: string; args: Record<string, string> }>;
}

/** Waits until the mock monitor has seen every registration (the count stops changing). */
async function settle(resources: RecordedResource[]): Promise<void> {
    let last = -1;
    let stableFor = 0;
    while (stableFor < 10) {
        await new Promise((r) => setTimeout(r, 50));
        stableFor = resources.length === last ? stableFor + 1 : 0;
        last = resources.length;
    }
}

export async function declare(stack: string, values: Record<string, string>): Promise<DeclaredStack> {
    const jwtHex = randomBytes(32).toString("hex");
    const password = randomBytes(18).toString("base64url");
    // Real bcrypt (cost 10, as the random provider's bcrypt_hash): the real NATS server checks the password against it.
    const resources = setupMocks(stack, { jwtHex, password, bcrypt: (p) => hashSync(p, 10) });
    deployEthNode(stack, parseNodeConfig((key) => values[key]));
    await settle(resources);
    const of = (type: string) => resources.filter((r) => r.type === type);
    const networks = of(NETWORK);
    if (networks.length !== 1) throw new Error(`expected one network, found ${networks.length}`);
    return {
        stack,
        jwtHex,
        password,
        resources,
        containers: of(CONTAINER).map(toEngineCreate),
        networkName: networks[0].inputs.name,
        volumeNames: of(VOLUME).map((v) => v.inputs.name),
        images: of(IMAGE).map((i) => ({
            imageName: i.inputs.imageName,
            repoDigest: i.state.repoDigest,
            context: i.inputs.build.context,
            dockerfile: i.inputs.build.dockerfile,
            args: i.inputs.build.args ?? {},
        })),
    };
}

/** `GET url` (a container's address from the host), with an optional bearer token: status and body. */
export function get(url: string, opts: { token?: string; timeoutMs?: number } = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const headers = opts.token === undefined ? {} : { Authorization: `Bearer ${opts.token}` };
        const req = http.get(url, { timeout: opts.timeoutMs ?? 5000, headers }, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("timeout", () => req.destroy(new Error(`timeout ${url}`)));
        req.on("error", reject);
    });
}

export async function imageExists(image: string): Promise<boolean> {
    try {
        await dockerApi("GET", `/images/${encodeURIComponent(image)}/json`);
        return true;
    } catch (err) {
        if (err instanceof DockerApiError && err.status === 404) return false;
        throw err;
    }
}

export async function inspect(name: string): Promise<any> {
    return dockerApi("GET", `/containers/${encodeURIComponent(name)}/json`);
}

/** A check for `eventually`: the container reports healthy (by its own healthcheck). */
export function containerHealthy(name: string): () => Promise<true | undefined> {
    return async () => ((await inspect(name)).State.Health?.Status === "healthy" ? true : undefined);
}

export async function logs(name: string): Promise<string> {
    const { stdout, stderr } = await exec("docker", ["logs", name], { maxBuffer: 64 * 1024 * 1024 });
    return stdout + stderr;
}

/** The container's address on the node network (reachable from the host on the bridge). */
export async function addressOf(name: string, network: string): Promise<string> {
    const info = await inspect(name);
    return info.NetworkSettings.Networks[network].IPAddress;
}

export async function teardown(d: Pick<DeclaredStack, "containers" | "networkName" | "volumeNames">, extraContainers: string[] = []): Promise<void> {
    for (const name of [...d.containers.map((c) => c.name), ...extraContainers]) {
        await removeIfPresent(`/containers/${encodeURIComponent(name)}?force=true&v=true`);
    }
    await removeIfPresent(`/networks/${encodeURIComponent(d.networkName)}`);
    for (const v of d.volumeNames) await removeIfPresent(`/volumes/${encodeURIComponent(v)}`);
}

export async function createContainer(c: DeclaredContainer): Promise<void> {
    const body = c.createBody as { HostConfig: Record<string, unknown> };
    await dockerApi("POST", `/containers/create?name=${encodeURIComponent(c.name)}`, {
        ...body,
        HostConfig: { ...body.HostConfig, Dns: ["127.0.0.1"] },
    });
    if (c.uploads.length > 0) {
        await dockerApi("PUT", `/containers/${encodeURIComponent(c.name)}/archive?path=/`, tarArchive(c.uploads), "application/x-tar");
    }
}

export async function startContainer(c: DeclaredContainer): Promise<void> {
    await dockerApi("POST", `/containers/${encodeURIComponent(c.name)}/start`);
    if (c.waitHealthySeconds !== undefined) {
        await eventually(`${c.name} healthy (wait: true)`, c.waitHealthySeconds * 1000, async () => {
            const state = (await inspect(c.name)).State;
            if (!state.Running) throw new Error(`${c.name} is not running: ${await logs(c.name)}`);
            return state.Health?.Status === "healthy" ? true : undefined;
        });
    }
    if (c.runToCompletion) {
        const result = await dockerApi("POST", `/containers/${encodeURIComponent(c.name)}/wait`);
        if (result.StatusCode !== 0) {
            throw new Error(`one-shot container ${c.name} exited with ${result.StatusCode}: ${await logs(c.name)}`);
        }
    }
}

export interface StartResult {
    started: string[];
    /** Declared containers not started because their image is one of UNBUILDABLE_IMAGES (Grafana, Loki, Alloy). */
    skipped: Array<{ name: string; image: string; reason: string }>;
}

/** What images/build-images.sh built ($ETH_E2E_CACHE/images.env): tags and the Prysm toolchain. */
export function builtImages(): Record<string, string> {
    const file = path.join(process.env.ETH_E2E_CACHE ?? "/var/cache/eth-node-e2e", "images.env");
    return readEnvFile(file, "build the images with test/e2e/images/build-images.sh");
}

/** Fails at once, naming each image, when a declared image is missing that is not documented as unbuildable. */
export async function checkImages(containers: DeclaredContainer[]): Promise<StartResult["skipped"]> {
    const skipped: StartResult["skipped"] = [];
    const missing: string[] = [];
    for (const c of containers) {
        if (await imageExists(c.image)) continue;
        const reason = UNBUILDABLE_IMAGES[imageRepository(c.image)];
        if (reason) skipped.push({ name: c.name, image: c.image, reason });
        else missing.push(`${c.image} (container ${c.name})`);
    }
    if (missing.length > 0) {
        throw new Error(`missing image(s): ${[...new Set(missing)].join(", ")}; build them with test/e2e/images/build-images.sh`);
    }
    return skipped;
}

/**
 * Builds a declared image and points the containers that reference it (by the repoDigest the provider
 * reports, as the program declares) at the image id the build produced — for a local image that id is what
 * the Docker provider reports as its repoDigest.
 */
async function buildImage(image: DeclaredStack["images"][number], containers: DeclaredContainer[]): Promise<void> {
    const buildArgs = Object.entries(image.args).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
    await exec("docker", ["build", "--network", "host", "-q", "-t", image.imageName, "-f", image.dockerfile, ...buildArgs, image.context], {
        maxBuffer: 16 * 1024 * 1024,
    });
    const id = (await dockerApi("GET", `/images/${encodeURIComponent(image.imageName)}/json`)).Id as string;
    const users = containers.filter((c) => c.image === image.repoDigest);
    if (users.length === 0) throw new Error(`no container references the built image ${image.imageName} by its repoDigest`);
    for (const c of users) {
        c.image = id;
        c.createBody.Image = id;
    }
}

/** Creates network, volumes, images, then the containers: one-shot ones first, each to completion. */
export async function up(d: DeclaredStack): Promise<StartResult> {
    await teardown(d);
    await dockerApi("POST", "/networks/create", {
        Name: d.networkName,
        Driver: "bridge",
        Internal: true,
        Labels: { "eth-node.stack": d.stack, "eth-node.e2e": "true" },
    });
    for (const name of d.volumeNames) await dockerApi("POST", "/volumes/create", { Name: name, Driver: "local" });
    for (const image of d.images) await buildImage(image, d.containers);
    const skipped = await checkImages(d.containers);
    const result: StartResult = { started: [], skipped };
    const ordered = [...d.containers.filter((c) => c.runToCompletion), ...d.containers.filter((c) => !c.runToCompletion)];
    for (const c of ordered) {
        if (skipped.some((s) => s.name === c.name)) continue;
        await createContainer(c);
        await startContainer(c);
        result.started.push(c.name);
    }
    return result;
}

/**
 * Prysm authenticates to Geth's engine API with the shared JWT: Prysm reports the engine connection once its
 * authenticated calls succeed, Geth reports a beacon client once it has received them (offline, no forkchoice
 * updates follow: no peers), and neither logs an authentication error.
 */
export async function expectEngineAuthenticated(geth: string, prysm: string): Promise<void> {
    const engineUrl = `http://${SERVICES.execution.alias}:${SERVICES.execution.ports.engine}`;
    await eventually("Prysm connected to the engine endpoint", 120_000, async () =>
        (await logs(prysm)).includes(`msg="Connected to new endpoint" endpoint="${engineUrl}"`) ? true : undefined,
    );
    await eventually("Geth sees the beacon client", 120_000, async () => (/Beacon client online/.test(await logs(geth)) ? true : undefined));
    // Not a bare "401": log timestamps have milliseconds (…21:20:21.401); a 401 reply reads "401 Unauthorized".
    const authErrors = /unauthori[sz]ed|invalid token|signature is invalid|token is expired|missing token|403 Forbidden/i;
    expect(await logs(geth)).not.toMatch(authErrors);
    expect(await logs(prysm)).not.toMatch(authErrors);
}

/** Polls `check` until it returns a value, or throws with the last error after `timeoutMs`. */
export async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
        try {
            const value = await check();
            if (value !== undefined) return value;
        } catch (err) {
            lastError = err;
        }
        await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
}
