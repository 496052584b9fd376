/**
 * The e2e stack's config: the dev stack's mainnet node, pointing at the locally built images
 * (images/build-images.sh). The local client images carry the upstream repository names and exact release
 * tags, so the program's image references are run as declared.
 */
export const LOCAL_IMAGES = {
    // The stack's default is v1.17.10, the newest release; the Go module proxy here refuses three of its
    // dependencies (also v1.17.9's), so the newest Geth that can be built and run here is v1.17.8. Their flag
    // definitions are identical (compared in the sources); images/README.md has the details.
    gethImage: "ethereum/client-go:v1.17.8",
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
