#!/usr/bin/env node
// Compares the stand-in docker plugin's schema (pulumi-tfgen-docker's output) with the published @pulumi/docker
// SDK the program uses, so the SDK's property names reach the plugin unchanged:
//   - every resource token the SDK declares (`__pulumiType`) is in the schema, and every property the SDK sends
//     (`resourceInputs["…"]` in <resource>.js, inputs and state) is an input or output of that resource;
//   - the provider's config (provider.js) and every function's arguments (`invoke("tok", { "…": … })`);
//   - every field of every interface in types/input.d.ts and types/output.d.ts is a property of the schema type
//     of the same name (docker:index/<Name>:<Name>, or docker:config/<name>:<name> for config types).
// Names the schema has and the SDK lacks are listed as notes (the provider is newer than the SDK, harmless).
// Exit status 1 when anything the SDK uses is missing. Usage: node check-schema.mjs <schema.json> [sdk dir]
//   [--allow-missing-token=<tok>,…]  (tokens the build does not provide, reported but not failed)
import * as fs from "node:fs";
import * as path from "node:path";

const args = process.argv.slice(2);
const allowed = new Set(args.filter((a) => a.startsWith("--allow-missing-token=")).flatMap((a) => a.split("=")[1].split(",")));
const [schemaPath, sdkDirArg] = args.filter((a) => !a.startsWith("--"));
if (!schemaPath) {
    console.error("usage: node check-schema.mjs <schema.json> [node_modules/@pulumi/docker] [--allow-missing-token=tok,…]");
    process.exit(2);
}
const here = path.dirname(new URL(import.meta.url).pathname);
const sdkDir = sdkDirArg ?? path.resolve(here, "../../../../node_modules/@pulumi/docker");
const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
const sdkVersion = JSON.parse(fs.readFileSync(path.join(sdkDir, "package.json"), "utf8")).version;

const errors = [];
const notes = [];
let checked = 0;

function compare(what, sdkNames, schemaNames) {
    for (const n of sdkNames) {
        checked++;
        if (!schemaNames.has(n)) errors.push(`${what}: the SDK's "${n}" is not in the schema (schema has: ${[...schemaNames].sort().join(", ")})`);
    }
    const extra = [...schemaNames].filter((n) => !sdkNames.has(n) && n !== "id" && n !== "urn");
    if (extra.length) notes.push(`${what}: in the schema only: ${extra.sort().join(", ")}`);
}

// Resources and the provider.
for (const file of fs.readdirSync(sdkDir).filter((f) => f.endsWith(".js"))) {
    const src = fs.readFileSync(path.join(sdkDir, file), "utf8");
    const tok = /static __pulumiType = '([^']+)'/.exec(src)?.[1];
    const inputs = new Set([...src.matchAll(/resourceInputs\["([^"]+)"\]/g)].map((m) => m[1]));
    if (tok === "docker") {
        const cfg = new Set(Object.keys(schema.provider?.inputProperties ?? schema.config?.variables ?? {}));
        compare("provider config", inputs, cfg);
        continue;
    }
    if (tok) {
        const res = schema.resources?.[tok];
        if (!res) {
            (allowed.has(tok) ? notes : errors).push(`resource ${tok} (${file}) is not in the schema${allowed.has(tok) ? " (allowed)" : ""}`);
            continue;
        }
        const names = new Set([...Object.keys(res.inputProperties ?? {}), ...Object.keys(res.properties ?? {})]);
        compare(`resource ${tok}`, inputs, names);
        continue;
    }
    for (const m of src.matchAll(/invoke\("([^"]+)", \{([^}]*)\}/g)) {
        const fnTok = m[1];
        const fn = schema.functions?.[fnTok];
        if (!fn) {
            (allowed.has(fnTok) ? notes : errors).push(`function ${fnTok} (${file}) is not in the schema`);
            continue;
        }
        const sdkArgs = new Set([...m[2].matchAll(/"([^"]+)":/g)].map((a) => a[1]));
        compare(`function ${fnTok} arguments`, sdkArgs, new Set(Object.keys(fn.inputs?.properties ?? {})));
    }
}

// Object types.
// Function types are named getX… in the schema and GetX… in the SDK, whose input.d.ts also has a GetX…Args
// (the Input<> form of the same type).
const upperFirst = (s) => s.charAt(0).toUpperCase() + s.slice(1);
const typeTokens = new Map(Object.keys(schema.types ?? {}).map((t) => [upperFirst(t.split(":").pop()), t]));
const typeToken = (name) => typeTokens.get(name) ?? (name.endsWith("Args") ? typeTokens.get(name.slice(0, -4)) : undefined);
for (const dts of ["input.d.ts", "output.d.ts"]) {
    const src = fs.readFileSync(path.join(sdkDir, "types", dts), "utf8");
    let ns = [];
    let current;
    for (const line of src.split("\n")) {
        let m;
        if ((m = /^(\s*)export (?:declare )?namespace (\w+) \{/.exec(line))) ns.push(m[2]);
        else if ((m = /^(\s*)export interface (\w+) \{/.exec(line))) current = { name: m[2], indent: m[1].length + 4, fields: new Set() };
        else if (current && (m = /^(\s*)([A-Za-z_$][\w$]*)\??: /.exec(line)) && m[1].length === current.indent) current.fields.add(m[2]);
        else if (current && /^\s*\}$/.test(line) && line.indexOf("}") === current.indent - 4) {
            const tok = typeToken(current.name);
            const where = `${dts} ${ns.length ? ns.join(".") + "." : ""}${current.name}`;
            if (!tok) {
                const native = [...allowed].length > 0;
                (native ? notes : errors).push(`type ${where}: no schema type named ${current.name}${native ? " (a native type of an allowed-missing resource?)" : ""}`);
            } else {
                compare(`type ${where} (${tok})`, current.fields, new Set(Object.keys(schema.types[tok].properties ?? {})));
            }
            current = undefined;
        } else if (!current && /^\}$/.test(line.trimEnd()) && ns.length) ns.pop();
    }
}

for (const n of notes) console.log(`note: ${n}`);
for (const e of errors) console.log(`MISMATCH: ${e}`);
console.log(`check-schema: ${checked} SDK names (@pulumi/docker ${sdkVersion}) checked against ${schemaPath}: ${errors.length} mismatch(es)`);
process.exit(errors.length ? 1 : 0);
