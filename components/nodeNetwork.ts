/**
 * NodeNetwork: what the node's containers share — one private Docker network, on which they reach each other
 * by alias, and the engine-API JWT that authenticates the beacon node to the execution node.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import { STACK_LABEL } from "./docker";
import { ServiceUser, stackPrefix } from "./services";

/** The engine API secret: 32 random bytes, written as 64 hex characters (the format both clients read). */
export const JWT_SECRET_BYTES = 32;
/** Where each client finds the JWT file. */
export const JWT_PATH = "/secrets/jwt.hex";

/**
 * The JWT as a file upload for one client: readable only by that client's user, and a Pulumi secret so the
 * container's `uploads` are encrypted in state.
 */
export function jwtUpload(jwtSecretHex: pulumi.Input<string>, user: ServiceUser): docker.types.input.ContainerUpload {
    return { file: JWT_PATH, content: pulumi.secret(jwtSecretHex), owner: String(user.uid), group: String(user.gid), permissions: "0400" };
}

export interface NodeNetworkArgs {
    /** Stack name; the network is called `eth-node-<stack>`. */
    stack: string;
}

export class NodeNetwork extends pulumi.ComponentResource {
    public readonly network: docker.Network;
    public readonly networkName: pulumi.Output<string>;
    /** The JWT as hex. A Pulumi secret: encrypted in state, masked in logs and outputs. */
    public readonly jwtSecretHex: pulumi.Output<string>;

    constructor(name: string, args: NodeNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eth-node:index:NodeNetwork", name, {}, opts);
        const child = { parent: this };

        this.network = new docker.Network(
            `${name}-network`,
            {
                name: stackPrefix(args.stack),
                driver: "bridge",
                // Not `internal`: clients need outbound internet for peer-to-peer and checkpoint sync.
                labels: [{ label: STACK_LABEL, value: args.stack }],
            },
            // A fixed name: a replacement (e.g. a driver change) created first would fail with "already exists".
            { ...child, deleteBeforeReplace: true },
        );
        // RandomBytes marks `hex` secret itself; pulumi.secret keeps it so whatever provider version computes it.
        const jwt = new random.RandomBytes(`${name}-engine-jwt`, { length: JWT_SECRET_BYTES }, child);
        this.jwtSecretHex = pulumi.secret(jwt.hex);
        this.networkName = this.network.name;
        this.registerOutputs({ networkName: this.networkName });
    }
}
