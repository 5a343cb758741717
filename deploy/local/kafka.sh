#!/usr/bin/env bash
# A single-node Apache Kafka (KRaft) on 127.0.0.1 from the Maven Central jars.
#   kafka.sh fetch   download the jars into lib/<version> (needs mvn; once)
#   kafka.sh start   start a broker, or reuse one already answering on the port; waits until ready
#   kafka.sh status  exit 0 when a broker answers on the port
#   kafka.sh stop    stop the broker this script started
#   kafka.sh reset   stop, then delete its data and logs
#   kafka.sh prune   delete the topics tests and benchmarks left (names under a unique prefix)
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_VERSION (3.9 | 4.1),
# KAFKA_HOME (state folder, default deploy/local/.kafka, git-ignored).
# A second listener, PROXIED, listens on KAFKA_PROXIED_PORT (9095) and advertises KAFKA_PROXY_PORT
# (9094): a client that bootstraps through a TCP proxy on 9094 forwarding to 9095 keeps talking
# through it, so fault tests can cut one client's connections while the others work.
# On start it prints "started" or "reused" as its last line, so a caller knows whether to stop it.
#
# A three-node cluster (KRaft, each node broker and controller; replication factor 3,
# min.insync.replicas 2) for tests of vigil on replicated topics, apart from the single broker:
#   kafka.sh cluster start        start the three nodes (or reuse them), wait until all are ready
#   kafka.sh cluster stop         stop them;  kafka.sh cluster reset   stop them and delete their data
#   kafka.sh cluster kill N       SIGKILL node N (1-3), as a crash;  kafka.sh cluster start N   start it again
# Ports: KAFKA_CLUSTER_PORT (19092) + N - 1 for clients, KAFKA_CLUSTER_CONTROLLER_PORT (19192) + N - 1
# for the quorum; state in $KAFKA_HOME/cluster/node-N. Clients bootstrap from all three:
# 127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PORT=${KAFKA_PORT:-9092}
CPORT=${KAFKA_CONTROLLER_PORT:-9093}
PROXY_PORT=${KAFKA_PROXY_PORT:-9094}
PROXIED_PORT=${KAFKA_PROXIED_PORT:-9095}
VERSION=${KAFKA_VERSION:-3.9}
STATE=${KAFKA_HOME:-$HERE/.kafka}
LIB=$HERE/lib/$VERSION
PIDFILE=$STATE/broker.pid
LOG=$STATE/broker.log

log() { echo "kafka.sh: $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

fetch() {
  if [ -f "$LIB/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || { log "Maven (mvn) is needed to fetch the Kafka jars"; exit 1; }
  local profile=kafka39
  [ "$VERSION" = "4.1" ] && profile=kafka41
  log "fetching Kafka $VERSION jars from Maven Central into $LIB"
  rm -rf "$LIB"
  (cd "$HERE" && mvn -q -B -P"$profile" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIB") >&2
  touch "$LIB/.complete"
}

log_opts() {
  if [ "$VERSION" = "4.1" ]; then echo "-Dlog4j2.configurationFile=$HERE/log4j2.properties"
  else echo "-Dlog4j.configuration=file:$HERE/log4j.properties"; fi
}

ready() { node "$HERE/kafka-ready.mjs" "127.0.0.1:$PORT"; }

# A broker with many partitions on disk (every test run adds topics) can take minutes to load them
# before it opens its port: wait for it as long as it lives, up to KAFKA_START_TIMEOUT seconds.
wait_for_port() {
  local pid=$1 limit=${KAFKA_START_TIMEOUT:-300} waited=0
  while ! port_open "$PORT"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "the broker exited during start; last lines of $LOG:"; tail -40 "$LOG" >&2; exit 1
    fi
    if [ "$waited" -ge $((limit * 4)) ]; then
      log "the broker did not open port $PORT within $limit s (still running as pid $pid; see $LOG)"; exit 1
    fi
    [ $((waited % 120)) = 119 ] && log "still loading ($(find "$STATE/data" -maxdepth 1 -type d | wc -l) partition folders)"
    sleep 0.25; waited=$((waited + 1))
  done
}

start() {
  # A broker this script started earlier that is still loading: wait for it rather than start a
  # second one that fails on the taken controller port.
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && ! port_open "$PORT"; then
    log "the broker started earlier (pid $(cat "$PIDFILE")) is still starting; waiting for it"
    wait_for_port "$(cat "$PIDFILE")"
  fi
  if port_open "$PORT"; then
    ready || { log "something answers on port $PORT but it is not a usable Kafka broker"; exit 1; }
    log "reusing the broker already listening on 127.0.0.1:$PORT"
    echo reused
    return 0
  fi
  fetch
  mkdir -p "$STATE/data"
  sed -e "s#@DATA_DIR@#$STATE/data#" -e "s#@PORT@#$PORT#g" -e "s#@CONTROLLER_PORT@#$CPORT#g" \
    -e "s#@PROXY_PORT@#$PROXY_PORT#g" -e "s#@PROXIED_PORT@#$PROXIED_PORT#g" \
    "$HERE/server.properties" > "$STATE/server.properties"
  if [ ! -f "$STATE/data/meta.properties" ]; then
    # Same format as `StorageTool random-uuid`: 16 random bytes, base64url, not starting with '-'.
    local cid
    cid=$(node -e "let s;do{s=require('crypto').randomBytes(16).toString('base64url')}while(s[0]==='-');console.log(s)")
    java $(log_opts) -cp "$LIB/*" kafka.tools.StorageTool format -t "$cid" -c "$STATE/server.properties" --ignore-formatted >> "$LOG" 2>&1
  fi
  log "starting Kafka $VERSION on 127.0.0.1:$PORT (log: $LOG)"
  # setsid + closed stdio: the broker outlives this script and holds none of its caller's pipes.
  setsid java -Xms256m -Xmx1g -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    $(log_opts) -cp "$LIB/*" kafka.Kafka "$STATE/server.properties" </dev/null >> "$LOG" 2>&1 &
  echo $! > "$PIDFILE"
  wait_for_port "$(cat "$PIDFILE")"
  ready
  log "ready"
  echo started
}

stop() {
  [ -f "$PIDFILE" ] || { log "no broker started by this script"; return 0; }
  local pid; pid=$(cat "$PIDFILE")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && { log "broker did not stop in 20 s; killing it"; kill -KILL "$pid"; }
  fi
  rm -f "$PIDFILE"
  log "stopped"
}

CLUSTER_PORT=${KAFKA_CLUSTER_PORT:-19092}
CLUSTER_CPORT=${KAFKA_CLUSTER_CONTROLLER_PORT:-19192}
CLUSTER=$STATE/cluster

node_port() { echo $((CLUSTER_PORT + $1 - 1)); }
node_pidfile() { echo "$CLUSTER/node-$1/broker.pid"; }

node_start() {
  local n=$1 port dir voters
  port=$(node_port "$n")
  dir=$CLUSTER/node-$n
  if port_open "$port"; then return 0; fi
  voters=""
  for i in 1 2 3; do voters="$voters${voters:+,}$i@127.0.0.1:$((CLUSTER_CPORT + i - 1))"; done
  mkdir -p "$dir/data"
  sed -e "s#@NODE_ID@#$n#" -e "s#@VOTERS@#$voters#" -e "s#@PORT@#$port#g" \
    -e "s#@CONTROLLER_PORT@#$((CLUSTER_CPORT + n - 1))#g" -e "s#@DATA_DIR@#$dir/data#" \
    "$HERE/cluster.properties" > "$dir/server.properties"
  if [ ! -f "$dir/data/meta.properties" ]; then
    java $(log_opts) -cp "$LIB/*" kafka.tools.StorageTool format -t "$(cat "$CLUSTER/cluster.id")" \
      -c "$dir/server.properties" --ignore-formatted >> "$dir/broker.log" 2>&1
  fi
  setsid java -Xms128m -Xmx512m -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    $(log_opts) -cp "$LIB/*" kafka.Kafka "$dir/server.properties" </dev/null >> "$dir/broker.log" 2>&1 &
  echo $! > "$(node_pidfile "$n")"
}

node_wait() {
  local port pid
  port=$(node_port "$1")
  pid=$(cat "$(node_pidfile "$1")" 2>/dev/null || echo 0)
  for _ in $(seq 1 360); do
    port_open "$port" && return 0
    if [ "$pid" != 0 ] && ! kill -0 "$pid" 2>/dev/null; then
      log "node $1 exited during start; last lines of $CLUSTER/node-$1/broker.log:"
      tail -40 "$CLUSTER/node-$1/broker.log" >&2; exit 1
    fi
    sleep 0.25
  done
  log "node $1 did not open port $port within 90 s"; exit 1
}

node_stop() {
  local pidfile pid
  pidfile=$(node_pidfile "$1")
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "-$2" "$pid"
    for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$pidfile"
}

cluster() {
  local what=${1:-} node=${2:-}
  case "$what" in
    start)
      fetch
      mkdir -p "$CLUSTER"
      [ -f "$CLUSTER/cluster.id" ] ||
        node -e "let s;do{s=require('crypto').randomBytes(16).toString('base64url')}while(s[0]==='-');console.log(s)" > "$CLUSTER/cluster.id"
      local nodes=${node:-1 2 3} reused=1
      for n in $nodes; do port_open "$(node_port "$n")" || reused=0; node_start "$n"; done
      for n in $nodes; do node_wait "$n"; done
      # The quorum elects a leader and the offsets topic gets its replicas only once all are up.
      node "$HERE/kafka-ready.mjs" "127.0.0.1:$(node_port "${nodes%% *}")"
      log "cluster ready on 127.0.0.1:$(node_port 1),127.0.0.1:$(node_port 2),127.0.0.1:$(node_port 3)"
      if [ "$reused" = 1 ]; then echo reused; else echo started; fi
      ;;
    kill) [ -n "$node" ] || { echo "usage: kafka.sh cluster kill N" >&2; exit 2; }; node_stop "$node" KILL; log "node $node killed" ;;
    stop) for n in 1 2 3; do node_stop "$n" TERM; done; log "cluster stopped" ;;
    reset) for n in 1 2 3; do node_stop "$n" TERM; done; rm -rf "$CLUSTER"; log "cluster data deleted" ;;
    *) echo "usage: kafka.sh cluster start [N]|stop|reset|kill N" >&2; exit 2 ;;
  esac
}

case "${1:-}" in
  fetch) fetch ;;
  cluster) shift; cluster "$@" ;;
  start) start ;;
  status) port_open "$PORT" && ready ;;
  prune) node "$HERE/kafka-prune.mjs" "127.0.0.1:$PORT" ;;
  stop) stop ;;
  reset) stop; rm -rf "$STATE/data" "$LOG" "$STATE/server.properties"; log "data deleted" ;;
  *) echo "usage: kafka.sh fetch|start|status|stop|reset|prune|cluster …" >&2; exit 2 ;;
esac
