/**
 * eth-node: an Ethereum node (Geth + Prysm) with monitoring and a peer monitor on one Docker host.
 * Config is read and validated first (components/config.ts); no resource is declared from a bad value.
 * Secret keys (SECRET_CONFIG_KEYS) are read with getSecret only: they stay Pulumi secrets even when a value
 * was set without `--secret`.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, parseNodeConfig } from "./components/config";
import { deployEthNode } from "./components/stack";

const stackConfig = new pulumi.Config(CONFIG_NAMESPACE);
const config = parseNodeConfig(
    (key) => stackConfig.get(key),
    (key) => stackConfig.getSecret(key),
);
const node = deployEthNode(pulumi.getStack(), config);

export const network = config.network;
export const executionRpcUrl = node.execution.hostRpcUrl;
export const consensusApiUrl = node.beacon.hostApiUrl;
export const peerMonitorUrl = node.peerMonitor.hostUrl;
export const grafanaUrl = node.monitoring.grafanaUrl;
export const prometheusUrl = node.monitoring.prometheusUrl;
export const alertmanagerUrl = node.monitoring.alertmanagerUrl;
/** Secret: `pulumi stack output --show-secrets grafanaAdminPassword`. */
export const grafanaAdminPassword = node.monitoring.grafanaAdminPassword;
const tracker = node.validatorTracker;
export const volumeNames = {
    execution: node.execution.volumeName,
    consensus: node.beacon.volumeName,
    ...node.monitoring.volumeNames,
    ...(tracker && { nats: tracker.volumeNames.nats, validatorTrackerConsumer: tracker.volumeNames.consumer }),
};
export const containerNames = {
    execution: node.execution.containerName,
    consensus: node.beacon.containerName,
    peerMonitor: node.peerMonitor.containerName,
    ...node.monitoring.containerNames,
    ...(tracker && { nats: tracker.containerNames.nats, validatorTrackerSentry: tracker.containerNames.sentry, validatorTrackerConsumer: tracker.containerNames.consumer }),
};
/** The validator tracker's API (when `validatorTracker` is on); its bearer token is a secret: `pulumi stack output --show-secrets validatorTrackerApiToken`. */
export const validatorTrackerApiUrl = tracker?.apiUrl;
export const validatorTrackerApiToken = tracker?.apiToken;
export const dockerNetwork = node.network.networkName;
export const executionSyncStatus = node.status?.execution;
export const consensusSyncStatus = node.status?.consensus;
