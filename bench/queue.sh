#!/usr/bin/env bash
# The queue benchmark: mail that goes through the delivery queue, end to end, against
# Postfix doing the same in the same run.
#
#   bench/queue.sh                 # 3 repetitions of every workload
#   REPS=5 bench/queue.sh
#   QUICK=1 bench/queue.sh         # a quarter of the messages, for a try
#   ONLY=gateway-5k bench/queue.sh # one workload: gateway-5k, gateway-100k, local-5k
#   FS=root bench/queue.sh         # on the root file system instead of a journaled ext4 image
#
# Workloads, each from 50 sessions with a connection per message (smtp-source):
#   gateway-5k, gateway-100k: mail for another domain, forwarded to a smarthost
#     (smtp-sink on loopback);
#   local-5k: mail for a local mailbox, through the queue into a Maildir.
# Servers, all running at once on their own ports, measured one after the other in an
# order that rotates every repetition:
#   artemis: the suite with its queue on the embedded Artemis broker (the default);
#   spool:   the suite with its queue in the file spool;
#   postfix: a private Postfix instance (relayhost = the smarthost; virtual(8) into a
#            Maildir).
# Both suites run as shipped, with smtp.app/jvm.options (SUITE_JAVA_OPTS adds options after
# them). The suite takes local mail through the queue here (directLocalDelivery=false). Every
# server keeps its queue and mail on an ext4 file system with a journal, in an image that
# the script creates and loop-mounts (needs root) and removes at the end. Before each run
# the stored mail is removed and the smarthost restarted. Per run: accepted
# messages per second (as smtp-source saw them), end-to-end messages per second (until
# the last one is at the smarthost or in the Maildir), CPU ms per message of the server's
# processes until then, and their RSS. Then, per workload, the median of the
# per-repetition ratios to Postfix with their spread (min-max).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/bench/work/queue
. bench/lib.sh

REPS=${REPS:-3}
SCALE=${QUICK:+1}
SCALE=${SCALE:-4}
ARTEMIS_PORT=2525
SPOOL_PORT=2528
POSTFIX_PORT=2526
SINK_PORT=2527
SERVERS=(artemis spool postfix)
WORKLOADS=(gateway-5k gateway-100k local-5k)
SUITE_JAVA_OPTS="@$ROOT/smtp.app/jvm.options ${SUITE_JAVA_OPTS:-}"

PIDS=()
suite_home() { echo "$WORK/$1"; }
start_suites() {
  for store in artemis spool; do
    local home; home=$(suite_home $store)
    rm -rf "$home"; mkdir -p "$home/conf"
    printf 'localDomains=["bench.test"]\nmailboxes=["sink@bench.test"]\ndirectLocalDelivery=B"false"\n%s\n%s\n%s\n' \
      "smarthost=\"127.0.0.1:$SINK_PORT\"" 'outboundTls="none"' \
      "$([ $store = spool ] && echo 'store.target="(smtp.queue.store=spool)"')" > "$home/conf/smtp.delivery.config"
    [ $store = spool ] && printf 'directory="data/spool"\n' > "$home/conf/smtp.queue.spool.config"
    start_suite "$home" "$(port_of $store)"
    PIDS+=("$store:$SUITE_PID")
  done
  SUITE_PID=
}
pid_of() {
  local entry
  for entry in "${PIDS[@]}"; do
    if [ "${entry%%:*}" = "$1" ]; then echo "${entry#*:}"; fi
  done
}
port_of() { case $1 in artemis) echo $ARTEMIS_PORT ;; spool) echo $SPOOL_PORT ;; postfix) echo $POSTFIX_PORT ;; esac; }
maildir_of() {
  case $1 in
    postfix) echo "$WORK/postfix-mail/bench.test/sink/new" ;;
    *) echo "$(suite_home "$1")/data/mail/bench.test/sink/new" ;;
  esac
}
measured() { # the processes to measure: the suite's JVM, or the Postfix instance
  if [ "$1" = postfix ]; then echo "$WORK/postfix"; else pid_of "$1"; fi
}

start_postfix_gateway() {
  mkdir -p "$WORK/postfix-mail"; chown postfix "$WORK/postfix-mail"
  start_postfix "$WORK/postfix" $POSTFIX_PORT "relay_domains = relay.test
relayhost = [127.0.0.1]:$SINK_PORT
smtp_tls_security_level = none
virtual_mailbox_domains = bench.test
virtual_mailbox_base = $WORK/postfix-mail
virtual_mailbox_maps = static:bench.test/sink/
virtual_uid_maps = static:$(id -u postfix)
virtual_gid_maps = static:$(id -g postfix)
virtual_minimum_uid = 1
virtual_mailbox_limit = 0"
}

stop_all() {
  stop_sink
  local entry
  for entry in "${PIDS[@]}"; do SUITE_PID=${entry#*:}; stop_suite; done
  stop_postfix "$WORK/postfix"
  sleep 1
  release_fs
}
trap stop_all EXIT

delivered() { # SERVER WORKLOAD
  case $2 in
    local-*)
      local dir; dir=$(maildir_of "$1")
      if [ -d "$dir" ]; then find "$dir" -maxdepth 1 -type f | wc -l; else echo 0; fi ;;
    *) sink_count ;;
  esac
}

clear_stored() { # SERVER
  local dir; dir=$(maildir_of "$1")
  if [ -d "$dir" ]; then find "$dir" -type f -delete; fi
  start_sink $SINK_PORT "$WORK/sink.out"
}

# one run, in this shell (it restarts the smarthost): writes "accepted/s end-to-end/s cpu-ms-per-message rss-MiB"
# into $WORK/run.out
run_one() { # SERVER WORKLOAD COUNT
  local server=$1 workload=$2 count=$3 size rcpt
  case $workload in
    gateway-5k) size=5120; rcpt=sink@relay.test ;;
    gateway-100k) size=102400; rcpt=sink@relay.test ;;
    local-5k) size=5120; rcpt=sink@bench.test ;;
  esac
  clear_stored "$server"
  local who; who=$(measured "$server")
  local hz ticks0 ticks1 t0 t1 t2 rss
  hz=$(getconf CLK_TCK)
  ticks0=$(cpu_ticks "$who"); t0=$(date +%s.%N)
  smtp-source -s 50 -m "$count" -l $size -f load@bench.test -t $rcpt -M load.bench.test 127.0.0.1:"$(port_of "$server")"
  t1=$(date +%s.%N)
  rss=$(rss_kib "$who")
  local deadline=$((SECONDS + 600))
  while [ "$(delivered "$server" "$workload")" -lt "$count" ]; do
    [ $SECONDS -lt $deadline ] || { log "$server $workload: only $(delivered "$server" "$workload") of $count delivered"; break; }
    sleep 0.05
  done
  t2=$(date +%s.%N)
  ticks1=$(cpu_ticks "$who")
  awk -v n="$count" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v c="$((ticks1 - ticks0))" -v hz="$hz" -v rss="$rss" \
    'BEGIN { printf "%.0f %.0f %.3f %.0f\n", n / (t1 - t0), n / (t2 - t0), c * 1000 / hz / n, rss / 1024 }' \
    > "$WORK/run.out"
}

count_of() { case $1 in *-100k) echo $((500 * SCALE)) ;; *) echo $((2500 * SCALE)) ;; esac; }

main() {
  install_postfix
  build_app
  if mountpoint -q "$WORK"; then umount "$WORK"; fi # left by a run that was killed
  rm -rf "$WORK"; mkdir -p "$WORK"
  use_fs "$WORK" 8
  start_sink $SINK_PORT "$WORK/sink.out"
  start_suites
  start_postfix_gateway
  # every server first takes each workload; a JVM goes on until its JIT compilers are done (they
  # take at most 1% of a round's time; at most 12 rounds), so that what is measured is the
  # server as it runs for days
  for server in "${SERVERS[@]}"; do
    local rounds=0
    while :; do
      rounds=$((rounds + 1))
      for workload in "${WORKLOADS[@]}"; do
        run_one "$server" "$workload" "$(count_of "$workload")"
      done
      [ "$server" = postfix ] && break
      if jit_settled "$(pid_of "$server")" && [ $rounds -ge 2 ]; then break; fi
      [ $rounds -lt 12 ] || { log "$server: the JIT was still compiling after $rounds rounds"; break; }
    done
    log "warmed up $server: $rounds round(s)"
  done
  local results=$WORK/results
  : > "$results"
  printf '%-4s %-13s %-8s | %9s %9s %9s %8s\n' rep workload server "accepted/s" "e2e/s" "cpu ms/m" "rss MiB"
  for rep in $(seq 1 "$REPS"); do
    for workload in "${WORKLOADS[@]}"; do
      if [ -n "${ONLY:-}" ] && [ "$ONLY" != "$workload" ]; then continue; fi
      # rotate the order of the servers, so that none is always first or last
      local order=("${SERVERS[@]:$((rep % 3))}" "${SERVERS[@]:0:$((rep % 3))}")
      for server in "${order[@]}"; do
        run_one "$server" "$workload" "$(count_of "$workload")"
        read -r accepted e2e cpu rss < "$WORK/run.out"
        printf '%-4s %-13s %-8s | %9s %9s %9s %8s\n' "$rep" "$workload" "$server" "$accepted" "$e2e" "$cpu" "$rss"
        echo "$rep $workload $server $accepted $e2e $cpu $rss" >> "$results"
      done
    done
  done
  echo
  echo "medians over $REPS repetitions of the per-repetition ratios to Postfix (min-max)"
  printf '%-13s %-8s | %-20s %-20s %-20s\n' workload store "accepted" "end-to-end" "cpu ms/m (postfix)"
  for workload in "${WORKLOADS[@]}"; do
    for store in artemis spool; do
      grep -q " $workload $store " "$results" || continue
      local accepted e2e cpu pcpu
      accepted=$(ratios "$results" "$workload" $store 4 | median_spread)
      e2e=$(ratios "$results" "$workload" $store 5 | median_spread)
      cpu=$(column "$results" "$workload" $store 6 | median_spread)
      pcpu=$(column "$results" "$workload" postfix 6 | median_spread)
      printf '%-13s %-8s | %-20s %-20s %s (%s)\n' "$workload" "$store" "$accepted" "$e2e" "$cpu" "$pcpu"
    done
  done
}
main "$@"
