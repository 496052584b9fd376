#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need (Debian packages, npm packages,
# local images for the end-to-end run), then runs
#   1. the Pulumi program under mocks + rendered monitoring config against promtool/amtool (root jest),
#   2. the peer monitor's unit, integration and fault tests (peer-monitor jest),
#   3. the end-to-end run of the declared containers on a real Docker engine (test/e2e).
# and ends with one summary line: "N passed, N failed".
# Set E2E=0 to skip step 3 (e.g. on a machine without a Docker-capable kernel).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RESULTS=$(mktemp -d)
status=0
step() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

step "Debian packages"
need=()
for pkg in prometheus prometheus-alertmanager; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || exit 1
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || exit 1
  fi
fi
promtool --version | head -1; amtool --version 2>&1 | head -1

step "npm packages"
npm ci --no-audit --no-fund --loglevel=error || exit 1
(cd peer-monitor && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build) || exit 1

step "typecheck"
npx tsc --noEmit -p . || status=1
(cd peer-monitor && npx tsc --noEmit -p .) || status=1

step "Pulumi program (mocks) and monitoring config (promtool, amtool)"
CI=true npx jest --ci --json --outputFile="$RESULTS/root.json" || status=1

step "peer monitor"
(cd peer-monitor && CI=true npx jest --ci --json --outputFile="$RESULTS/peer-monitor.json") || status=1

if [ "${E2E:-1}" != "0" ]; then
  step "end-to-end images"
  if bash test/e2e/images/build-images.sh; then
    step "end-to-end: declared containers on a real Docker engine"
    CI=true npx jest --ci --config test/e2e/jest.config.js --json --outputFile="$RESULTS/e2e.json" || status=1
  else
    echo "end-to-end images could not be built; see above" >&2
    status=1
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
