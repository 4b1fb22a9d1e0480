#!/usr/bin/env bash
# Installs Debian's Chromium for the real-browser tests and benchmarks when it is missing (nothing is downloaded from
# anywhere but Debian's package archive).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "edgereco: installing Debian's chromium for the browser tests (apt-get)…"
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium >/dev/null
/usr/bin/chromium --version
