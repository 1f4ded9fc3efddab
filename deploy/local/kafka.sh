#!/usr/bin/env bash
# Local single-node Apache Kafka 4.x in KRaft mode, jars from Maven Central.
#   kafka.sh fetch   download the broker jars (once)
#   kafka.sh start   format storage (once) and start the broker on 127.0.0.1:$KAFKA_PORT (idempotent)
#   kafka.sh stop    stop the broker this script started
#   kafka.sh kill    SIGKILL the broker this script started, as a crash would (tests)
#   kafka.sh status  exit 0 when the broker answers
#   kafka.sh reset   stop the broker this script started on $KAFKA_PORT and delete its data (tests)
#   kafka.sh pid     print the process id of the broker this script started (make bench counts its CPU)
set -euo pipefail
source "$(dirname "$0")/common.sh"

KAFKA_PORT=${RAPPORT_KAFKA_PORT:-9092}
CONTROLLER_PORT=${RAPPORT_KAFKA_CONTROLLER_PORT:-9093}
KDIR="$RAPPORT_CACHE/kafka"
LIBS="$KDIR/libs"
DATA="$KDIR/data-$KAFKA_PORT"
PIDFILE="$KDIR/broker-$KAFKA_PORT.pid"
LOG="$KDIR/broker-$KAFKA_PORT.log"
POM="$DEPLOY_DIR/kafka/pom.xml"
mkdir -p "$KDIR"

fetch() {
  local stamp="$LIBS/.pom-$(sha1sum "$POM" | cut -c1-12)"
  [ -f "$stamp" ] && return 0
  command -v java >/dev/null || die "java not found: install a JDK 17+ (Debian: apt-get install openjdk-17-jre-headless)"
  command -v mvn >/dev/null || die "mvn not found: install Maven (Debian: apt-get install maven)"
  say "fetching Kafka jars from Maven Central (first run only)"
  rm -rf "$LIBS.tmp"
  mvn -q -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$LIBS.tmp" >"$KDIR/mvn.log" 2>&1 \
    || { cat "$KDIR/mvn.log" >&2; die "Maven could not fetch the Kafka jars (log above)"; }
  rm -rf "$LIBS" && mv "$LIBS.tmp" "$LIBS" && touch "$stamp"
}

JAVA_OPTS=(-Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true
           -Dlog4j2.configurationFile="$DEPLOY_DIR/kafka/log4j2.properties")
# the storage tool runs for a second: the quick JIT tier and the serial collector start it in a
# third of the time the broker's options take (seconds on a busy 2-core machine)
TOOL_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true
           -Dlog4j2.configurationFile="$DEPLOY_DIR/kafka/log4j2.properties")
tool_cmd() { java "${TOOL_OPTS[@]}" -cp "$LIBS/*" "$@"; }

# A KRaft cluster id as `StorageTool random-uuid` prints it (16 random bytes, URL-safe base64
# without padding, never starting with '-', which would read as an option), without a JVM for it.
cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [ "${id:0:1}" != "-" ] && { echo "$id"; return; }
  done
}

write_config() {
  mkdir -p "$DATA"
  cat >"$KDIR/server-$KAFKA_PORT.properties" <<CFG
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=-1
log.segment.bytes=268435456
CFG
}

start() {
  if port_open 127.0.0.1 "$KAFKA_PORT"; then say "broker already up on 127.0.0.1:$KAFKA_PORT"; return 0; fi
  fetch
  write_config
  if [ ! -f "$DATA/meta.properties" ]; then
    say "formatting KRaft storage in $DATA"
    tool_cmd kafka.tools.StorageTool format -t "$(cluster_id)" \
      -c "$KDIR/server-$KAFKA_PORT.properties" >"$KDIR/format-$KAFKA_PORT.log" 2>&1 \
      || { cat "$KDIR/format-$KAFKA_PORT.log" >&2; die "could not format Kafka storage"; }
  fi
  say "starting Kafka on 127.0.0.1:$KAFKA_PORT (log: $LOG)"
  java "${JAVA_OPTS[@]}" -cp "$LIBS/*" kafka.Kafka "$KDIR/server-$KAFKA_PORT.properties" </dev/null >"$LOG" 2>&1 &
  echo $! >"$PIDFILE"
  local pid i; pid=$(cat "$PIDFILE")
  for ((i = 0; i < 600; i++)); do
    port_open 127.0.0.1 "$KAFKA_PORT" && break
    kill -0 "$pid" 2>/dev/null || { tail -n 40 "$LOG" >&2; die "Kafka exited during start-up (log above)"; }
    sleep 0.1
  done
  port_open 127.0.0.1 "$KAFKA_PORT" || { tail -n 40 "$LOG" >&2; die "Kafka did not open 127.0.0.1:$KAFKA_PORT within 60 s"; }
  say "Kafka is up on 127.0.0.1:$KAFKA_PORT"
}

stop() {
  [ -f "$PIDFILE" ] || { say "no broker started by this script"; return 0; }
  local pid; pid=$(cat "$PIDFILE")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$PIDFILE"; say "Kafka stopped"
}

kill_hard() {
  [ -f "$PIDFILE" ] || die "no broker started by this script on port $KAFKA_PORT"
  kill -9 "$(cat "$PIDFILE")" 2>/dev/null || true
  # a killed child of no live parent may linger as a zombie: wait for its ports, not its pid
  for _ in $(seq 1 300); do
    port_open 127.0.0.1 "$KAFKA_PORT" || port_open 127.0.0.1 "$CONTROLLER_PORT" || break
    sleep 0.1
  done
  ! port_open 127.0.0.1 "$KAFKA_PORT" || die "Kafka still answers on 127.0.0.1:$KAFKA_PORT after SIGKILL"
  rm -f "$PIDFILE"; say "Kafka killed (SIGKILL)"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  kill) kill_hard ;;
  status) port_open 127.0.0.1 "$KAFKA_PORT" ;;
  reset) stop; rm -rf "$DATA"; say "deleted the data of the broker on port $KAFKA_PORT" ;;
  pid) [ -f "$PIDFILE" ] || die "no broker started by this script on port $KAFKA_PORT"; cat "$PIDFILE" ;;
  *) echo "usage: $0 fetch|start|stop|kill|status|reset|pid" >&2; exit 2 ;;
esac
