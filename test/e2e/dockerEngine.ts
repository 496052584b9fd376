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

export function dockerApi(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<any> {
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
                    const text = Buffer.concat(chunks).toString("utf8");
                    if ((res.statusCode ?? 500) >= 400) {
                        reject(new DockerApiError(res.statusCode ?? 500, `${method} ${path}: ${res.statusCode} ${text}`));
                        return;
                    }
                    try {
                        resolve(text ? JSON.parse(text) : undefined);
                    } catch {
                        resolve(text);
                    }
                });
            },
        );
        req.on("error", reject);
        if (payload) req.write(payload);
        req.end();
    });
}

/** Removes a resource, ignoring "not found". */
export async function removeIfPresent(path: string): Promise<void> {
    try {
        await dockerApi("DELETE", path);
    } catch (err) {
        if (!(err instanceof DockerApiError && err.status === 404)) throw err;
    }
}
