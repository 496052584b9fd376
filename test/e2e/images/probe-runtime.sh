#!/usr/bin/env bash
# Offline runtime probe of the images built by build-images.sh: Docker networking, and the exact Geth and
# Prysm flag sets the eth-node stack uses (accepted? JWT auth? non-root uids?). Sends no traffic off the
# machine: geth runs with --nodiscover, Prysm with --no-discovery, checkpoint URLs point at loopback.
# Usage: test/e2e/images/probe-runtime.sh   (after build-images.sh; exits non-zero if a check fails)
set -euo pipefail

CACHE_DIR=${ETH_E2E_CACHE:-/var/cache/eth-node-e2e}
[[ -f $CACHE_DIR/images.env ]] || { echo "run build-images.sh first ($CACHE_DIR/images.env missing)" >&2; exit 1; }
# shellcheck disable=SC1091
source "$CACHE_DIR/images.env"
NET=eth-e2e-probe
WORK=$(mktemp -d /tmp/eth-e2e-probe.XXXXXX)
PASS=0 FAIL=0
ok() { echo "PASS: $*"; PASS=$((PASS + 1)); }
ko() { echo "FAIL: $*"; FAIL=$((FAIL + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else ko "$what"; fi; }
cleanup() {
  docker ps -aq --filter "name=^eth-e2e-probe-" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker network rm "$NET" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
cleanup_containers() { docker ps -aq --filter "name=^eth-e2e-probe-" | xargs -r docker rm -f >/dev/null 2>&1 || true; }
logs() { docker logs "eth-e2e-probe-$1" 2>&1; }
running() { [[ $(docker inspect -f '{{.State.Running}}' "eth-e2e-probe-$1" 2>/dev/null) == true ]]; }
# HTTP GET from inside the network, with the node image (it has no curl): prints "<status> <body>".
http_in_net() {
  docker run --rm --network "$NET" "$NODE_BASE_IMAGE" node -e '
    fetch(process.argv[1]).then(async r => console.log(r.status, await r.text()))
      .catch(e => { console.log("ERR", String(e.cause && e.cause.code || e)); })' "$1"
}

export NET NODE_BASE_IMAGE
export -f http_in_net logs running
docker network create "$NET" >/dev/null 2>&1 || true
mkdir -p "$WORK/jwt" "$WORK/geth" "$WORK/prysm"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/jwt/jwtsecret"
chmod 0644 "$WORK/jwt/jwtsecret"
chown 10001:10001 "$WORK/geth"; chown 10002:10002 "$WORK/prysm"

echo "== Docker networking"
docker run -d --name eth-e2e-probe-prom --network "$NET" --network-alias prom-alias \
  -p 127.0.0.1:19091:9090 "$PROMETHEUS_IMAGE" >/dev/null
for _ in $(seq 20); do curl -fs http://127.0.0.1:19091/-/ready >/dev/null 2>&1 && break; sleep 0.5; done
check "port published on 127.0.0.1:19091 reaches the container" curl -fs -o /dev/null http://127.0.0.1:19091/-/ready
check "user-defined network: alias 'prom-alias' resolves and answers from another container" \
  bash -c "http_in_net http://prom-alias:9090/-/ready | grep -q '^200 '"
cleanup_containers

# shellcheck disable=SC2054  # the commas are part of the values (--http.api eth,net,web3)
GETH_FLAGS=(--datadir /data --syncmode snap --state.scheme path --http --http.addr 0.0.0.0 --http.port 8545
  --http.api eth,net,web3 --http.vhosts '*' --ws --ws.addr 0.0.0.0 --ws.port 8546 --ws.api admin,net,eth
  --ws.origins '*' --authrpc.addr 0.0.0.0 --authrpc.port 8551 --authrpc.vhosts execution
  --authrpc.jwtsecret /jwt/jwtsecret --metrics --metrics.addr 0.0.0.0 --metrics.port 6060 --port 30303
  --maxpeers 50 --nat extip:203.0.113.10 --history.chain postmerge --nodiscover)
PRYSM_FLAGS=(--accept-terms-of-use --datadir /data --execution-endpoint http://execution:8551
  --jwt-secret /jwt/jwtsecret --http-host 0.0.0.0 --http-port 3500 --rpc-host 0.0.0.0 --rpc-port 4000
  --monitoring-host 0.0.0.0 --monitoring-port 8080 --p2p-tcp-port 13000 --p2p-udp-port 12000
  --p2p-quic-port 13000 --p2p-host-ip 203.0.113.10 --p2p-max-peers 70 --no-discovery)
run_geth() {  # name user network-flag extra...
  local name=$1 user=$2 net=$3; shift 3
  docker run -d --name "eth-e2e-probe-$name" --user "$user" --network "$NET" --network-alias execution \
    -v "$WORK/geth:/data" -v "$WORK/jwt:/jwt:ro" "$GETH_IMAGE" "$net" "${GETH_FLAGS[@]}" "$@" >/dev/null
}
run_prysm() {  # name user datadir-volume network-flag extra...
  local name=$1 user=$2 vol=$3 net=$4; shift 4
  docker run -d --name "eth-e2e-probe-$name" --user "$user" --network "$NET" --network-alias beacon \
    -v "$vol:/data" -v "$WORK/jwt:/jwt:ro" "$PRYSM_IMAGE" "$net" "${PRYSM_FLAGS[@]}" "$@" >/dev/null
}

echo "== Geth ($GETH_IMAGE) with the stack's flags, --sepolia, as uid 10001"
run_geth geth-sepolia 10001:10001 --sepolia
sleep 20
check "geth --sepolia still running after 20 s" running geth-sepolia
check "geth --sepolia: no flag errors/deprecation warnings" bash -c "! logs geth-sepolia | grep -Eiq 'flag provided but not defined|deprecated|^Fatal'"
check "geth engine API started with auth and vhosts=execution" bash -c "logs geth-sepolia | grep -q 'endpoint=\[::\]:8551 auth=true .*vhosts=execution'"
docker stop -t 60 eth-e2e-probe-geth-sepolia >/dev/null; cleanup_containers; rm -rf "${WORK:?}/geth/"*

echo "== Geth --mainnet + Prysm --mainnet (embedded genesis, no checkpoint sync), shared JWT, uids 10001/10002"
run_geth geth 10001:10001 --mainnet
run_prysm prysm 10002:10002 "$WORK/prysm" --mainnet
sleep 40
check "geth --mainnet running" running geth
check "prysm --mainnet without checkpoint URL keeps running (offline)" running prysm
check "prysm: no flag errors" bash -c "! logs prysm | grep -Eiq 'flag provided but not defined|level=fatal'"
check "prysm authenticated to geth's engine API (Connected to new endpoint, no 401/403)" \
  bash -c "logs prysm | grep -q 'Connected to new endpoint' && ! logs prysm | grep -Eq '401 Unauthorized|403 Forbidden'"
check "beacon API /eth/v1/node/version answers" bash -c "http_in_net http://beacon:3500/eth/v1/node/version | grep -q '^200 '"
check "prysm metrics expose p2p_peer_count" bash -c "http_in_net http://beacon:8080/metrics | grep '^p2p_peer_count' >/dev/null"
check "geth metrics expose p2p_peers at /debug/metrics/prometheus" bash -c "http_in_net http://execution:6060/debug/metrics/prometheus | grep '^p2p_peers ' >/dev/null"

echo "== Negative checks (each must fail the way described)"
mkdir -p "$WORK/jwt2"; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/jwt2/jwtsecret"; chmod 0644 "$WORK/jwt2/jwtsecret"
docker run -d --name eth-e2e-probe-badjwt --network "$NET" -v "$WORK/jwt2:/jwt:ro" "$PRYSM_IMAGE" --mainnet \
  "${PRYSM_FLAGS[@]/#\/data/\/tmp\/d}" >/dev/null
docker run -d --name eth-e2e-probe-sepolia-nogenesis --network "$NET" -v "$WORK/jwt:/jwt:ro" "$PRYSM_IMAGE" --sepolia \
  "${PRYSM_FLAGS[@]/#\/data/\/tmp\/d}" >/dev/null
docker run -d --name eth-e2e-probe-cp-unreachable --network "$NET" -v "$WORK/jwt:/jwt:ro" "$PRYSM_IMAGE" --mainnet \
  "${PRYSM_FLAGS[@]/#\/data/\/tmp\/d}" --checkpoint-sync-url http://127.0.0.1:9 --genesis-beacon-api-url http://127.0.0.1:9 >/dev/null
# --authrpc.vhosts is matched against the Host header the CL sends, i.e. the EL's name in
# --execution-endpoint, not the CL's own alias: vhosts=beacon rejects http://execution-b:8551.
mkdir -p "$WORK/geth-b"; chown 10001:10001 "$WORK/geth-b"
docker run -d --name eth-e2e-probe-geth-b --user 10001:10001 --network "$NET" --network-alias execution-b \
  -v "$WORK/geth-b:/data" -v "$WORK/jwt:/jwt:ro" "$GETH_IMAGE" --mainnet \
  "${GETH_FLAGS[@]/#execution/beacon}" >/dev/null
docker run -d --name eth-e2e-probe-vhost --network "$NET" -v "$WORK/jwt:/jwt:ro" "$PRYSM_IMAGE" --mainnet \
  "${PRYSM_FLAGS[@]/#\/data/\/tmp\/d}" --execution-endpoint http://execution-b:8551 >/dev/null
sleep 25
check "geth --authrpc.vhosts beacon: prysm gets '403 Forbidden: invalid host specified'" \
  bash -c "logs vhost | grep -q '403 Forbidden: invalid host specified'"
check "wrong JWT: prysm logs '401 Unauthorized: signature is invalid'" bash -c "logs badjwt | grep -q '401 Unauthorized: signature is invalid'"
check "prysm --sepolia without checkpoint/genesis source exits: 'genesis state has not been initialized'" \
  bash -c "! running sepolia-nogenesis && logs sepolia-nogenesis | grep -q 'genesis state has not been initialized'"
check "prysm with an unreachable --checkpoint-sync-url exits (fatal)" \
  bash -c "! running cp-unreachable && logs cp-unreachable | grep -q 'Error retrieving checkpoint origin state'"

docker stop -t 60 eth-e2e-probe-prysm eth-e2e-probe-geth >/dev/null 2>&1 || true
echo "$PASS passed, $FAIL failed"
((FAIL == 0))
