#!/usr/bin/env bash
# `npm test`: installs what the tests need that is missing, then type-checks, lints, builds, checks the size budget and
# runs the unit tests (Node) and the real-browser tests (Debian Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-chromium.sh
echo "== type check";  npx tsc --noEmit
echo "== lint";        npx eslint .
echo "== build";       npm run build --silent
echo "== size budget"; node scripts/size.mjs
echo "== tests: unit (Node, fake-indexeddb) and browser (Debian Chromium, real IndexedDB)"
mkdir -p test-results
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-results/vitest.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || true
exit $status
