/**
 * The e2e stack's config: the dev stack's mainnet node, pointing at the locally built images
 * (images/build-images.sh). Geth and Prysm keep their pinned upstream tags — the local images carry exactly
 * those tags — so the same image references as in production are run.
 */
export const LOCAL_IMAGES = {
    prometheusImage: "eth-node-local/prometheus:debian",
    alertmanagerImage: "eth-node-local/alertmanager:debian",
    nodeExporterImage: "eth-node-local/node-exporter:debian",
    peerMonitorBaseImage: "eth-node-local/node:20",
};

export const E2E_CONFIG: Record<string, string> = {
    network: "mainnet",
    // No network here: a checkpoint download cannot succeed, so Prysm starts from its embedded genesis.
    checkpointSync: "false",
    // The e2e test runs the readiness probe itself, against the real containers.
    readinessCheck: "false",
    peerMonitorIntervalSeconds: "2",
    ...LOCAL_IMAGES,
};
