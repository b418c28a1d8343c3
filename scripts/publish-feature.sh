#!/usr/bin/env bash
# Publishes the Airlock Feature that ships with this Airlock to an OCI registry, with the
# devcontainer CLI (`devcontainer features publish`), for users and organisations who reference
# a published Feature instead of the copy Airlock writes into each repository.
#
#   scripts/publish-feature.sh REGISTRY NAMESPACE
#   scripts/publish-feature.sh ghcr.io acme/features    # -> ghcr.io/acme/features/airlock:0
#
# Log in first (`docker login REGISTRY`): the devcontainer CLI uses docker's credentials.
# `localhost[:PORT]` registries are spoken to over plain HTTP (the devcontainer CLI's rule).
# From an installed package: bash "$(npm root -g)/airlock/scripts/publish-feature.sh" ...
set -euo pipefail
pkg=$(cd "$(dirname "$0")/.." && pwd)
if [ "$#" -ne 2 ]; then
	echo "usage: $0 REGISTRY NAMESPACE   (e.g. $0 ghcr.io acme/features)" >&2
	exit 2
fi
registry=$1
namespace=$2
feature_dir="$pkg/devcontainer-feature/src/airlock"
[ -f "$feature_dir/devcontainer-feature.json" ] || { echo "publish-feature: no Feature at $feature_dir; reinstall Airlock" >&2; exit 1; }
cli=$(node -p 'require.resolve("@devcontainers/cli/devcontainer.js", { paths: [process.argv[1]] })' "$pkg") || {
	echo "publish-feature: the devcontainer CLI (@devcontainers/cli, a dependency of Airlock) is not installed next to $pkg" >&2
	exit 1
}
node "$cli" features publish "$pkg/devcontainer-feature/src" --registry "$registry" --namespace "$namespace" --log-level info
version=$(node -p 'require(process.argv[1]).version' "$feature_dir/devcontainer-feature.json")
echo "Published ${registry}/${namespace}/airlock (${version}; tags ${version%%.*}, ${version%.*}, ${version}, latest)."
echo "Reference it with: airlock generate --feature-ref ${registry}/${namespace}/airlock:${version%%.*}"
echo "(in the editor: the setting airlock.featureReference)"
