#!/usr/bin/env bash
# Stops the broker that scripts/kafka/start-kafka.sh started: SIGTERM (a clean, controlled shutdown), SIGKILL after
# KAFKA_STOP_TIMEOUT_S (default 30 s), then removes its temp storage (kept if KAFKA_KEEP_DATA=1) and the state file.
# Only the recorded PID is signalled, and only if it is still that broker. Safe to run when nothing is running.
set -euo pipefail
cd "$(dirname "$0")/../.."
KDIR=${EDGERECO_KAFKA_DIR:-$PWD/.cache/kafka}
STATE=$KDIR/run/broker.json
STOP_TIMEOUT_S=${KAFKA_STOP_TIMEOUT_S:-30}
log() { echo "kafka: $*" >&2; }

if [[ ! -f $STATE ]]; then log "not running (no state file)"; exit 0; fi
field() { node -e 'const s=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.stdout.write(String(s[process.argv[2]]??""))' "$STATE" "$1"; }
pid=$(field pid); data=$(field dataDir); props=$(field props)
is_ours() { [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "kafka.Kafka $props"; }

if is_ours; then
  kill -TERM "$pid"
  deadline=$((SECONDS + STOP_TIMEOUT_S))
  while is_ours; do
    if ((SECONDS > deadline)); then log "still running after ${STOP_TIMEOUT_S}s; SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; break; fi
    sleep 0.2
  done
  log "stopped (pid $pid)"
else
  log "pid $pid is no longer the broker; cleaning up"
fi
if [[ ${KAFKA_KEEP_DATA:-0} != 1 && $data == "${TMPDIR:-/tmp}"/edgereco-kafka.* ]]; then rm -rf "$data"; fi
rm -f "$STATE" "$KDIR/run/broker.env"
