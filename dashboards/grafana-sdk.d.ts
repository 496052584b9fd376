/**
 * The foundation SDK publishes its modules only through package.json "exports" subpaths, which the
 * project's `moduleResolution: node` does not read. These declarations point the subpaths at the same
 * files; at run time Node resolves the subpaths through "exports" as usual.
 */
declare module "@grafana/grafana-foundation-sdk/dashboard" {
    export * from "@grafana/grafana-foundation-sdk/dist/dashboard";
}
declare module "@grafana/grafana-foundation-sdk/common" {
    export * from "@grafana/grafana-foundation-sdk/dist/common";
}
declare module "@grafana/grafana-foundation-sdk/prometheus" {
    export * from "@grafana/grafana-foundation-sdk/dist/prometheus";
}
declare module "@grafana/grafana-foundation-sdk/loki" {
    export * from "@grafana/grafana-foundation-sdk/dist/loki";
}
declare module "@grafana/grafana-foundation-sdk/timeseries" {
    export * from "@grafana/grafana-foundation-sdk/dist/timeseries";
}
declare module "@grafana/grafana-foundation-sdk/stat" {
    export * from "@grafana/grafana-foundation-sdk/dist/stat";
}
declare module "@grafana/grafana-foundation-sdk/table" {
    export * from "@grafana/grafana-foundation-sdk/dist/table";
}
declare module "@grafana/grafana-foundation-sdk/logs" {
    export * from "@grafana/grafana-foundation-sdk/dist/logs";
}
