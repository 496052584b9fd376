#!/usr/bin/env bash
# Build local stand-ins for the container images the eth-node stack uses, on a machine that cannot pull
# from any container registry but reaches Debian's mirror, the Go module proxy and the npm registry.
#
# Usage: test/e2e/images/build-images.sh [--rebuild] [--clean] [--skip-prysm] [--skip-geth] [--help]
#   --rebuild     rebuild every image even if its tag exists (cached binaries are reused)
#   --clean       also delete the cached binaries/rootfs under $ETH_E2E_CACHE (Go caches are kept)
#   --skip-prysm  do not build the Prysm image (the slow one)
#   --skip-geth   do not build the Geth image
# Environment: ETH_E2E_CACHE (default /var/cache/eth-node-e2e), GETH_VERSION (v1.17.10),
#   GETH_FALLBACK_VERSION (v1.17.8, used only when GETH_VERSION's dependencies are not on the module
#   proxy; set it empty to fail instead), PRYSM_VERSION (v7.1.2), DEBIAN_MIRROR, DOCKERD_FLAGS,
#   DOCKERD_TIMEOUT (60 s).
# Writes $ETH_E2E_CACHE/images.env with the tags that were built (GETH_IMAGE=..., PRYSM_IMAGE=...).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE_DIR=${ETH_E2E_CACHE:-/var/cache/eth-node-e2e}
GETH_VERSION=${GETH_VERSION:-v1.17.10}
GETH_FALLBACK_VERSION=${GETH_FALLBACK_VERSION-v1.17.8}
PRYSM_VERSION=${PRYSM_VERSION:-v7.1.2}
PRYSM_MODULE=github.com/OffchainLabs/prysm/v7
GETH_MODULE=github.com/ethereum/go-ethereum
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DOCKERD_FLAGS=${DOCKERD_FLAGS:-}
DOCKERD_TIMEOUT=${DOCKERD_TIMEOUT:-60}
DOCKERD_LOG=/var/log/eth-node-e2e-dockerd.log

BASE_IMAGE=eth-node-local/debian:bookworm
PRYSM_IMAGE=gcr.io/offchainlabs/prysm/beacon-chain:$PRYSM_VERSION
PROM_IMAGE=eth-node-local/prometheus:debian
AM_IMAGE=eth-node-local/alertmanager:debian
NE_IMAGE=eth-node-local/node-exporter:debian
NODE_IMAGE=eth-node-local/node:20

REBUILD=0 CLEAN=0 SKIP_PRYSM=0 SKIP_GETH=0
for arg in "$@"; do
  case $arg in
    --rebuild) REBUILD=1 ;;
    --clean) CLEAN=1; REBUILD=1 ;;
    --skip-prysm) SKIP_PRYSM=1 ;;
    --skip-geth) SKIP_GETH=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

export PATH=/usr/local/go/bin:$PATH:/usr/sbin:/sbin
export DEBIAN_FRONTEND=noninteractive
export GOFLAGS=${GOFLAGS:--buildvcs=false}

T_START=$(date +%s)
TIMINGS=()
log() { printf '[%s +%4ss] %s\n' "$(date +%H:%M:%S)" "$(( $(date +%s) - T_START ))" "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }
step() {
  local name=$1 s d; shift
  s=$(date +%s); log "==> $name"
  "$@"
  d=$(( $(date +%s) - s )); TIMINGS+=("$(printf '%-34s %5ss' "$name" "$d")"); log "<== $name done in ${d}s"
}
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

[[ $(id -u) == 0 ]] || die "run as root (apt-get, dockerd, debootstrap)"
if [[ $CLEAN == 1 ]]; then rm -rf "$CACHE_DIR"; fi
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.lock"
flock -w 3600 9 || die "another build-images.sh still holds $CACHE_DIR/.lock after 1 h"

# ---------------------------------------------------------------------------------------------- step 1
install_deps() {
  local need=()
  command -v dockerd >/dev/null || need+=(docker.io)
  command -v docker >/dev/null || need+=(docker.io)
  command -v debootstrap >/dev/null || need+=(debootstrap)
  [[ -x /usr/bin/prometheus ]] || need+=(prometheus)
  [[ -x /usr/bin/prometheus-alertmanager ]] || need+=(prometheus-alertmanager)
  [[ -x /usr/bin/prometheus-node-exporter ]] || need+=(prometheus-node-exporter)
  command -v gcc >/dev/null || need+=(gcc libc6-dev)
  command -v iptables >/dev/null || need+=(iptables)
  command -v curl >/dev/null || need+=(curl)
  if ((${#need[@]})); then
    log "    installing from Debian: ${need[*]}"
    apt-get update -qq
    # --no-install-recommends: no services or docs we do not use. The packages' postinst does not start
    # daemons here (no systemd), so nothing listens on the host afterwards.
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  command -v go >/dev/null || die "Go not found (expected /usr/local/go/bin/go, Go >= 1.24)"
  log "    $(go version)"
  log "    docker client $(docker --version)"
  log "    debootstrap $(dpkg-query -W -f '${Version}' debootstrap)"
  log "    $(/usr/bin/prometheus --version 2>&1 | head -1)"
  log "    $(/usr/bin/prometheus-alertmanager --version 2>&1 | head -1)"
  log "    $(/usr/bin/prometheus-node-exporter --version 2>&1 | head -1)"
  log "    gcc $(gcc -dumpfullversion)"
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

# ---------------------------------------------------------------------------------------------- step 3
# Prints the module paths@versions the proxy refuses for this module's full build list (empty: all there).
blocked_deps() {  # $1 = module dir (writable copy)
  (cd "$1" && GOFLAGS=-mod=mod go mod download 2>&1 | grep -oE '^go: [^ ]+@[^:]+' | sed 's/^go: //' | sort -u) || true
}

build_geth_binary() {  # $1 = version; builds $CACHE_DIR/geth-$1/geth
  local v=$1 out=$CACHE_DIR/geth-$1 src dir blocked
  [[ -x $out/geth ]] && { log "    cached binary $out/geth"; return 0; }
  if [[ -f $out.blocked ]]; then
    log "    geth $v known unbuildable here (remove $out.blocked to retry):"; sed 's/^/        /' "$out.blocked"; return 1
  fi
  dir=$(go mod download -json "$GETH_MODULE@$v" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [[ -n $dir ]] || { log "    $GETH_MODULE@$v not on the module proxy"; return 1; }
  src=$CACHE_DIR/src/geth-$v; rm -rf "$src"; mkdir -p "$CACHE_DIR/src"; cp -r "$dir" "$src"; chmod -R u+w "$src"
  blocked=$(blocked_deps "$src")
  if [[ -n $blocked ]]; then
    log "    geth $v cannot be built from this module proxy; it refuses (403) these dependencies:"
    # shellcheck disable=SC2001
    sed 's/^/        /' <<<"$blocked"
    printf '%s\n' "$blocked" >"$out.blocked"
    rm -rf "$src"; return 1
  fi
  rm -rf "$src"
  mkdir -p "$out.tmp"
  # Same as upstream's `go run build/ci.go install`: cgo on (secp256k1, blst), trimmed paths, stripped.
  GOBIN=$out.tmp CGO_ENABLED=1 go install -trimpath -ldflags "-s -w" "$GETH_MODULE/cmd/geth@$v"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

build_geth() {
  local v=$GETH_VERSION
  if ! image_exists "ethereum/client-go:$v" || [[ $REBUILD == 1 ]]; then
    if ! build_geth_binary "$v"; then
      [[ -n $GETH_FALLBACK_VERSION ]] || die "geth $v cannot be built here (set GETH_FALLBACK_VERSION to build another version)"
      log "    WARNING: using geth $GETH_FALLBACK_VERSION instead of $v (tagged with its own version, not $v)"
      v=$GETH_FALLBACK_VERSION
      if [[ $REBUILD == 1 ]] || ! image_exists "ethereum/client-go:$v"; then
        build_geth_binary "$v" || die "geth $v cannot be built either"
      fi
    fi
  fi
  GETH_IMAGE=ethereum/client-go:$v
  if want_image "$GETH_IMAGE"; then
    local ctx=$CACHE_DIR/ctx-geth
    rm -rf "$ctx"; mkdir -p "$ctx"; cp "$CACHE_DIR/geth-$v/geth" "$ctx/"
    local out; out=$("$ctx/geth" version)  # not `| grep -q`: with pipefail, SIGPIPE fails the pipeline
    grep -q "^Version: ${v#v}-" <<<"$out" || die "geth binary does not report version ${v#v}: $out"
    probe_apt_in_containers  # the image installs busybox (wget for the readiness probe) from Debian
    [[ $APT_MODE == apt ]] || die "docker build containers cannot reach Debian's mirror: the geth image needs busybox from it"
    dbuild -f "$SCRIPT_DIR/Dockerfile.geth" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
      --build-arg "GETH_VERSION=$v" ${APT_BUILD_ARGS[@]+"${APT_BUILD_ARGS[@]}"} -t "$GETH_IMAGE" "$ctx" >/dev/null
    rm -rf "$ctx"
  fi
  log "    $GETH_IMAGE: $(docker run --rm "$GETH_IMAGE" version | grep -E '^(Version|Go Version)' | tr '\n' ' ')"
}

# ---------------------------------------------------------------------------------------------- step 4
# Runs in the background (started early); writes its own log and timing under $CACHE_DIR.
build_prysm_binary() {
  local out=$CACHE_DIR/prysm-$PRYSM_VERSION src dir commit bdate bunix pkg s
  s=$(date +%s)
  if [[ -x $out/beacon-chain ]]; then echo "cached binary $out/beacon-chain"; echo 0 >"$CACHE_DIR/prysm-build.secs"; return 0; fi
  # `go install $PRYSM_MODULE/cmd/beacon-chain@v` is refused because Prysm's go.mod has replace directives;
  # build in a writable copy of the module instead.
  go mod download -json "$PRYSM_MODULE@$PRYSM_VERSION" >/dev/null
  IFS='|' read -r dir commit bdate bunix < <(go list -m \
    -f '{{.Dir}}|{{with .Origin}}{{.Hash}}{{end}}|{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}|{{.Time.Unix}}' \
    "$PRYSM_MODULE@$PRYSM_VERSION")
  [[ -d $dir ]] || { echo "module dir for $PRYSM_MODULE@$PRYSM_VERSION not found"; return 1; }
  src=$CACHE_DIR/src/prysm-$PRYSM_VERSION; rm -rf "$src"; mkdir -p "$CACHE_DIR/src"; cp -r "$dir" "$src"; chmod -R u+w "$src"
  cd "$src"
  # go.mod replaces go-bip39 with ./third_party/go-bip39, a nested module that module zips never contain.
  # The beacon node does not import it (only wallet/validator code does): use the upstream module instead.
  if [[ ! -d third_party/go-bip39 ]]; then go mod edit -dropreplace github.com/tyler-smith/go-bip39; fi
  pkg=$PRYSM_MODULE/runtime/version
  mkdir -p "$out.tmp"
  # Portable blst (no ADX/BMI2 assumptions), like upstream's release builds for generic amd64.
  GOFLAGS=-mod=mod CGO_ENABLED=1 CGO_CFLAGS="-O2 -D__BLST_PORTABLE__" go build -trimpath \
    -ldflags "-s -w -X $pkg.gitTag=$PRYSM_VERSION -X $pkg.gitCommit=${commit:-unknown} -X $pkg.buildDate=$bdate -X $pkg.buildDateUnix=$bunix" \
    -o "$out.tmp/beacon-chain" ./cmd/beacon-chain
  rm -rf "$out"; mv "$out.tmp" "$out"
  cd /; rm -rf "$src"
  echo $(( $(date +%s) - s )) >"$CACHE_DIR/prysm-build.secs"
}

start_prysm_build() {
  PRYSM_PID=
  rm -f "$CACHE_DIR/prysm-build.secs"
  [[ $SKIP_PRYSM == 1 ]] && return 0
  if image_exists "$PRYSM_IMAGE" && [[ $REBUILD == 0 ]]; then return 0; fi
  rm -f "$CACHE_DIR/prysm-build.secs"
  log "    Prysm $PRYSM_VERSION binary build started in the background (log $CACHE_DIR/prysm-build.log)"
  ( set -euo pipefail; build_prysm_binary ) >"$CACHE_DIR/prysm-build.log" 2>&1 &
  PRYSM_PID=$!
}

build_prysm_image() {
  if [[ -n ${PRYSM_PID:-} ]]; then
    log "    waiting for the background Prysm build (pid $PRYSM_PID)"
    if ! wait "$PRYSM_PID"; then tail -n 40 "$CACHE_DIR/prysm-build.log" >&2; die "Prysm build failed (log $CACHE_DIR/prysm-build.log)"; fi
    log "    Prysm binary build took $(cat "$CACHE_DIR/prysm-build.secs" 2>/dev/null || echo '?')s in the background"
  fi
  if want_image "$PRYSM_IMAGE"; then
    local ctx=$CACHE_DIR/ctx-prysm
    rm -rf "$ctx"; mkdir -p "$ctx"; cp "$CACHE_DIR/prysm-$PRYSM_VERSION/beacon-chain" "$ctx/"
    dbuild -f "$SCRIPT_DIR/Dockerfile.prysm" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
      --build-arg "PRYSM_VERSION=$PRYSM_VERSION" -t "$PRYSM_IMAGE" "$ctx" >/dev/null
    rm -rf "$ctx"
  fi
  log "    $PRYSM_IMAGE: $(docker run --rm "$PRYSM_IMAGE" --version 2>&1 | head -1)"
}

# ---------------------------------------------------------------------------------------------- step 5
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

build_deb_image() {  # $1 tag, $2 Dockerfile suffix, $3 package, $4... host files to copy (host mode)
  local tag=$1 df=$2 pkg=$3 ctx ver; shift 3
  want_image "$tag" || { log "    $tag: $(docker run --rm "$tag" --version 2>&1 | head -1)"; return 0; }
  probe_apt_in_containers
  ctx=$CACHE_DIR/ctx-$df; rm -rf "$ctx"; mkdir -p "$ctx/host"
  [[ $APT_MODE == host ]] && cp "$@" "$ctx/host/"
  ver=$(dpkg-query -W -f '${Version}' "$pkg")
  # Pin the host's version so host-side validators (promtool, amtool) and the containers agree; fall
  # back to the mirror's current version if that one is gone.
  if ! dbuild -f "$SCRIPT_DIR/Dockerfile.$df" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
      --build-arg "INSTALL_FROM=$APT_MODE" --build-arg "PKG_VERSION=$ver" ${APT_BUILD_ARGS[@]+"${APT_BUILD_ARGS[@]}"} \
      -t "$tag" "$ctx"; then
    log "    build with $pkg=$ver failed, retrying without the version pin"
    dbuild -f "$SCRIPT_DIR/Dockerfile.$df" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
      --build-arg "INSTALL_FROM=$APT_MODE" ${APT_BUILD_ARGS[@]+"${APT_BUILD_ARGS[@]}"} -t "$tag" "$ctx" >/dev/null
  fi
  rm -rf "$ctx"
  log "    $tag: $(docker run --rm "$tag" --version 2>&1 | head -1)"
}

build_prometheus() {
  build_deb_image "$PROM_IMAGE" prometheus prometheus /usr/bin/prometheus /usr/bin/promtool /etc/prometheus/prometheus.yml
}
build_alertmanager() {
  build_deb_image "$AM_IMAGE" alertmanager prometheus-alertmanager /usr/bin/prometheus-alertmanager /usr/bin/amtool
}
build_node_exporter() {
  build_deb_image "$NE_IMAGE" node-exporter prometheus-node-exporter /usr/bin/prometheus-node-exporter
}

# ---------------------------------------------------------------------------------------------- step 6
build_node() {
  want_image "$NODE_IMAGE" || { log "    $NODE_IMAGE: node $(docker run --rm "$NODE_IMAGE" node --version), npm $(docker run --rm "$NODE_IMAGE" npm --version)"; return 0; }
  local node npmdir ver ctx
  node=$(readlink -f "$(command -v node || true)") || true
  [[ -x $node ]] || die "no node binary on the host (the base image copies the host's Node 20)"
  ver=$("$node" --version)
  [[ $ver == v20.* ]] || die "host node is $ver, not 20.x: $NODE_IMAGE would be mislabelled"
  for npmdir in "$(dirname "$node")/../lib/node_modules/npm" /usr/lib/node_modules/npm /usr/local/lib/node_modules/npm; do
    [[ -f $npmdir/bin/npm-cli.js ]] && break
  done
  [[ -f $npmdir/bin/npm-cli.js ]] || die "npm not found next to $node"
  ctx=$CACHE_DIR/ctx-node; rm -rf "$ctx"; mkdir -p "$ctx"
  cp "$node" "$ctx/node"; cp -r "$(readlink -f "$npmdir")" "$ctx/npm"; cp "$SCRIPT_DIR/node-entrypoint.sh" "$ctx/docker-entrypoint.sh"
  dbuild -f "$SCRIPT_DIR/Dockerfile.node" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    --build-arg "NODE_VERSION=${ver#v}" -t "$NODE_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
  log "    $NODE_IMAGE: node $(docker run --rm "$NODE_IMAGE" node --version), npm $(docker run --rm "$NODE_IMAGE" npm --version)"
}

# ---------------------------------------------------------------------------------------------- main
GETH_IMAGE=ethereum/client-go:$GETH_VERSION
step "1. host packages" install_deps
step "1b. dockerd" start_dockerd
step "4a. start Prysm build (bg)" start_prysm_build
step "2. base image (debootstrap)" build_base
[[ $SKIP_GETH == 1 ]] || step "3. geth image" build_geth
step "5a. prometheus image" build_prometheus
step "5b. alertmanager image" build_alertmanager
step "5c. node-exporter image" build_node_exporter
step "6. node image" build_node
[[ $SKIP_PRYSM == 1 ]] || step "4b. prysm image (wait + build)" build_prysm_image

# Images replaced by --rebuild stay behind untagged: drop those of ours (all inherit the base's label).
docker image prune -f --filter "label=eth-node-local.base" >/dev/null || true

{
  echo "BASE_IMAGE=$BASE_IMAGE"
  [[ $SKIP_GETH == 1 ]] || echo "GETH_IMAGE=$GETH_IMAGE"
  [[ $SKIP_PRYSM == 1 ]] || echo "PRYSM_IMAGE=$PRYSM_IMAGE"
  echo "PROMETHEUS_IMAGE=$PROM_IMAGE"
  echo "ALERTMANAGER_IMAGE=$AM_IMAGE"
  echo "NODE_EXPORTER_IMAGE=$NE_IMAGE"
  echo "NODE_BASE_IMAGE=$NODE_IMAGE"
} >"$CACHE_DIR/images.env"

log "timings:"
printf '    %s\n' "${TIMINGS[@]}"
[[ -f $CACHE_DIR/prysm-build.secs ]] && log "    (Prysm binary build in background: $(cat "$CACHE_DIR/prysm-build.secs")s)"
log "total $(( $(date +%s) - T_START ))s; images: $CACHE_DIR/images.env"
sed 's/^/    /' "$CACHE_DIR/images.env"
