#!/usr/bin/env bash
# Build the Pulumi CLI from the Go module proxy and install it into an isolated, cached PULUMI_HOME, so the
# engine test suite can drive the real engine (Node Automation API inline programs, which serve the Node
# language runtime from inside the Node process: no pulumi-language-nodejs needed).
#
# Usage: test/engine/build-pulumi.sh [--rebuild] [--clean] [--check] [--help]
#   --rebuild   build the CLI even if the cached one reports the right version
#   --clean     also delete the wrapper module and build log before building (Go caches are kept)
#   --check     also run the offline smoke test (file backend, stack init, passphrase secret) on a cached CLI
# The version is the one the repository's npm SDK pins (node_modules/@pulumi/pulumi/package.json: the CLI and
# the Node SDK are released together), so nothing here names a version. Needs `npm ci` in the repository.
# `go install github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@vX` is refused (the module's go.mod has replace
# directives), so the script generates a wrapper module requiring pkg/v3 and sdk/v3 at vX with pkg's one
# non-local replace (github.com/atotto/clipboard) and builds the command from it: ~17 min cold on 2 cores.
# The CLI is checked with update checks and plugin acquisition off; nothing here downloads a plugin.
# Environment: ETH_E2E_CACHE (default /var/cache/eth-node-e2e), ETH_E2E_PULUMI_HOME (default
#   $ETH_E2E_CACHE/pulumi-home), GOFLAGS (default -buildvcs=false), GOPROXY (default: go env's, minus `direct`).
# Writes $ETH_E2E_PULUMI_HOME/bin/pulumi, $ETH_E2E_CACHE/pulumi-src/ (the wrapper module) and
#   $ETH_E2E_CACHE/pulumi.env (PULUMI_VERSION, PULUMI_HOME, PULUMI_BIN; plain KEY=value lines, fit for `source`).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/build-log.sh
source "$SCRIPT_DIR/../lib/build-log.sh"  # log, die, step, logged, log_timings, usage, use_go_module_proxy
ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
CACHE_DIR=${ETH_E2E_CACHE:-/var/cache/eth-node-e2e}
HOME_DIR=${ETH_E2E_PULUMI_HOME:-$CACHE_DIR/pulumi-home}
SRC_DIR=$CACHE_DIR/pulumi-src
SDK_PACKAGE_JSON=$ROOT/node_modules/@pulumi/pulumi/package.json
PKG_MODULE=github.com/pulumi/pulumi/pkg/v3
SDK_MODULE=github.com/pulumi/pulumi/sdk/v3
CLI_PACKAGE=$PKG_MODULE/cmd/pulumi
VERSION_VAR=$SDK_MODULE/go/common/version.Version
# pkg/v3's go.mod: `replace github.com/pulumi/pulumi/sdk/v3 => ../sdk` (met by requiring sdk/v3 at the same
# version) and this one, which a wrapper has to repeat (upstream's fork of the clipboard package).
CLIPBOARD_REPLACE=github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e

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

T_START=$(date +%s)
TIMINGS=()
BUILD_LOG_DIR=$CACHE_DIR  # logged's logs
finish() {
  log_timings
  log "total $(( $(date +%s) - T_START ))s; $PULUMI_BIN ($VERSION), PULUMI_HOME=$HOME_DIR, env: $CACHE_DIR/pulumi.env"
}

# The CLI with everything that could reach the network off: no update check, no plugin acquisition, no
# Pulumi Cloud (PULUMI_ACCESS_TOKEN unset), its own PULUMI_HOME. In a fresh network namespace when the
# machine allows one (root), so a download attempt fails instead of going out.
NETNS=()
offline_pulumi() {
  env -u PULUMI_ACCESS_TOKEN -u PULUMI_BACKEND_URL \
    PULUMI_HOME="${OFFLINE_HOME:-$HOME_DIR}" PULUMI_SKIP_UPDATE_CHECK=true \
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_SKIP_CONFIRMATIONS=true \
    ${NETNS[@]+"${NETNS[@]}"} "$PULUMI_BIN" --non-interactive "$@"
}

mkdir -p "$CACHE_DIR" "$HOME_DIR/bin" || die "cannot create $CACHE_DIR and $HOME_DIR/bin (run as root or set ETH_E2E_CACHE)"
exec 9>"$CACHE_DIR/.pulumi.lock"  # not build-images.sh's .lock: the two builds may run side by side
flock -w 3600 9 || die "another build-pulumi.sh still holds $CACHE_DIR/.pulumi.lock after 1 h"
PULUMI_BIN=$HOME_DIR/bin/pulumi
if unshare -n true 2>/dev/null; then NETNS=(unshare -n); fi

# ---------------------------------------------------------------------------------------------- step 0
read_version() {
  [[ -f $SDK_PACKAGE_JSON ]] || die "$SDK_PACKAGE_JSON not found: run npm ci in $ROOT first"
  # The top-level "version": the one indented like the object's first key (nested ones are deeper).
  local indent
  indent=$(sed -n '2s/^\([[:space:]]*\)".*/\1/p' "$SDK_PACKAGE_JSON")
  VERSION=$(sed -n "s/^$indent\"version\": *\"\([^\"]*\)\",\{0,1\}\$/\1/p" "$SDK_PACKAGE_JSON" | head -1)
  [[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "could not read a release version from $SDK_PACKAGE_JSON (got \"$VERSION\")"
  VERSION=v$VERSION
  log "    @pulumi/pulumi $VERSION (from $SDK_PACKAGE_JSON)"
}

# True when the installed CLI reports $VERSION; logs what it found otherwise.
cli_current() {
  [[ -x $PULUMI_BIN ]] || { log "    no CLI at $PULUMI_BIN"; return 1; }
  local out
  out=$(offline_pulumi version 2>&1) || { log "    $PULUMI_BIN does not run: $out"; return 1; }
  [[ $out == "$VERSION" ]] && return 0
  log "    $PULUMI_BIN reports \"$out\", not $VERSION"; return 1
}

# ---------------------------------------------------------------------------------------------- step 1
# The error the proxy gives for module $1@$2, empty when it serves it.
proxy_error() {
  { go mod download -json "$1@$2" 2>/dev/null || true; } | sed -n 's/^\t"Error": "\(.*\)",\{0,1\}$/\1/p' | sed 's/\\n\\t/ /g' | head -1
}

check_served() {
  local m err
  command -v go >/dev/null || die "Go not found (expected /usr/local/go/bin/go)"
  log "    $(go version)"
  for m in "$PKG_MODULE" "$SDK_MODULE"; do
    if ! go mod download -json "$m@$VERSION" >/dev/null 2>&1; then
      err=$(proxy_error "$m" "$VERSION")
      die "$m@$VERSION is not served by the Go module proxy (${err:-go mod download failed}): the CLI cannot be built at the SDK's version"
    fi
  done
  log "    $PKG_MODULE@$VERSION and $SDK_MODULE@$VERSION served"
}

# ---------------------------------------------------------------------------------------------- step 2
# The wrapper module: pkg/v3 and sdk/v3 at $VERSION, the clipboard replace, go.sum from `go get` of the CLI's
# package (only what the command's import graph needs, not `go mod tidy`'s test dependencies).
write_wrapper() {
  rm -rf "$SRC_DIR"; mkdir -p "$SRC_DIR" || die "cannot create $SRC_DIR"
  cat >"$SRC_DIR/README" <<EOF
Generated by test/engine/build-pulumi.sh: a wrapper module building $CLI_PACKAGE@$VERSION
(\`go install\` refuses it: pkg/v3's go.mod has replace directives). Deleted and rewritten on every build.
EOF
  logged pulumi-mod init_wrapper
  local got
  got=$(tr '\n' ' ' <"$SRC_DIR/selected.txt")
  [[ $got == "$PKG_MODULE@$VERSION $SDK_MODULE@$VERSION " ]] || die "the wrapper module selected $got, not both at $VERSION (see $SRC_DIR/go.mod)"
  log "    $SRC_DIR/go.mod: go $(sed -n 's/^go //p' "$SRC_DIR/go.mod"), $(grep -c . "$SRC_DIR/go.sum") go.sum lines"
}
init_wrapper() {  # the Go commands, in a subshell (cd) whose failure `logged` reports
  (
    cd "$SRC_DIR" &&
      go mod init eth-node-e2e/pulumi-cli &&
      go mod edit -replace "$CLIPBOARD_REPLACE" &&
      GOWORK=off go get "$CLI_PACKAGE@$VERSION" "$SDK_MODULE@$VERSION" &&
      GOWORK=off go list -m -f '{{.Path}}@{{.Version}}' "$PKG_MODULE" "$SDK_MODULE" >selected.txt
  )
}

# ---------------------------------------------------------------------------------------------- step 3
# As upstream's release build: static (cgo off), trimmed, stripped, the version stamped. nice: the machine is
# shared and the build takes both cores for a quarter of an hour.
build_cli() {
  local tmp=$HOME_DIR/bin/.pulumi.tmp
  rm -f "$tmp"
  logged pulumi-build env -C "$SRC_DIR" GOWORK=off CGO_ENABLED=0 nice -n 19 go build -trimpath \
    -ldflags "-s -w -X $VERSION_VAR=$VERSION" -o "$tmp" "$CLI_PACKAGE"
  mv -f "$tmp" "$PULUMI_BIN"
  log "    $PULUMI_BIN: $(du -h "$PULUMI_BIN" | cut -f1), $(go version "$PULUMI_BIN" | cut -d' ' -f2)"
}

# ---------------------------------------------------------------------------------------------- step 4
verify_cli() {
  cli_current || die "the CLI just built does not report $VERSION (see $CACHE_DIR/pulumi-build.log)"
  log "    pulumi version: $VERSION${NETNS[*]:+ (checked in a network namespace with no interfaces up)}"
}

# The file backend and the passphrase secrets provider, as the engine suite uses them, in a throw-away
# PULUMI_HOME, state directory and project (runtime: yaml, no resources: neither login nor stack init loads a
# language host or plugin). `file://<dir>`, not `login --local`: that is `file://~`, the *user's* home
# (~/.pulumi, from /etc/passwd), whatever PULUMI_HOME says.
smoke_test() {
  local tmp out
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/build-pulumi.XXXXXX") || die "mktemp failed"
  mkdir -p "$tmp/home" "$tmp/state" "$tmp/project"
  printf 'name: build-pulumi-smoke\nruntime: yaml\ndescription: build-pulumi.sh smoke test (no resources)\n' >"$tmp/project/Pulumi.yaml"
  smoke() { (cd "$tmp/project" && OFFLINE_HOME=$tmp/home PULUMI_CONFIG_PASSPHRASE=smoke offline_pulumi "$@" 2>&1); }
  if ! out=$(smoke login "file://$tmp/state" && smoke stack init smoke --secrets-provider passphrase &&
             smoke config set --secret probe s3cr3t && smoke config get probe); then
    rm -rf "$tmp"; die "offline smoke test (login file://, stack init, secret config) failed: $out"
  fi
  if [[ $(tail -n 1 <<<"$out") != s3cr3t ]] || ! grep -q 'secure:' "$tmp/project/Pulumi.smoke.yaml" ||
     [[ ! -d $tmp/state/.pulumi/stacks/build-pulumi-smoke ]]; then
    rm -rf "$tmp"; die "offline smoke test: the stack or its passphrase-encrypted secret is missing or wrong: $out"
  fi
  rm -rf "$tmp"
  log "    login file://, stack init (passphrase), secret config set/get: ok"
}

write_env() {
  {
    echo "PULUMI_VERSION=$VERSION"
    echo "PULUMI_HOME=$HOME_DIR"
    echo "PULUMI_BIN=$PULUMI_BIN"
  } >"$CACHE_DIR/pulumi.env"
  sed 's/^/    /' "$CACHE_DIR/pulumi.env"
}

# ---------------------------------------------------------------------------------------------- main
step "0. the SDK's version" read_version
if [[ $REBUILD == 0 ]] && cli_current; then
  log "    cached $PULUMI_BIN reports $VERSION, nothing to build (use --rebuild to force)"
  [[ $CHECK == 0 ]] || step "4b. offline smoke test" smoke_test
  [[ -f $CACHE_DIR/pulumi.env ]] || step "5. pulumi.env" write_env
  finish; exit 0
fi
if [[ $CLEAN == 1 ]]; then rm -rf "$SRC_DIR" "$CACHE_DIR"/pulumi-mod.log "$CACHE_DIR"/pulumi-build.log; fi
step "1. modules served" check_served
step "2. wrapper module" write_wrapper
step "3. go build (nice 19)" build_cli
step "4a. pulumi version" verify_cli
step "4b. offline smoke test" smoke_test
step "5. pulumi.env" write_env
finish
