#!/usr/bin/env bash
# What TLS connections cost the heap: the suite as shipped (smtp.app/jvm.options) with a plain
# binding and a STARTTLS one takes SESSIONS sessions (5,000 by default, 50 at once, 5 KiB each,
# a connection per message) on each in turn. For each load: the full collections it caused, and
# after it a full collection (jcmd GC.class_histogram), then the TLS connections still in the
# heap (SSLSocketImpl, SSLEngineImpl: all are closed by then), the TLS sessions kept
# (SSLSessionImpl) and the heap in use. Then the same for mail relayed over TLS: SESSIONS messages for another domain, taken on the plain
# binding and relayed to a private Postfix that offers STARTTLS (the suite's outbound TLS at
# its default, opportunistic; OUTBOUND_TLS=none relays in plaintext), each on a connection of
# its own (connectionIdleTime 0), until Postfix has them all.
#   bench/tlsheap.sh
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 bench/tlsheap.sh   # another JDK
#   SUITE_JAR=/elsewhere/smtp.jar bench/tlsheap.sh                 # another build
#   EXTRA_JAVA_OPTS="-Xmn24m" bench/tlsheap.sh                     # options after jvm.options
#   OUTBOUND_TLS=none bench/tlsheap.sh                             # the relayed loads without TLS
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/bench/work/tlsheap
. bench/lib.sh
[ -z "${JAVA_HOME:-}" ] || export PATH=$JAVA_HOME/bin:$PATH
SESSIONS=${SESSIONS:-5000}
PLAIN_PORT=2533
TLS_PORT=2534
POSTFIX_PORT=2535
install_postfix
[ -n "${SUITE_JAR:-}" ] || build_app
rm -rf "$WORK"; mkdir -p "$WORK/conf" "$WORK/postfix-tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=postfix.bench.test \
  -keyout "$WORK/postfix-tls/key.pem" -out "$WORK/postfix-tls/cert.pem" 2>/dev/null
start_postfix "$WORK/postfix" $POSTFIX_PORT "relay_domains = relay.test
relay_transport = discard
smtpd_tls_security_level = may
smtpd_tls_cert_file = $WORK/postfix-tls/cert.pem
smtpd_tls_key_file = $WORK/postfix-tls/key.pem
smtpd_tls_loglevel = 1"
printf 'localDomains=["bench.test"]\nmailboxes=["sink@bench.test"]\nsmarthost="127.0.0.1:%s"\nconnectionIdleTime=I"0"\noutboundTls="%s"\n' \
  $POSTFIX_PORT "${OUTBOUND_TLS:-opportunistic}" > "$WORK/conf/smtp.delivery.config"
printf 'address="127.0.0.1"\nport=I"%s"\ntlsMode="starttls"\n' $TLS_PORT > "$WORK/conf/smtp.server.binding-tls.config"
stop_all() {
  stop_suite
  stop_postfix "$WORK/postfix"
}
trap stop_all EXIT
SUITE_JAVA_OPTS="@$ROOT/smtp.app/jvm.options ${EXTRA_JAVA_OPTS:-}" start_suite "$WORK" $PLAIN_PORT
await_port $TLS_PORT || { log "the STARTTLS binding did not open"; exit 1; }
log "$(java -version 2>&1 | head -1)${SUITE_JAR:+, $SUITE_JAR}"
full_collections() { jstat -gc "$SUITE_PID" | awk 'NR == 2 {print $15}'; }
relayed() { grep -c 'status=sent' "$WORK/postfix/maillog" 2>/dev/null || true; }
for load in plain starttls plain starttls relayed relayed; do
  port=$PLAIN_PORT rcpt=sink@bench.test starttls=
  case $load in
    starttls) port=$TLS_PORT starttls=starttls ;;
    relayed) rcpt=sink@relay.test; sent=$(relayed) ;;
  esac
  before=$(full_collections)
  line=$(java "$ROOT/bench/SmtpLoad.java" 127.0.0.1 $port 50 "$SESSIONS" 5120 per-message $rcpt $starttls)
  [[ $line == *" failures=0 "* ]] || { log "$load: $line"; exit 1; }
  if [ $load = relayed ]; then
    deadline=$((SECONDS + 600))
    until [ "$(relayed)" -ge $((sent + SESSIONS)) ]; do
      [ $SECONDS -lt $deadline ] || { log "relayed: Postfix had $(( $(relayed) - sent )) of $SESSIONS after 10 minutes"; exit 1; }
      sleep 0.2
    done
    [ "${OUTBOUND_TLS:-}" = none ] || grep -q 'Anonymous TLS connection established from' "$WORK/postfix/maillog" \
      || { log "relayed: the suite did not relay over TLS"; exit 1; }
  fi
  during=$(( $(full_collections) - before ))
  find "$WORK/data/mail/bench.test/sink/new" -type f -delete
  jcmd "$SUITE_PID" GC.class_histogram > "$WORK/histogram.txt"
  left=$(awk '$4 == "sun.security.ssl.SSLSocketImpl" || $4 == "sun.security.ssl.SSLEngineImpl" {n += $2} END {print n + 0}' "$WORK/histogram.txt")
  sessions=$(awk '$4 == "sun.security.ssl.SSLSessionImpl" {n += $2} END {print n + 0}' "$WORK/histogram.txt")
  heap=$(jstat -gc "$SUITE_PID" | awk 'NR == 2 {printf "%.1f", ($3 + $4 + $6 + $8) / 1024}')
  rate=$(sed 's/.* rate=\([^ ]*\) .*/\1/' <<< "$line")
  what="$SESSIONS $load sessions at $rate"
  [ $load != relayed ] || what="$SESSIONS messages at $rate, relayed (outbound TLS ${OUTBOUND_TLS:-opportunistic})"
  echo "$what: $during full collections; then $left TLS connections and $sessions TLS sessions left in the heap, $heap MiB in use after a full collection"
done
