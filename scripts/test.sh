#!/usr/bin/env bash
# `npm test`: installs what the tests need that is missing, then type-checks, lints, builds, checks the size budget and
# runs the unit tests (Node), the real-browser tests (Debian Chromium) and the package test (the packed tarballs in
# fresh shops; it installs vite, typescript, webpack, webpack-cli and esbuild from the npm registry).
set -euo pipefail
cd "$(dirname "$0")/.."
# The integration tests start a Kafka broker; make sure it is gone however the run ends.
trap 'bash scripts/kafka/stop-kafka.sh >/dev/null 2>&1 || true' EXIT
bash scripts/ensure-chromium.sh
echo "== type check";  npx tsc --noEmit
echo "== lint";        npx eslint .
echo "== build";       npm run build --silent
echo "== size budget"; node scripts/size.mjs
echo "== tests: unit (Node, fake-indexeddb), browser (Debian Chromium, real IndexedDB), package (tarballs in fresh shops), integration (a real Kafka broker from Maven Central jars)"
mkdir -p test-results
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-results/vitest.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || true
exit $status
