/**
 * Loki as a single binary with filesystem storage on its named volume: one node's logs fit comfortably, and
 * the compactor enforces retention so the log volume cannot grow without bound.
 */
import { SERVICES } from "../services";
import { toYaml } from "./yaml";

export interface LokiConfigInput {
    /** Whole days or weeks, e.g. "30d" (validated by parseLokiRetention). */
    retention: string;
}

export function renderLokiConfig(input: LokiConfigInput): string {
    const { dataDir, ports } = SERVICES.loki;
    return toYaml({
        auth_enabled: false,
        server: { http_listen_port: ports.http, grpc_listen_port: ports.grpc, log_level: "warn" },
        common: {
            instance_addr: "127.0.0.1",
            path_prefix: dataDir,
            replication_factor: 1,
            ring: { kvstore: { store: "inmemory" } },
            storage: { filesystem: { chunks_directory: `${dataDir}/chunks`, rules_directory: `${dataDir}/rules` } },
        },
        schema_config: {
            configs: [
                {
                    from: "2024-01-01",
                    store: "tsdb",
                    object_store: "filesystem",
                    schema: "v13",
                    index: { prefix: "index_", period: "24h" },
                },
            ],
        },
        limits_config: {
            retention_period: input.retention,
            reject_old_samples: true,
            reject_old_samples_max_age: "168h",
            allow_structured_metadata: true,
        },
        compactor: {
            working_directory: `${dataDir}/compactor`,
            retention_enabled: true,
            delete_request_store: "filesystem",
        },
        ruler: { storage: { type: "local", local: { directory: `${dataDir}/rules` } } },
        // No usage reports to grafana.com from a node operator's host.
        analytics: { reporting_enabled: false },
    });
}
