/**
 * Prints, as JSON, the resources (components, custom resources, explicit providers) the program declares for a stack file (`Pulumi.<stack>.yaml`) when it is
 * evaluated under Pulumi's mocks (test/harness.ts): `type::name` for each. The engine suite compares what the
 * real engine plans against it. Its own process: the mocks set the Pulumi runtime's global state.
 * Run: npx ts-node --transpile-only test/engine/declaredResources.ts dev
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { CONFIG_NAMESPACE } from "../../components/config";
import { declareStack } from "../harness";

export function stackFileValues(stack: string): Record<string, string> {
    const file = path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`);
    const config: Record<string, unknown> = parseYaml(fs.readFileSync(file, "utf8")).config ?? {};
    return Object.fromEntries(
        Object.entries(config)
            .filter(([key]) => key.startsWith(`${CONFIG_NAMESPACE}:`))
            .map(([key, value]) => [key.slice(CONFIG_NAMESPACE.length + 1), String(value)]),
    );
}

if (require.main === module) {
    const stack = process.argv[2] ?? "dev";
    declareStack(stack, stackFileValues(stack)).then((s) => {
        console.log(JSON.stringify(s.resources.map((r) => `${r.type}::${r.name}`).sort()));
        process.exit(0);
    });
}
