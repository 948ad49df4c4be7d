#!/usr/bin/env bash
# How much deferred mail the app holds with its shipped heap before it answers 451: the exported
# app with smtp.app/jvm.options (SUITE_JAVA_OPTS adds options after them), mail for another
# domain relayed to a smarthost that answers every DATA with 450 (Postfix's smtp-sink -r data),
# so that every message is deferred and waits in the queue for its next attempt. 10 sessions
# send 5 KiB messages in rounds of 1,000 until the first refusal; prints how many messages were
# deferred then, the old generation's use and the resident memory.
#   bench/deferred.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/bench/work/deferred
. bench/lib.sh
SUITE_PORT=2535
SINK_PORT=2536
SUITE_JAVA_OPTS="@$ROOT/smtp.app/jvm.options ${SUITE_JAVA_OPTS:-}"

install_postfix
build_app
rm -rf "$WORK"; mkdir -p "$WORK/suite/conf"
trap 'stop_suite; stop_sink' EXIT
start_sink $SINK_PORT "$WORK/sink.out" -r data
printf 'localDomains=["bench.test"]\nmailboxes=["sink@bench.test"]\nsmarthost="127.0.0.1:%s"\noutboundTls="none"\n' \
  $SINK_PORT > "$WORK/suite/conf/smtp.delivery.config"
start_suite "$WORK/suite" $SUITE_PORT
log "suite: java $SUITE_JAVA_OPTS"

deferred() { grep -c 'deferred for .*(attempt 1)' "$WORK/suite/app.log" || true; }
refused=
for round in $(seq 1 100); do
  if ! smtp-source -s 10 -m 1000 -l 5120 -f load@bench.test -t sink@relay.test -M load.bench.test \
      127.0.0.1:$SUITE_PORT 2> "$WORK/source.err"; then
    refused=$(cat "$WORK/source.err"); break
  fi
done
# the last messages taken are deferred once their first attempt is over
last=-1
for _ in $(seq 1 100); do
  now=$(deferred)
  [ "$now" -eq "$last" ] && break
  last=$now; sleep 0.5
done
echo "refused: ${refused:-nothing in $round rounds}"
echo "deferred messages in the queue: $(deferred)"
jstat -gc "$SUITE_PID" | awk 'NR == 2 { printf "old generation: %.1f of %.1f MiB in use\n", $8 / 1024, $7 / 1024 }'
echo "resident memory: $(( $(rss_kib "$SUITE_PID") / 1024 )) MiB"
