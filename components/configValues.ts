/**
 * The value parsers and the error type shared by the node's config (config.ts) and the monitoring config
 * (monitoringConfig.ts). Both import from here and neither imports the other's parsers, so the two modules
 * form no import cycle.
 */
import * as pulumi from "@pulumi/pulumi";

export const CONFIG_NAMESPACE = "eth-node";

/** Reads one non-secret key as a string; undefined when unset. */
export type ConfigReader = (key: string) => string | undefined;

/**
 * Reads one secret key; undefined when unset. index.ts passes `pulumi.Config.getSecret`. A plain string (a
 * value set without `--secret`, or a test's value) is accepted too: the parser wraps every secret value with
 * `pulumi.secret` itself, so it never depends on how the user set it.
 */
export type SecretConfigReader = (key: string) => pulumi.Input<string> | undefined;

/** Stands in for a secret value in an error message, which may be logged. */
export const SECRET_VALUE_SHOWN_AS = "[secret]";

/**
 * A configuration value that is not allowed. The message names the key, the bad value and what is allowed;
 * for a secret key it names the key only, and the error keeps no part of the value.
 */
export class ConfigError extends Error {
    readonly value: string;

    constructor(
        readonly key: string,
        value: string,
        readonly allowed: string,
        options: { secret?: boolean } = {},
    ) {
        const shown = options.secret ? SECRET_VALUE_SHOWN_AS : JSON.stringify(value);
        super(`Invalid config ${CONFIG_NAMESPACE}:${key} = ${shown}: ${allowed}`);
        this.name = "ConfigError";
        this.value = options.secret ? SECRET_VALUE_SHOWN_AS : value;
    }
}

/** A secret value, parsed inside an apply of the secret so the plaintext never leaves the Output. */
export function parseSecret<T>(raw: pulumi.Input<string> | undefined, parse: (value: string) => T): pulumi.Output<T> | undefined {
    return raw === undefined ? undefined : pulumi.secret(raw).apply(parse);
}

export function parsePort(key: string, value: string): number {
    const port = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new ConfigError(key, value, "expected a whole number from 1 to 65535");
    }
    return port;
}

export function parseIntInRange(key: string, value: string, min: number, max: number): number {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
        throw new ConfigError(key, value, `expected a whole number from ${min} to ${max}`);
    }
    return n;
}

/** A positive decimal number within [min, max], e.g. "0.5". */
export function parseDecimalInRange(key: string, value: string, min: number, max: number): number {
    const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
    if (!Number.isFinite(n) || n < min || n > max) {
        throw new ConfigError(key, value, `expected a decimal number from ${min} to ${max}`);
    }
    return n;
}

export function parseBool(key: string, value: string): boolean {
    if (value === "true") return true;
    if (value === "false") return false;
    throw new ConfigError(key, value, "expected true or false");
}

/** An absolute http(s) URL without trailing slashes. `secret`: the error does not show the value. */
export function parseHttpUrl(key: string, value: string, options: { secret?: boolean } = {}): string {
    const allowed = "expected an absolute http:// or https:// URL";
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        throw new ConfigError(key, value, allowed, options);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError(key, value, allowed, options);
    return value.replace(/\/+$/, "");
}

/**
 * An image reference pinned to a release: `repo[:tag]` with a tag other than latest/stable, or a digest.
 * A floating tag silently changes the client under a running node on the next pull.
 */
export function parseImage(key: string, value: string): string {
    const allowed = "expected a pinned image reference such as ethereum/client-go:v1.17.10 or repo@sha256:<digest> (not latest/stable, not untagged)";
    // [registry[:port]/]path[:tag][@sha256:digest]
    const match = /^((?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9._-]+(?:\/[a-z0-9._-]+)*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(value);
    if (!match) throw new ConfigError(key, value, allowed);
    const [, , tag, digest] = match;
    if (!digest && (!tag || ["latest", "stable", "master", "nightly", "edge"].includes(tag))) {
        throw new ConfigError(key, value, allowed);
    }
    return value;
}
