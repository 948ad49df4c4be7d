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
# Both servers force every message to disk before their 250: the suite writes it
# straight into the Maildir and fsyncs file and directory; Postfix's cleanup fsyncs
# the queue file.
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

. bench/lib.sh

# ---- the suite: the exported app with a Maildir for bench.test (local mail goes straight in)
start_bench_suite() {
  local home=$WORK/suite
  rm -rf "$home"; mkdir -p "$home/conf"
  printf 'localDomains=["bench.test"]\nmailboxes=["sink@bench.test"]\n' > "$home/conf/smtp.delivery.config"
  start_suite "$home" $SUITE_PORT
}

# ---- Postfix: a private instance that hands every message to its discard transport
start_bench_postfix() {
  start_postfix "$WORK/postfix" $POSTFIX_PORT "relay_domains = bench.test
default_transport = discard
relay_transport = discard
local_transport = discard"
}

stop_all() {
  stop_suite
  stop_postfix "$WORK/postfix"
}
trap stop_all EXIT

server_pids() { if [ "$1" = suite ]; then echo "$SUITE_PID"; else echo "$WORK/postfix"; fi; }

# wait until the server has handed off everything it accepted (its queue is empty); the suite
# has nothing left once it answered: local mail is in the Maildir before its 250
drain_queue() {
  [ "$1" = suite ] && return
  for _ in $(seq 1 600); do
    [ -z "$(find "$WORK/postfix/queue/incoming" "$WORK/postfix/queue/active" "$WORK/postfix/queue/deferred" -type f 2>/dev/null | head -1)" ] && return
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
  ticks0=$(cpu_ticks "$(server_pids "$server")"); t0=$(date +%s.%N)
  smtp-source -s "$sessions" -m "$count" -l "$size" $flags -f load@bench.test -t sink@bench.test \
    -M load.bench.test 127.0.0.1:"$(port_of "$server")"
  t1=$(date +%s.%N)
  local rss; rss=$(rss_kib "$(server_pids "$server")")
  drain_queue "$server"
  ticks1=$(cpu_ticks "$(server_pids "$server")")
  awk -v n="$count" -v t0="$t0" -v t1="$t1" -v c="$((ticks1 - ticks0))" -v hz="$hz" -v rss="$rss" \
    'BEGIN { printf "%.0f %.3f %.0f\n", n / (t1 - t0), c * 1000 / hz / n, rss / 1024 }'
}

main() {
  install_postfix
  build_app
  rm -rf "$WORK"; mkdir -p "$WORK"
  start_bench_suite
  start_bench_postfix
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
