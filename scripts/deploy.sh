#!/usr/bin/env bash
# Sets up and deploys one stack (default: dev) with Pulumi's local file backend — no Pulumi Cloud account.
# Usage: PULUMI_CONFIG_PASSPHRASE='<passphrase>' scripts/deploy.sh [stack] [extra `pulumi up` flags]
# The passphrase encrypts the stack's secrets (engine JWT, Grafana password) in the state files; keep it:
# every later `pulumi up`/`destroy` of the stack needs the same one.
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${1:-dev}"
shift || true

fail() { echo "deploy: $*" >&2; exit 1; }
command -v pulumi >/dev/null || fail "the Pulumi CLI is not installed (https://www.pulumi.com/docs/install/)"
command -v docker >/dev/null || fail "the Docker CLI is not installed (the readiness check runs 'docker exec')"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' ||
  fail "Node.js 22 or newer is required (found $(node --version); Node 24 LTS recommended)"
[ -n "${PULUMI_CONFIG_PASSPHRASE:-}${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] ||
  fail "set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE): it encrypts this stack's secrets"

npm ci --no-audit --no-fund
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$HOME/.pulumi-eth-node}"
mkdir -p "${PULUMI_BACKEND_URL#file://}"
pulumi login "$PULUMI_BACKEND_URL"
pulumi stack select "$stack" --create --secrets-provider passphrase

# Docker Engine 25 or newer (API 1.44): older engines refuse what the program declares through the published
# docker provider — a file uploaded with a numeric owner into a container with a numeric user ("getent unable to
# find entry") and a healthcheck's start interval ("requires API version 1.44"). Debian 12's docker.io is 20.10.
MIN_DOCKER_API=1.44
docker_host=$(pulumi config get eth-node:dockerHost --stack "$stack" 2>/dev/null || true)
api=$(docker ${docker_host:+-H "$docker_host"} version --format '{{.Server.APIVersion}}' 2>/dev/null) ||
  fail "cannot reach the Docker engine${docker_host:+ at $docker_host} ('docker version' failed)"
[ "$(printf '%s\n' "$MIN_DOCKER_API" "$api" | sort -V | head -n1)" = "$MIN_DOCKER_API" ] ||
  fail "the Docker engine${docker_host:+ at $docker_host} speaks API $api: eth-node needs Docker Engine 25 or newer (API $MIN_DOCKER_API)"

pulumi up --stack "$stack" "$@"
