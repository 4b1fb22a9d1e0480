#!/usr/bin/env bash
# Starts a real single-node Apache Kafka 4.x broker (KRaft, combined broker + controller) on 127.0.0.1 for tests.
#
#   bash scripts/kafka/start-kafka.sh        # prints the bootstrap address, e.g. 127.0.0.1:40123
#   bash scripts/kafka/stop-kafka.sh
#
# - Jars: `mvn dependency:copy-dependencies` of scripts/kafka/pom.xml (org.apache.kafka:kafka_2.13 + runtime deps +
#   slf4j-simple) into $EDGERECO_KAFKA_DIR/jars (default .cache/kafka/jars, gitignored). Skipped when the jars are there
#   for the same pom (a stamp file holds the pom's checksum).
# - Ports: a free port picked at start (the OS's choice) for the client listener and another for the controller, unless
#   KAFKA_PORT / KAFKA_CONTROLLER_PORT are set. Only 127.0.0.1 is bound.
# - Storage: a fresh temp dir (mktemp) formatted with a random cluster id; removed by stop-kafka.sh.
# - State: $EDGERECO_KAFKA_DIR/run/broker.json ({ pid, bootstrap, dataDir, log }) and broker.env (KAFKA_BOOTSTRAP=...).
# - Idempotent: if the recorded broker is alive and accepting connections, it is reused and nothing is started.
# Needs java (17+), mvn (first run only; Maven Central reachable) and node.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
KDIR=${EDGERECO_KAFKA_DIR:-$ROOT/.cache/kafka}
JARS=$KDIR/jars
RUN=$KDIR/run
STATE=$RUN/broker.json
POM=$ROOT/scripts/kafka/pom.xml
START_TIMEOUT_S=${KAFKA_START_TIMEOUT_S:-90}
# Small heap, serial GC and C1 only: quick to start, light on a shared 2-core machine. Override with KAFKA_JVM_OPTS.
JVM_OPTS=${KAFKA_JVM_OPTS:--Xms128m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true}
mkdir -p "$KDIR" "$RUN"

log() { echo "kafka: $*" >&2; }
accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
json_field() { node -e 'const s=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.stdout.write(String(s[process.argv[2]]??""))' "$STATE" "$1"; }
is_our_broker() { [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF "kafka.Kafka $2"; }

# 1. Already running? Reuse it.
if [[ -f $STATE ]]; then
  pid=$(json_field pid); bootstrap=$(json_field bootstrap); props=$(json_field props)
  if is_our_broker "$pid" "$props" && accepts "${bootstrap##*:}"; then
    log "already running (pid $pid) at $bootstrap"
    echo "$bootstrap"; exit 0
  fi
  log "stale state file (pid $pid is not our broker); starting a new one"
  old_data=$(json_field dataDir)
  if [[ $old_data == "${TMPDIR:-/tmp}"/edgereco-kafka.* ]]; then rm -rf "$old_data"; fi
  rm -f "$STATE" "$RUN/broker.env"
fi

# 2. Jars (once per pom version). A lock keeps two parallel starts from downloading into the same folder.
stamp=$(sha256sum "$POM" | cut -c1-16)
exec 9>"$KDIR/.download.lock"
flock 9
if [[ ! -f $JARS/.stamp || $(cat "$JARS/.stamp") != "$stamp" ]]; then
  log "downloading Apache Kafka jars from Maven Central (once) ..."
  tmp=$(mktemp -d "$KDIR/jars.tmp.XXXXXX")
  mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DoutputDirectory="$tmp" >&2
  ls "$tmp"/kafka_2.13-*.jar >/dev/null
  echo "$stamp" >"$tmp/.stamp"
  rm -rf "$JARS"; mv "$tmp" "$JARS"
fi
flock -u 9

# 3. Ports, config and storage.
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})'; }
port=${KAFKA_PORT:-$(free_port)}
cport=${KAFKA_CONTROLLER_PORT:-$(free_port)}
while [[ $cport == "$port" ]]; do cport=$(free_port); done
for p in "$port" "$cport"; do
  if accepts "$p"; then log "port $p on 127.0.0.1 is already in use"; exit 1; fi
done
data=$(mktemp -d "${TMPDIR:-/tmp}/edgereco-kafka.XXXXXX")
props=$data/server.properties
cat >"$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data/logs
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
# A Kafka cluster id is 16 random bytes in URL-safe base64 without padding (not starting with '-').
cluster_id=$(node -e 'let id;do id=require("crypto").randomBytes(16).toString("base64url");while(id.startsWith("-"));process.stdout.write(id)')
broker_log=$RUN/broker.log
# shellcheck disable=SC2086
java $JVM_OPTS -cp "$JARS/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$props" >"$broker_log" 2>&1 \
  || { log "formatting the storage failed:"; tail -n 30 "$broker_log" >&2; exit 1; }

# 4. Start, detached from this shell, and wait until it has started and accepts connections.
# shellcheck disable=SC2086
setsid nohup java $JVM_OPTS -cp "$JARS/*" kafka.Kafka "$props" >>"$broker_log" 2>&1 </dev/null &
pid=$!
deadline=$((SECONDS + START_TIMEOUT_S))
until grep -q 'Kafka Server started' "$broker_log" && accepts "$port"; do
  if ! kill -0 "$pid" 2>/dev/null; then log "the broker exited while starting:"; tail -n 40 "$broker_log" >&2; rm -rf "$data"; exit 1; fi
  if ((SECONDS > deadline)); then
    log "not ready after ${START_TIMEOUT_S}s; stopping it:"; tail -n 40 "$broker_log" >&2
    kill -TERM "$pid" 2>/dev/null || true; rm -rf "$data"; exit 1
  fi
  sleep 0.2
done

bootstrap=127.0.0.1:$port
printf '{"pid":%d,"bootstrap":"%s","controller":"127.0.0.1:%d","dataDir":"%s","props":"%s","log":"%s","clusterId":"%s"}\n' \
  "$pid" "$bootstrap" "$cport" "$data" "$props" "$broker_log" "$cluster_id" >"$STATE"
echo "KAFKA_BOOTSTRAP=$bootstrap" >"$RUN/broker.env"
log "started (pid $pid) at $bootstrap; state in ${STATE#"$ROOT"/}"
echo "$bootstrap"
