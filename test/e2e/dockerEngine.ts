/**
 * A small Docker Engine API client over the local socket: enough to create containers exactly as declared
 * (healthcheck in CMD form, uploads with owner and mode, network aliases) — the Docker CLI's `run` flags
 * cannot express all of that faithfully.
 */
import * as http from "http";

const SOCKET = process.env.DOCKER_SOCKET ?? "/var/run/docker.sock";

export class DockerApiError extends Error {
    constructor(
        readonly status: number,
        message: string,
    ) {
        super(message);
    }
}

/** One Engine API request; resolves with the raw body, rejects with DockerApiError on a 4xx/5xx status. */
function dockerApiRaw(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<Buffer> {
    const payload =
        body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body), "utf8");
    return new Promise((resolve, reject) => {
        const req = http.request(
            {
                socketPath: SOCKET,
                path: `/v1.41${path}`,
                method,
                headers: payload ? { "Content-Type": contentType, "Content-Length": payload.length } : {},
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c) => chunks.push(c));
                res.on("end", () => {
                    const raw = Buffer.concat(chunks);
                    if ((res.statusCode ?? 500) >= 400) {
                        reject(new DockerApiError(res.statusCode ?? 500, `${method} ${path}: ${res.statusCode} ${raw.toString("utf8")}`));
                        return;
                    }
                    resolve(raw);
                });
            },
        );
        req.on("error", reject);
        if (payload) req.write(payload);
        req.end();
    });
}

/** One Engine API request; resolves with the parsed JSON body (or its text when it is not JSON). */
export async function dockerApi(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<any> {
    const text = (await dockerApiRaw(method, path, body, contentType)).toString("utf8");
    try {
        return text ? JSON.parse(text) : undefined;
    } catch {
        return text;
    }
}

/** Removes a resource, ignoring "not found". */
export async function removeIfPresent(path: string): Promise<void> {
    try {
        await dockerApi("DELETE", path);
    } catch (err) {
        if (!(err instanceof DockerApiError && err.status === 404)) throw err;
    }
}
