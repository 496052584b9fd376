/**
 * The program's modules form no import cycle (config.ts and monitoringConfig.ts used to import each other):
 * a cycle makes a module see another's exports as undefined while it loads, depending on which was required
 * first. Reads the relative imports of every module under components/, dashboards/, scripts/ and index.ts.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");

function modules(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) return modules(full);
        return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [full] : [];
    });
}

function resolve(from: string, specifier: string): string | undefined {
    const base = path.resolve(path.dirname(from), specifier);
    return [`${base}.ts`, path.join(base, "index.ts")].find((candidate) => fs.existsSync(candidate));
}

function importGraph(files: string[]): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    for (const file of files) {
        const source = fs.readFileSync(file, "utf8");
        const specifiers = [...source.matchAll(/^(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gms)].map((m) => m[1]);
        graph.set(file, specifiers.map((s) => resolve(file, s)).filter((f): f is string => f !== undefined));
    }
    return graph;
}

/** Every cycle found by depth-first search, as a list of repository-relative paths. */
function cycles(graph: Map<string, string[]>): string[][] {
    const found: string[][] = [];
    const state = new Map<string, "visiting" | "done">();
    const stack: string[] = [];
    const visit = (file: string): void => {
        if (state.get(file) === "done") return;
        if (state.get(file) === "visiting") {
            found.push([...stack.slice(stack.indexOf(file)), file].map((f) => path.relative(ROOT, f)));
            return;
        }
        state.set(file, "visiting");
        stack.push(file);
        for (const next of graph.get(file) ?? []) visit(next);
        stack.pop();
        state.set(file, "done");
    };
    for (const file of graph.keys()) visit(file);
    return found;
}

test("components, dashboards, scripts and index.ts import each other without a cycle", () => {
    const files = [...modules(path.join(ROOT, "components")), ...modules(path.join(ROOT, "dashboards")), ...modules(path.join(ROOT, "scripts")), path.join(ROOT, "index.ts")];
    const graph = importGraph(files);
    expect([...graph.values()].flat().length).toBeGreaterThan(40);
    expect(cycles(graph)).toEqual([]);
});

test("the cycle check finds a cycle", () => {
    const a = path.join(ROOT, "a.ts");
    const b = path.join(ROOT, "b.ts");
    expect(cycles(new Map([[a, [b]], [b, [a]]]))).toEqual([["a.ts", "b.ts", "a.ts"]]);
});
