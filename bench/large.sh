#!/usr/bin/env bash
# Large messages are streamed: 20 sessions at once each send a 10 MiB message, then
# one session a 50 MiB message, to the app running with -Xmx256m; prints the client's
# figures and the most heap in use (sampled every 100 ms with jstat) while they were
# received. Runs twice: local mail straight into the Maildir (direct) and through the
# queue on the embedded Artemis broker (queue), where the worker takes each message
# back from the broker and delivers it.
#   bench/large.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
[ -f smtp.app/target/smtp.jar ] || mvn -B -q -DskipTests package
for mode in direct queue; do
home=$ROOT/bench/work/large-$mode
rm -rf "$home"; mkdir -p "$home/conf"
printf 'address="127.0.0.1"\nport=I"2530"\n' > "$home/conf/smtp.server.binding-large.config"
printf 'maxMessageSize=I"67108864"\n' > "$home/conf/smtp.server.config"
printf 'localDomains=["bench.test"]\nmailboxes=["sink@bench.test"]\ndirectLocalDelivery=B"%s"\n' \
  "$([ $mode = direct ] && echo true || echo false)" > "$home/conf/smtp.delivery.config"
(cd "$home" && exec java -Xmx256m -Dorg.osgi.service.http.port=0 -jar "$ROOT/smtp.app/target/smtp.jar" > app.log 2>&1 < /dev/null) &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do (echo > /dev/tcp/127.0.0.1/2530) 2>/dev/null && break; sleep 0.1; done
sleep 2 # delivery comes up just after the listener
( while kill -0 $pid 2>/dev/null; do
    jstat -gc $pid | awk 'NR==2 { printf "%d\n", ($3+$4+$6+$8) / 1024 }'   # S0U+S1U+EU+OU in KiB -> MiB
    sleep 0.1
  done > "$home/heap.txt" 2>/dev/null ) &
sampler=$!
echo "== $mode"
java bench/SmtpLoad.java 127.0.0.1 2530 20 20 10485760 per-message
java bench/SmtpLoad.java 127.0.0.1 2530 1 1 52428800 per-message
inbox=$home/data/mail/bench.test/sink/new
for _ in $(seq 1 600); do [ "$(ls "$inbox" 2>/dev/null | wc -l)" -ge 21 ] && break; sleep 0.1; done
kill $sampler 2>/dev/null || true
echo "most heap in use: $(sort -n "$home/heap.txt" | tail -1) MiB of 256 MiB (-Xmx256m)"
echo "messages in the mailbox: $(ls "$inbox" 2>/dev/null | wc -l), sizes: $(ls -l "$inbox" | awk 'NR>1 {print $5}' | sort -u | tr '\n' ' ')"
kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
done
