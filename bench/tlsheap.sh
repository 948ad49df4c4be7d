#!/usr/bin/env bash
# What TLS connections cost the heap: the suite as shipped (smtp.app/jvm.options) with a plain
# binding and a STARTTLS one takes SESSIONS sessions (5,000 by default, 50 at once, 5 KiB each,
# a connection per message) on each in turn. For each load: the full collections it caused, and
# after it a full collection (jcmd GC.class_histogram), then the TLS connections still in the
# heap (SSLSocketImpl, SSLEngineImpl: all are closed by then) and the heap in use.
#   bench/tlsheap.sh
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 bench/tlsheap.sh   # another JDK
#   SUITE_JAR=/elsewhere/smtp.jar bench/tlsheap.sh                 # another build
#   EXTRA_JAVA_OPTS="-Xmn24m" bench/tlsheap.sh                     # options after jvm.options
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/bench/work/tlsheap
. bench/lib.sh
[ -z "${JAVA_HOME:-}" ] || export PATH=$JAVA_HOME/bin:$PATH
SESSIONS=${SESSIONS:-5000}
PLAIN_PORT=2533
TLS_PORT=2534
[ -n "${SUITE_JAR:-}" ] || build_app
rm -rf "$WORK"; mkdir -p "$WORK/conf"
printf 'localDomains=["bench.test"]\nmailboxes=["sink@bench.test"]\n' > "$WORK/conf/smtp.delivery.config"
printf 'address="127.0.0.1"\nport=I"%s"\ntlsMode="starttls"\n' $TLS_PORT > "$WORK/conf/smtp.server.binding-tls.config"
SUITE_JAVA_OPTS="@$ROOT/smtp.app/jvm.options ${EXTRA_JAVA_OPTS:-}" start_suite "$WORK" $PLAIN_PORT
trap stop_suite EXIT
await_port $TLS_PORT || { log "the STARTTLS binding did not open"; exit 1; }
log "$(java -version 2>&1 | head -1)${SUITE_JAR:+, $SUITE_JAR}"
full_collections() { jstat -gc "$SUITE_PID" | awk 'NR == 2 {print $15}'; }
for load in plain starttls plain starttls; do
  port=$PLAIN_PORT
  [ $load = starttls ] && port=$TLS_PORT
  before=$(full_collections)
  line=$(java "$ROOT/bench/SmtpLoad.java" 127.0.0.1 $port 50 "$SESSIONS" 5120 per-message sink@bench.test $load)
  [[ $line == *" failures=0 "* ]] || { log "$load: $line"; exit 1; }
  during=$(( $(full_collections) - before ))
  find "$WORK/data/mail/bench.test/sink/new" -type f -delete
  left=$(jcmd "$SUITE_PID" GC.class_histogram | awk '$4 == "sun.security.ssl.SSLSocketImpl" || $4 == "sun.security.ssl.SSLEngineImpl" {n += $2} END {print n + 0}')
  heap=$(jstat -gc "$SUITE_PID" | awk 'NR == 2 {printf "%.1f", ($3 + $4 + $6 + $8) / 1024}')
  rate=$(sed 's/.* rate=\([^ ]*\) .*/\1/' <<< "$line")
  echo "$SESSIONS $load sessions at $rate: $during full collections; then $left TLS connections left in the heap, $heap MiB in use after a full collection"
done
