/**
 * Prints the images the stack pins by default, as `NAME=reference` lines for build-images.sh, so the local
 * images are built at exactly the versions a `pulumi up` deploys (one source of truth: components/config.ts
 * and components/monitoringConfig.ts). Run: node -r ts-node/register/transpile-only stackImages.ts
 */
import { parseNodeConfig } from "../../../components/config";

/** What build-images.sh builds, by the variable it reads; Grafana, Loki and Alloy cannot be built here. */
export function stackImages(): Record<string, string> {
    const config = parseNodeConfig(() => undefined);
    const monitoring = config.monitoring.images;
    return {
        GETH_IMAGE: config.images.geth,
        PRYSM_IMAGE: config.images.prysm,
        PROMETHEUS_IMAGE: monitoring.prometheus,
        ALERTMANAGER_IMAGE: monitoring.alertmanager,
        NODE_EXPORTER_IMAGE: monitoring.nodeExporter,
        NODE_BASE_IMAGE: config.peerMonitorBaseImage,
        // The validator tracker's (test/e2e runs it): NATS, and the Node base valtrack's image builds on.
        NATS_IMAGE: config.validatorTracker.natsImage,
        VALTRACK_BASE_IMAGE: config.validatorTracker.baseImage,
    };
}

if (require.main === module) {
    for (const [name, image] of Object.entries(stackImages())) {
        // Only characters of an image reference: the shell sources these lines.
        if (!/^[A-Za-z0-9._\/:@-]+$/.test(image)) throw new Error(`${name}: unexpected image reference ${image}`);
        console.log(`${name}=${image}`);
    }
}
