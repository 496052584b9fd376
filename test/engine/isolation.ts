/**
 * Keeps a stack deployed through the real engine off every address but this machine's own. The program's
 * network is an ordinary bridge (clients need the internet in production), and mainnet-configured Geth and Prysm
 * dial public bootnodes and resolve public names at once. The e2e runner creates the network `internal` itself;
 * here the engine creates it as the program declares, so the host's firewall drops instead: every packet that
 * a container on a user-defined bridge (`br-*`, as Docker names them) sends anywhere but to a bridge. Docker's
 * embedded DNS forwards from inside the container's namespace, so its queries are dropped too. Builds run on the
 * default bridge (`docker0`) and keep their registry access.
 */
import { execFileSync } from "child_process";

const COMMENT = "eth-node-engine-test: no traffic off the machine";
const RULE = ["DOCKER-USER", "-i", "br-+", "!", "-o", "br-+", "-m", "comment", "--comment", COMMENT, "-j", "DROP"];

function iptables(args: string[]): string {
    return execFileSync("iptables", ["-w", ...args], { encoding: "utf8", stdio: "pipe" });
}

/** Inserts the drop rule (once) at the top of DOCKER-USER, the chain Docker leaves to the administrator. */
export function blockBridgeEgress(): void {
    unblockBridgeEgress();
    iptables(["-I", ...RULE.slice(0, 1), "1", ...RULE.slice(1)]);
}

export function unblockBridgeEgress(): void {
    for (;;) {
        try {
            iptables(["-D", ...RULE]);
        } catch {
            return; // no (more) such rule
        }
    }
}

/** Packets the rule has dropped so far (`iptables -L -v -x`), or undefined when it is not in place. */
export function droppedPackets(): number | undefined {
    const line = iptables(["-L", "DOCKER-USER", "-n", "-v", "-x"]).split("\n").find((l) => l.includes(COMMENT));
    return line === undefined ? undefined : Number(line.trim().split(/\s+/)[0]);
}
