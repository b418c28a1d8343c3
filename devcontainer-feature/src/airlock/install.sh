#!/bin/sh
# Airlock Feature installer, POSIX sh part: makes sure bash exists (Alpine has none), then runs
# the bash installer. Runs as root during the image build, from the Feature's own folder.
set -e
cd "$(dirname "$0")"
if ! command -v bash >/dev/null 2>&1; then
	if command -v apk >/dev/null 2>&1; then
		apk add --no-cache bash
	else
		echo "airlock: install: bash is missing and this image has no apk to install it" >&2
		exit 1
	fi
fi
exec bash ./install-airlock.sh "$@"
