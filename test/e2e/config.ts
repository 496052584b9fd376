/**
 * The e2e stack's config: the dev stack's mainnet node with the stack's own default images — the local
 * images (images/build-images.sh) are built at exactly those tags from the same defaults, so the e2e runs
 * what `pulumi up` deploys. Only behaviour that would need the internet is changed.
 */
export const E2E_SCRAPE_SECONDS = "5";

export const E2E_CONFIG: Record<string, string> = {
    network: "mainnet",
    // No network here: a checkpoint download cannot succeed, so Prysm starts from its embedded genesis.
    checkpointSync: "false",
    // The readiness check is a command resource, which only the engine runs: test/engine's suite turns it on and
    // checks its outputs; this runner has nothing to run it with.
    readinessCheck: "false",
    peerMonitorIntervalSeconds: "2",
    // Frequent scrapes, so the live-metrics checks see every target's names within seconds.
    scrapeInterval: `${E2E_SCRAPE_SECONDS}s`,
    // The validator tracker runs too: NATS, the sentry (handshaking the stack's own Prysm) and the consumer.
    validatorTracker: "true",
};

/**
 * Images that cannot be built on this machine, by repository, with the reason. Their containers are
 * declared but not started; every other missing image fails the run at once.
 */
export const UNBUILDABLE_IMAGES: Record<string, string> = {
    "grafana/grafana": "Grafana's Go module is AGPL-licensed (not to be used here) and no registry is reachable",
    "grafana/loki": "Loki's Go module is AGPL-licensed (not to be used here) and no registry is reachable",
    "grafana/alloy": "the Go module proxy refuses Alloy's module",
};

/** The repository part of an image reference (`grafana/grafana:13.0.1` → `grafana/grafana`). */
export function imageRepository(image: string): string {
    const withoutDigest = image.split("@")[0];
    const lastSlash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.lastIndexOf(":");
    return colon > lastSlash ? withoutDigest.slice(0, colon) : withoutDigest;
}
