#!/usr/bin/env bash
# A single-node Apache Kafka (KRaft) on 127.0.0.1 from the Maven Central jars.
#   kafka.sh fetch   download the jars into lib/<version> (needs mvn; once)
#   kafka.sh start   start a broker, or reuse one already answering on the port; waits until ready
#   kafka.sh status  exit 0 when a broker answers on the port
#   kafka.sh stop    stop the broker this script started
#   kafka.sh reset   stop, then delete its data and logs
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_VERSION (3.9 | 4.1),
# KAFKA_HOME (state folder, default deploy/local/.kafka, git-ignored).
# A second listener, PROXIED, listens on KAFKA_PROXIED_PORT (9095) and advertises KAFKA_PROXY_PORT
# (9094): a client that bootstraps through a TCP proxy on 9094 forwarding to 9095 keeps talking
# through it, so fault tests can cut one client's connections while the others work.
# On start it prints "started" or "reused" as its last line, so a caller knows whether to stop it.
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

start() {
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
  for _ in $(seq 1 240); do
    port_open "$PORT" && break
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      log "the broker exited during start; last lines of $LOG:"; tail -40 "$LOG" >&2; exit 1
    fi
    sleep 0.25
  done
  port_open "$PORT" || { log "the broker did not open port $PORT within 60 s"; tail -40 "$LOG" >&2; exit 1; }
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

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  status) port_open "$PORT" && ready ;;
  stop) stop ;;
  reset) stop; rm -rf "$STATE/data" "$LOG" "$STATE/server.properties"; log "data deleted" ;;
  *) echo "usage: kafka.sh fetch|start|status|stop|reset" >&2; exit 2 ;;
esac
