/**
 * Small local-machine helpers shared by the root test tree (the e2e runner, the engine smoke scripts, the
 * validator tracker's real-nats-server test): the KEY=value files our build scripts write, and a free port.
 */
import * as fs from "fs";
import * as net from "net";

/**
 * The KEY=value lines of an env file a build script wrote (images.env, pulumi.env); other lines are ignored.
 * A missing file is one error naming the script that writes it (`hint`).
 */
export function readEnvFile(file: string, hint: string): Record<string, string> {
    if (!fs.existsSync(file)) throw new Error(`${file} not found: ${hint}`);
    const out: Record<string, string> = {};
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
        if (m) out[m[1]] = m[2];
    }
    return out;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}
