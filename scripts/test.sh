#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need (Node 24 when the machine's is
# older, npm packages, Debian packages, the pinned monitoring binaries and local images built from the Go
# module proxy), then runs
#   1. the Pulumi program under mocks + rendered monitoring config against promtool/amtool (root jest),
#   2. the peer monitor's unit, integration and fault tests (peer-monitor jest), and the validator tracker's
#      unit tests (valtrack jest) and its devnet tests against real Prysm beacon nodes, run inside a fresh
#      network namespace with only loopback so that nothing can leave the machine (valtrack jest.devnet.config.js),
#   3. the end-to-end run of the declared containers on a real Docker engine (test/e2e),
#   4. the real program through the real Pulumi engine (CLI and stand-in plugins built here) on that engine.
# and ends with one summary line: "N passed, N failed".
# Set E2E=0 to skip steps 3 and 4 and the images (e.g. on a machine without a Docker-capable kernel); root is needed
# either way (apt-get, the build cache in /var/cache/eth-node-e2e).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
RESULTS=$(mktemp -d)
status=0
step() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

# Node >= 22 (Node 24 LTS from the npm registry when the machine's own node is older).
# shellcheck disable=SC1091
source scripts/node24.sh || exit 1

step "npm packages"
npm ci --no-audit --no-fund --loglevel=error || exit 1
(cd peer-monitor && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build) || exit 1
(cd valtrack && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build) || exit 1

step "typecheck"
npx tsc --noEmit -p . || status=1
(cd peer-monitor && npx tsc --noEmit -p .) || status=1
(cd valtrack && npx tsc --noEmit -p .) || status=1

# The pinned Prometheus, Alertmanager and node_exporter (promtool and amtool for the rendered config, the
# same binaries the local images carry), Prysm's beacon-chain and prysmctl and nats-server for valtrack's
# devnet tests (their paths in $E2E_CACHE/tools.env), and with E2E on every image the stack pins.
E2E_CACHE=${ETH_E2E_CACHE:-/var/cache/eth-node-e2e}
images_built=0
if [ "${E2E:-1}" != "0" ]; then
  step "pinned binaries and local images"
  if bash test/e2e/images/build-images.sh; then images_built=1; else
    echo "local images could not be built; see above" >&2; status=1
  fi
else
  step "pinned binaries: monitoring, Prysm, nats-server (E2E=0: no images)"
  bash test/e2e/images/build-images.sh --tools-only || status=1
fi
export PATH="$E2E_CACHE/bin:$PATH"

step "Pulumi program (mocks) and monitoring config (promtool $(promtool --version 2>/dev/null | head -1 | awk '{print $3}'), amtool)"
CI=true npx jest --ci --json --outputFile="$RESULTS/root.json" || status=1

step "peer monitor"
(cd peer-monitor && CI=true npx jest --ci --json --outputFile="$RESULTS/peer-monitor.json") || status=1

step "validator tracker (unit tests)"
# --forceExit: twice in 2026-12-01's runs (2 of 4) jest kept spinning a core after every test had passed and its
# results were written, in-band, and the cause is not found yet (see the closing note of issue 12); without it a
# hang would run into CI's deadline instead of ending the step.
(cd valtrack && CI=true npx jest --ci --forceExit --json --outputFile="$RESULTS/valtrack.json") || status=1

step "validator tracker (devnet: real Prysm beacon nodes, loopback-only network namespace)"
# Mainnet-configured software must not reach anything: the suite runs in a fresh namespace whose only
# interface is loopback (each devnet test checks that itself too). The namespace, and whatever the suite left
# running in it, is removed afterwards, also when this script is interrupted.
NETNS=valtrack-ci-$$
cleanup_netns() {
  if [ -e "/run/netns/$NETNS" ]; then
    ip netns pids "$NETNS" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$NETNS" 2>/dev/null
  fi
}
trap cleanup_netns EXIT
trap 'cleanup_netns; exit 130' INT TERM
if ip netns add "$NETNS" && ip netns exec "$NETNS" ip link set lo up; then
  # shellcheck disable=SC2016  # $RESULTS is expanded by the inner bash (passed in its environment)
  ip netns exec "$NETNS" env RESULTS="$RESULTS" ETH_E2E_CACHE="$E2E_CACHE" \
    bash -c 'cd valtrack && CI=true npx jest --ci -c jest.devnet.config.js --json --outputFile="$RESULTS/valtrack-devnet.json"' || status=1
else
  echo "could not create the network namespace $NETNS (needs root and iproute2)" >&2; status=1
fi
cleanup_netns

if [ "$images_built" = 1 ]; then
  step "end-to-end: declared containers on a real Docker engine"
  CI=true npx jest --ci --config test/e2e/jest.config.js --json --outputFile="$RESULTS/e2e.json" || status=1

  # The Pulumi CLI from the Go module proxy and our stand-in docker, random and command plugins (test/engine;
  # cached, ~30 min cold), then the real program through the real engine on the same Docker engine and images.
  step "real Pulumi engine: the CLI and the stand-in plugins"
  if bash test/engine/build-pulumi.sh && bash test/engine/providers/docker/build-docker-provider.sh \
    && bash test/engine/providers/random-command/build-providers.sh; then
    step "real Pulumi engine: preview, up, up after a change, destroy (test/engine)"
    CI=true npx jest --ci --config test/engine/jest.config.js --json --outputFile="$RESULTS/engine.json" || status=1
  else
    echo "the Pulumi CLI or a stand-in plugin could not be built; see above" >&2; status=1
  fi
fi

step "summary"
node -e '
const fs = require("fs");
let passed = 0, failed = 0;
for (const f of fs.readdirSync(process.argv[1])) {
  const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + f, "utf8"));
  console.log(`${f.replace(".json", "")}: ${r.numPassedTests} passed, ${r.numFailedTests} failed (${r.numTotalTestSuites} suites)`);
  passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
}
console.log(`${passed} passed, ${failed} failed`);
' "$RESULTS"
exit $status
