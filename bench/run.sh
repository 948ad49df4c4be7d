#!/usr/bin/env bash
# The throughput benchmark: the suite's exported app against a Postfix smtpd on the
# same machine, in the same run, through the same workloads, interleaved.
#
#   bench/run.sh            # every workload
#   QUICK=1 bench/run.sh    # fewer messages, for a try
#   ONLY=5120:50:per-message bench/run.sh   # one workload (size:sessions:mode)
#
# Builds the app if it is not built, installs Postfix (Debian's package, without
# letting it start a daemon on port 25) for its smtp-source load generator and its
# smtpd, and prints, per workload and server: messages per second (smtp-source),
# the accept latency p50/p99/max (bench/SmtpLoad.java, which times each message:
# the final dot sent to the 250), and the server's RSS and CPU time per message.
# Both servers force every message to disk before their 250: the suite's spool
# fsyncs message, envelope and directory; Postfix's cleanup fsyncs the queue file.
# Postfix hands each message to its discard transport, the suite delivers each
# into a Maildir.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/bench/work
SUITE_PORT=${SUITE_PORT:-2525}
POSTFIX_PORT=${POSTFIX_PORT:-2526}
SCALE=${QUICK:+1}
SCALE=${SCALE:-4}

log() { printf '%s\n' "$*" >&2; }

install_postfix() {
  command -v smtp-source >/dev/null && command -v postfix >/dev/null && return
  log "installing postfix (no daemon is started)"
  local policy=/usr/sbin/policy-rc.d created=
  if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' > $policy; chmod 755 $policy; created=1; fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postfix >/dev/null
  if [ -n "$created" ]; then rm -f $policy; fi
}

build_app() {
  [ -f smtp.app/target/smtp.jar ] && return
  log "building the app"
  mvn -B -q -DskipTests package
}

# ---- the suite: the exported app with a local spool and Maildir
SUITE_PID=
start_suite() {
  local home=$WORK/suite
  rm -rf "$home"; mkdir -p "$home/conf"
  printf 'address="127.0.0.1"\nport=I"%s"\n' $SUITE_PORT > "$home/conf/smtp.server.binding-bench.config"
  printf 'localDomains=["bench.test"]\nmailboxes=["sink@bench.test"]\n' > "$home/conf/smtp.delivery.config"
  printf 'maxConnections=I"2000"\nmaxConnectionsPerClient=I"2000"\nmaxMessagesPerConnection=I"100000"\n' \
    > "$home/conf/smtp.server.config"
  (cd "$home" && exec java ${SUITE_JAVA_OPTS:-} -Dorg.osgi.service.http.port=0 -jar "$ROOT/smtp.app/target/smtp.jar" \
      > "$home/app.log" 2>&1 < /dev/null) &
  SUITE_PID=$!
  await_port $SUITE_PORT || { tail -20 "$home/app.log" >&2; exit 1; }
}

# ---- Postfix: a private instance (own configuration, queue and port on loopback)
start_postfix() {
  local etc=$WORK/postfix/etc
  rm -rf "$WORK/postfix"; mkdir -p "$etc" "$WORK/postfix/queue" "$WORK/postfix/data"
  chown postfix "$WORK/postfix/data"
  cat > "$etc/main.cf" <<MAIN
compatibility_level = 3.6
queue_directory = $WORK/postfix/queue
data_directory = $WORK/postfix/data
myhostname = postfix.bench.test
mydestination =
relay_domains = bench.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
default_transport = discard
relay_transport = discard
local_transport = discard
smtpd_recipient_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
local_recipient_maps =
default_process_limit = 200
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_client_recipient_rate_limit = 0
message_size_limit = 52428800
maillog_file_prefixes = $WORK/postfix
maillog_file = $WORK/postfix/maillog
MAIN
  cat > "$etc/master.cf" <<MASTER
127.0.0.1:$POSTFIX_PORT inet n - n - - smtpd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
MASTER
  # (postfix prints its fatal errors only to a terminal: script(1) gives it one)
  script -qec "postfix -c $etc check" /dev/null >&2
  script -qec "postfix -c $etc start" /dev/null >/dev/null
  await_port $POSTFIX_PORT || { log "postfix did not start:"; tail -20 "$WORK/postfix/maillog" >&2; exit 1; }
}

stop_all() {
  if [ -n "$SUITE_PID" ]; then kill "$SUITE_PID" 2>/dev/null || true; wait "$SUITE_PID" 2>/dev/null || true; fi
  if [ -f "$WORK/postfix/etc/main.cf" ]; then postfix -c "$WORK/postfix/etc" stop >/dev/null 2>&1 || true; fi
}
trap stop_all EXIT

await_port() {
  for _ in $(seq 1 300); do
    (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# ---- measurements
# pids of a server: the suite's java, or every process of the Postfix instance
server_pids() {
  if [ "$1" = suite ]; then echo "$SUITE_PID"; return; fi
  local master; master=$(cat "$WORK/postfix/queue/pid/master.pid" 2>/dev/null | tr -d ' ')
  [ -n "$master" ] && { echo "$master"; pgrep -P "$master" || true; }
}
cpu_ticks() { # user+system ticks of the server's processes (children that exited included for Postfix)
  local total=0
  for pid in $(server_pids "$1"); do
    [ -r /proc/$pid/stat ] || continue
    read -r -a f < <(sed 's/^.*) //' /proc/$pid/stat)
    total=$((total + f[11] + f[12] + f[13] + f[14]))
  done
  echo $total
}
rss_kib() {
  local total=0
  for pid in $(server_pids "$1"); do
    [ -r /proc/$pid/status ] || continue
    total=$((total + $(awk '/^VmRSS/ {print $2}' /proc/$pid/status)))
  done
  echo $total
}

# wait until the server has handed off everything it accepted (its queue is empty)
drain_queue() {
  for _ in $(seq 1 600); do
    if [ "$1" = suite ]; then
      [ -z "$(ls -A "$WORK/suite/data/spool/queue" 2>/dev/null)" ] && return
    else
      [ -z "$(find "$WORK/postfix/queue/incoming" "$WORK/postfix/queue/active" "$WORK/postfix/queue/deferred" -type f 2>/dev/null | head -1)" ] && return
    fi
    sleep 0.1
  done
}

port_of() { [ "$1" = suite ] && echo $SUITE_PORT || echo $POSTFIX_PORT; }

# one smtp-source run: prints "rate cpu_ms_per_msg rss_mib"
run_source() { # server size sessions mode messages
  local server=$1 size=$2 sessions=$3 mode=$4 count=$5 flags=""
  [ "$mode" = long ] && flags="-d"
  # neither server may still be working off an earlier run while this one is measured
  drain_queue suite; drain_queue postfix
  local ticks0 t0 t1 ticks1 hz
  hz=$(getconf CLK_TCK)
  ticks0=$(cpu_ticks "$server"); t0=$(date +%s.%N)
  smtp-source -s "$sessions" -m "$count" -l "$size" $flags -f load@bench.test -t sink@bench.test \
    -M load.bench.test 127.0.0.1:"$(port_of "$server")"
  t1=$(date +%s.%N)
  local rss; rss=$(rss_kib "$server")
  drain_queue "$server"
  ticks1=$(cpu_ticks "$server")
  awk -v n="$count" -v t0="$t0" -v t1="$t1" -v c="$((ticks1 - ticks0))" -v hz="$hz" -v rss="$rss" \
    'BEGIN { printf "%.0f %.3f %.0f\n", n / (t1 - t0), c * 1000 / hz / n, rss / 1024 }'
}

main() {
  install_postfix
  build_app
  rm -rf "$WORK"; mkdir -p "$WORK"
  start_suite
  start_postfix
  # both servers first take a run of each size: the JVM compiles its hot code (C2) in the first
  # fifteen thousand or so messages (its compiler threads are busy until then), and Postfix
  # fills its caches
  log "warming up"
  for port in $SUITE_PORT $POSTFIX_PORT; do
    smtp-source -s 50 -m $((6000 * SCALE)) -l 5120 -f load@bench.test -t sink@bench.test 127.0.0.1:$port
    smtp-source -s 50 -m $((250 * SCALE)) -l 102400 -f load@bench.test -t sink@bench.test 127.0.0.1:$port
  done

  printf '%-8s %-5s %-12s | %9s %9s %7s | %9s %9s %7s | %6s\n' size sess mode \
    "suite/s" "cpu ms/m" "rss MiB" "postfix/s" "cpu ms/m" "rss MiB" ratio
  for size in 5120 102400; do
    for sessions in 10 50; do
      for mode in per-message long; do
        if [ -n "${ONLY:-}" ] && [ "$ONLY" != "$size:$sessions:$mode" ]; then continue; fi
        local count=$((size == 5120 ? 2500 * SCALE : 500 * SCALE))
        read -r s_rate s_cpu s_rss < <(run_source suite $size $sessions $mode $count)
        read -r p_rate p_cpu p_rss < <(run_source postfix $size $sessions $mode $count)
        printf '%-8s %-5s %-12s | %9s %9s %7s | %9s %9s %7s | %6.2f\n' "$((size / 1024))KiB" "$sessions" "$mode" \
          "$s_rate" "$s_cpu" "$s_rss" "$p_rate" "$p_cpu" "$p_rss" "$(awk -v a="$s_rate" -v b="$p_rate" 'BEGIN{print a/b}')"
      done
    done
  done

  echo
  echo "accept latency (bench/SmtpLoad.java: 5 KiB, 50 sessions, a connection per message)"
  for server in suite postfix; do
    drain_queue suite; drain_queue postfix
    printf '%-8s ' "$server"
    java "$ROOT/bench/SmtpLoad.java" 127.0.0.1 "$(port_of $server)" 50 $((2500 * SCALE)) 5120 per-message
  done
}
main "$@"
