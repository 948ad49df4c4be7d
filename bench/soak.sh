#!/usr/bin/env bash
# No leak: the app under full load (smtp-source, 5 KiB, 50 sessions) for MINUTES minutes
# (default 10); the heap in use after a full GC is measured after a warm-up and again
# at the end, once the queue has drained.
#   bench/soak.sh [minutes]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MINUTES=${1:-10}
[ -f smtp.app/target/smtp.jar ] || mvn -B -q -DskipTests package
command -v smtp-source >/dev/null || { echo "needs smtp-source: bench/run.sh installs postfix" >&2; exit 1; }
home=$ROOT/bench/work/soak
rm -rf "$home"; mkdir -p "$home/conf"
printf 'address="127.0.0.1"\nport=I"2534"\n' > "$home/conf/smtp.server.binding-soak.config"
printf 'localDomains=["bench.test"]\nmailboxes=["sink@bench.test"]\n' > "$home/conf/smtp.delivery.config"
printf 'maxConnections=I"2000"\nmaxConnectionsPerClient=I"2000"\n' > "$home/conf/smtp.server.config"
(cd "$home" && exec java -Dorg.osgi.service.http.port=0 -jar "$ROOT/smtp.app/target/smtp.jar" > app.log 2>&1 < /dev/null) &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do (echo > /dev/tcp/127.0.0.1/2534) 2>/dev/null && break; sleep 0.1; done
drain() { while [ -n "$(ls -A "$home/data/spool/queue" 2>/dev/null)" ]; do sleep 0.5; done; }
# the Maildir is emptied now and then, as a mail reader would, so that the disk does not fill
empty_mailbox() { find "$home/data/mail/bench.test/sink/new" -type f -delete 2>/dev/null || true; }
heap_after_gc() {
  jcmd $pid GC.run > /dev/null
  sleep 2
  jcmd $pid GC.heap_info | awk '/garbage-first heap/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i+1); sub(/K,?/, "", v); print int(v / 1024) } }'
}
smtp-source -s 50 -m 20000 -l 5120 -f soak@bench.test -t sink@bench.test 127.0.0.1:2534
drain; empty_mailbox
before=$(heap_after_gc)
echo "heap in use after GC, after a warm-up of 20,000 messages: $before MiB"
end=$(( $(date +%s) + MINUTES * 60 )); total=0
while [ "$(date +%s)" -lt $end ]; do
  smtp-source -s 50 -m 20000 -l 5120 -f soak@bench.test -t sink@bench.test 127.0.0.1:2534
  total=$((total + 20000))
  drain; empty_mailbox
done
after=$(heap_after_gc)
echo "after $MINUTES minutes and $total more messages: $after MiB in use after GC; RSS $(awk '/^VmRSS/ {print int($2/1024)}' /proc/$pid/status) MiB"
