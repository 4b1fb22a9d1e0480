#!/usr/bin/env bash
# `npm test`: installs what the tests need that is missing, then type-checks, lints, builds, checks the size budget and
# runs the unit and real-browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-chromium.sh
echo "== type check";  npx tsc --noEmit
echo "== lint";        npx eslint .
echo "== build";       npm run build --silent
echo "== size budget"; node scripts/size.mjs
echo "== unit tests";  npx vitest run --project unit
echo "== browser tests (Debian Chromium, real IndexedDB)"; npx vitest run --project browser
