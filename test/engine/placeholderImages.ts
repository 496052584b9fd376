/**
 * Placeholder images for the images nothing here can build (test/e2e/config.ts UNBUILDABLE_IMAGES: Grafana,
 * Loki, Alloy). The e2e runner declares their containers and does not start them; the real engine cannot skip a
 * resource, and no registry is reachable to pull them. So for the engine suite only, each such tag is a busybox
 * image that sleeps: `pulumi up` creates and starts its container with everything the program declares (uploads,
 * mounts, ports, healthcheck), but nothing of Grafana, Loki or Alloy runs, and the suite checks nothing of theirs.
 * They carry a label, and are removed again after the suite, so the e2e suite never mistakes one for the real image.
 */
import { execFileSync } from "child_process";
import { parseNodeConfig } from "../../components/config";
import { UNBUILDABLE_IMAGES, imageRepository } from "../e2e/config";
import { builtImages } from "../e2e/runner";

export const PLACEHOLDER_LABEL = "eth-node.engine-placeholder";

/** The stack's default images that cannot be built here (their repositories are in UNBUILDABLE_IMAGES). */
export function unbuildableStackImages(): string[] {
    const images = Object.values(parseNodeConfig(() => undefined).monitoring.images);
    return images.filter((image) => UNBUILDABLE_IMAGES[imageRepository(image)] !== undefined).sort();
}

export function buildPlaceholders(): string[] {
    const base = builtImages().BUSYBOX_IMAGE;
    const dockerfile = [
        `FROM ${base}`,
        `LABEL ${PLACEHOLDER_LABEL}=true`,
        // Whatever command the program gives the container becomes $0, $1, …: ignored.
        `ENTRYPOINT ["/bin/sh", "-c", "exec sleep 2147483647"]`,
    ].join("\n");
    const images = unbuildableStackImages();
    for (const image of images) execFileSync("docker", ["build", "-q", "-t", image, "-"], { input: dockerfile, encoding: "utf8", stdio: "pipe" });
    return images;
}

/** Removes every image that carries the placeholder label (leftovers of an interrupted run too). */
export function removePlaceholders(): void {
    const ids = execFileSync("docker", ["images", "-q", "--filter", `label=${PLACEHOLDER_LABEL}=true`], { encoding: "utf8" }).split("\n").filter(Boolean);
    if (ids.length > 0) execFileSync("docker", ["rmi", "-f", ...new Set(ids)], { encoding: "utf8" });
}
