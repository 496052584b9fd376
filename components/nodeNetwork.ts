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

/** The alphabet of the JWT's RandomPassword: exactly the lowercase hex digits, so its result is the hex of the secret. */
export const HEX_DIGITS = "0123456789abcdef";

/** RandomPassword inputs for the engine JWT: JWT_SECRET_BYTES as hex, from HEX_DIGITS only. */
export function jwtPasswordArgs(): random.RandomPasswordArgs {
    return { length: 2 * JWT_SECRET_BYTES, upper: false, lower: false, numeric: false, special: true, overrideSpecial: HEX_DIGITS };
}
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
        // A RandomPassword over the 16 hex digits, not a RandomBytes: the random provider makes a RandomBytes'
        // resource ID its base64 value, and resource IDs are stored in plaintext in the state; a RandomPassword's
        // ID is "none". Two hex digits per byte, each uniform over 16: 256 bits for 32 bytes.
        const jwt = new random.RandomPassword(`${name}-engine-jwt`, jwtPasswordArgs(), child);
        this.jwtSecretHex = pulumi.secret(jwt.result);
        this.networkName = this.network.name;
        this.registerOutputs({ networkName: this.networkName });
    }
}
