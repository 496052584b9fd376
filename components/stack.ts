/**
 * The node's wiring, in one place: which components a stack has and how their outputs feed each other.
 * Each component owns one role; this module only connects them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { NodeConfig } from "./config";
import { NodeNetwork } from "./nodeNetwork";
import { ExecutionNode } from "./execution";
import { BeaconNode } from "./beacon";
import { PeerMonitor } from "./peerMonitor";
import { MonitoringStack } from "./monitoring";
import { NodeStatus, ReadinessCheck } from "./readiness";
import { ValidatorTracker } from "./validatorTracker";

/** Version of the peer monitor image built from ../peer-monitor; bump with its package.json. */
export const PEER_MONITOR_IMAGE = "eth-node/peer-monitor:0.1.0";

export interface EthNodeStack {
    network: NodeNetwork;
    execution: ExecutionNode;
    beacon: BeaconNode;
    peerMonitor: PeerMonitor;
    monitoring: MonitoringStack;
    /** Only when `validatorTracker` is on. */
    validatorTracker?: ValidatorTracker;
    readiness?: ReadinessCheck;
    status?: pulumi.Output<NodeStatus>;
}

export function deployEthNode(stack: string, config: NodeConfig): EthNodeStack {
    // An explicit provider, so a stack can target a remote engine (`ssh://user@host`) from its config.
    const provider = new docker.Provider("docker", config.dockerHost ? { host: config.dockerHost } : {});
    const opts = { providers: { docker: provider } };

    const network = new NodeNetwork("node", { stack }, opts);

    const execution = new ExecutionNode(
        "execution",
        {
            stack,
            network: config.network,
            image: config.images.geth,
            networkName: network.networkName,
            jwtSecretHex: network.jwtSecretHex,
            bindAddress: config.bindAddress,
            p2pHostPort: config.ports.elP2p,
            rpcHostPort: config.ports.elRpc,
            maxPeers: config.elMaxPeers,
            externalIp: config.externalIp,
            deleteVolumeOnDestroy: config.deleteVolumesOnDestroy,
        },
        opts,
    );

    const beacon = new BeaconNode(
        "beacon",
        {
            stack,
            network: config.network,
            image: config.images.prysm,
            volumeInitImage: config.images.geth,
            networkName: network.networkName,
            jwtSecretHex: network.jwtSecretHex,
            executionEndpoint: execution.engineUrl,
            checkpointSyncUrl: config.checkpointSyncUrl,
            bindAddress: config.bindAddress,
            p2pTcpHostPort: config.ports.clP2pTcp,
            p2pUdpHostPort: config.ports.clP2pUdp,
            p2pQuicHostPort: config.ports.clP2pQuic,
            apiHostPort: config.ports.clApi,
            maxPeers: config.clMaxPeers,
            externalIp: config.externalIp,
            deleteVolumeOnDestroy: config.deleteVolumesOnDestroy,
        },
        { ...opts, dependsOn: [execution] },
    );

    const peerMonitor = new PeerMonitor(
        "peer-monitor",
        {
            stack,
            networkName: network.networkName,
            executionUrl: execution.wsUrl,
            beaconUrl: beacon.apiUrl,
            intervalSeconds: config.peerMonitorIntervalSeconds,
            baseImage: config.peerMonitorBaseImage,
            imageName: PEER_MONITOR_IMAGE,
            bindAddress: config.bindAddress,
            hostPort: config.ports.peerMonitor,
        },
        opts,
    );

    const monitoring = new MonitoringStack(
        "monitoring",
        { stack, networkName: network.networkName, config },
        opts,
    );

    const tracker = config.validatorTracker;
    const validatorTracker = tracker.enabled
        ? new ValidatorTracker(
              "validator-tracker",
              {
                  stack,
                  network: config.network,
                  networkName: network.networkName,
                  beaconUrl: beacon.apiUrl,
                  sentryAfter: [beacon],
                  natsImage: tracker.natsImage,
                  baseImage: tracker.baseImage,
                  volumeInitImage: config.images.geth,
                  bindAddress: config.bindAddress,
                  p2pTcpPort: tracker.p2pTcpPort,
                  p2pUdpPort: tracker.p2pUdpPort,
                  apiHostPort: tracker.apiPort,
                  bootnodes: tracker.bootnodes,
                  dialConcurrency: tracker.dialConcurrency,
                  externalIp: config.externalIp,
                  deleteVolumesOnDestroy: config.deleteVolumesOnDestroy,
              },
              opts,
          )
        : undefined;

    const readiness = config.readiness.enabled
        ? new ReadinessCheck(
              "readiness",
              {
                  executionContainerName: execution.containerName,
                  timeoutSeconds: config.readiness.timeoutSeconds,
                  dockerHost: config.dockerHost,
                  triggers: [execution.container.id, beacon.container.id],
                  waitFor: [execution, beacon],
              },
              opts,
          )
        : undefined;

    return { network, execution, beacon, peerMonitor, monitoring, validatorTracker, readiness, status: readiness?.status };
}
