#!/usr/bin/env bash
# What closed TLS connections leave in the heap: the suite as shipped (smtp.app/jvm.options)
# with a plain binding and a STARTTLS one, takes SESSIONS sessions (2,000 by default, 50 at
# once, 5 KiB each, a connection per message) on each in turn; after each load, a full
# collection (jcmd GC.class_histogram), then the closed TLS sockets still in the heap
# (SSLSocketImpl) and the heap in use. On Java 17 the TLS socket has a finalizer (Java 19
# removed it), so closed ones wait for the finalizer thread.
#   bench/tlsheap.sh
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 bench/tlsheap.sh   # another JDK
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/bench/work/tlsheap
. bench/lib.sh
[ -z "${JAVA_HOME:-}" ] || export PATH=$JAVA_HOME/bin:$PATH
SESSIONS=${SESSIONS:-2000}
PLAIN_PORT=2533
TLS_PORT=2534
build_app
rm -rf "$WORK"; mkdir -p "$WORK/conf"
printf 'localDomains=["bench.test"]\nmailboxes=["sink@bench.test"]\n' > "$WORK/conf/smtp.delivery.config"
printf 'address="127.0.0.1"\nport=I"%s"\ntlsMode="starttls"\n' $TLS_PORT > "$WORK/conf/smtp.server.binding-tls.config"
SUITE_JAVA_OPTS="@$ROOT/smtp.app/jvm.options" start_suite "$WORK" $PLAIN_PORT
trap stop_suite EXIT
await_port $TLS_PORT || { log "the STARTTLS binding did not open"; exit 1; }
log "$(java -version 2>&1 | head -1)"
for load in plain starttls plain starttls; do
  port=$PLAIN_PORT
  [ $load = starttls ] && port=$TLS_PORT
  line=$(java "$ROOT/bench/SmtpLoad.java" 127.0.0.1 $port 50 "$SESSIONS" 5120 per-message sink@bench.test $load)
  [[ $line == *" failures=0 "* ]] || { log "$load: $line"; exit 1; }
  find "$WORK/data/mail/bench.test/sink/new" -type f -delete
  sockets=$(jcmd "$SUITE_PID" GC.class_histogram | awk '$4 == "sun.security.ssl.SSLSocketImpl" {print $2}')
  heap=$(jstat -gc "$SUITE_PID" | awk 'NR == 2 {printf "%.1f", ($3 + $4 + $6 + $8) / 1024}')
  echo "after $SESSIONS $load sessions: ${sockets:-0} closed TLS sockets in the heap; heap in use after a full collection: $heap MiB"
done
