#!/usr/bin/env bash
# The throughput benchmark: the suite's exported app, as it is shipped (its JVM options from
# smtp.app/jvm.options, its default stores), against a private Postfix on the same machine,
# through the same workloads, interleaved over several repetitions.
#
#   bench/run.sh                      # 3 repetitions of every workload, on a journaled ext4 image
#   REPS=5 bench/run.sh
#   FS=root bench/run.sh              # on the root file system instead
#   QUICK=1 bench/run.sh              # a quarter of the messages, for a try
#   ONLY="local-5k-50 latency-5k-50" bench/run.sh   # some workloads
#
# Workloads, each with a connection per message:
#   local-5k-50, local-5k-10, local-100k-50, local-100k-10: mail for a local mailbox, from 50
#     or 10 sessions (smtp-source); the suite writes it into the Maildir before its 250 (into
#     a file made ahead, forced to disk, renamed into new/), Postfix forces its queue file to
#     disk before its 250 and then hands the message to its discard transport;
#   gateway-5k-50, gateway-100k-50: mail for another domain, forwarded to a smarthost
#     (smtp-sink on loopback): the suite through its queue (the embedded Artemis broker),
#     Postfix through its queue and smtp(8) with relayhost;
#   latency-5k-50: as local-5k-50, from bench/SmtpLoad.java, which times every message from
#     the final dot to the 250 (p50, p99);
#   tls-5k-50: as latency-5k-50, with STARTTLS in every session, on a second port of each
#     server that offers it: the suite's binding with its self-signed certificate (EC P-256),
#     Postfix's smtpd with one of the same kind made by openssl; the client keeps one TLS
#     context for all its sessions, as a sending MTA keeps its session cache.
# Each repetition also sends the gateway workloads straight into the smarthost, with no server
# between ("none"): as every message a relay takes must go into that one smtp-sink process as
# well, this is the most that any relay can reach on the machine, shown as a ratio to Postfix
# in the summary's last column.
# Both servers keep their queues and mail on an ext4 file system with a journal (the default
# of mkfs.ext4, as production servers run) in an image that the script creates, loop-mounts
# (needs root) and removes again; FS=root keeps them on the root file system. Before every
# run the stored mail is removed and the smarthost restarted. Every server first takes each
# workload until its JIT compilers are done (they take at most 1% of a round's time); then,
# per repetition and workload, the suite and Postfix one after the other, in an order that
# alternates. Per run: accepted messages per second, end-to-end messages per second (until
# the last one is in the Maildir, at the smarthost, or out of Postfix's queue), CPU ms per
# message of the server's processes until then, their resident memory at the end of the run,
# and for the suite its peak resident memory during the run (the kernel's high-water mark,
# reset before the run through /proc/PID/clear_refs); then the medians of the per-repetition
# ratios to Postfix with their spread (min-max), the suite's peak memory during each
# workload's runs, and its peak since it started (with ONLY, under the selected workloads
# alone).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/bench/work/run
. bench/lib.sh

REPS=${REPS:-3}
SCALE=${QUICK:+1}
SCALE=${SCALE:-4}
SUITE_PORT=2525
POSTFIX_PORT=2526
SINK_PORT=2527
SUITE_TLS_PORT=2528
POSTFIX_TLS_PORT=2529
SERVERS=(suite postfix)
WORKLOADS=(local-5k-50 local-5k-10 local-100k-50 local-100k-10 gateway-5k-50 gateway-100k-50 latency-5k-50 tls-5k-50)
SUITE_JAVA_OPTS="@$ROOT/smtp.app/jvm.options ${SUITE_JAVA_OPTS:-}"

start_bench_suite() {
  local home=$WORK/suite
  rm -rf "$home"; mkdir -p "$home/conf"
  printf 'localDomains=["bench.test"]\nmailboxes=["sink@bench.test"]\nsmarthost="127.0.0.1:%s"\noutboundTls="none"\n' \
    $SINK_PORT > "$home/conf/smtp.delivery.config"
  printf 'address="127.0.0.1"\nport=I"%s"\ntlsMode="starttls"\n' $SUITE_TLS_PORT \
    > "$home/conf/smtp.server.binding-tls.config"
  start_suite "$home" $SUITE_PORT
  await_port $SUITE_TLS_PORT || { log "the suite's STARTTLS binding did not open"; exit 1; }
}

# Postfix: bench.test to the discard transport, every other domain to the smarthost; a second
# smtpd that offers STARTTLS with a self-signed certificate of the suite's kind
start_bench_postfix() {
  local tls=$WORK/postfix-tls
  mkdir -p "$tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=postfix.bench.test \
    -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null
  start_postfix "$WORK/postfix" $POSTFIX_PORT "relay_domains = bench.test
relay_transport = discard
relayhost = [127.0.0.1]:$SINK_PORT
smtp_tls_security_level = none
smtpd_tls_cert_file = $tls/cert.pem
smtpd_tls_key_file = $tls/key.pem" \
    "127.0.0.1:$POSTFIX_TLS_PORT inet n - n - - smtpd -o smtpd_tls_security_level=may"
  await_port $POSTFIX_TLS_PORT || { log "Postfix's STARTTLS smtpd did not open"; exit 1; }
}

stop_all() {
  stop_sink
  stop_suite
  stop_postfix "$WORK/postfix"
  sleep 1
  release_fs
}
trap stop_all EXIT

port_of() { # SERVER [WORKLOAD]
  case $1:${2:-} in
    suite:tls-*) echo $SUITE_TLS_PORT ;; postfix:tls-*) echo $POSTFIX_TLS_PORT ;;
    suite:*) echo $SUITE_PORT ;; postfix:*) echo $POSTFIX_PORT ;; none:*) echo $SINK_PORT ;;
  esac
}
measured() { case $1 in suite) echo "$SUITE_PID" ;; postfix) echo "$WORK/postfix" ;; none) echo "$SINK_PID" ;; esac; }
maildir() { echo "$WORK/suite/data/mail/bench.test/sink/new"; }
postfix_queued() { find "$WORK/postfix/queue/incoming" "$WORK/postfix/queue/active" "$WORK/postfix/queue/deferred" -type f 2>/dev/null | wc -l; }

# whether everything accepted in the run is where it goes
done_with() { # SERVER WORKLOAD COUNT
  case $1:$2 in
    *:gateway-* | none:*) [ "$(sink_count)" -ge "$3" ] ;;
    suite:*) [ "$(find "$(maildir)" -maxdepth 1 -type f | wc -l)" -ge "$3" ] ;;
    postfix:*) [ "$(postfix_queued)" -eq 0 ] ;;
  esac
}

clear_stored() {
  if [ -d "$(maildir)" ]; then find "$(maildir)" -type f -delete; fi
  start_sink $SINK_PORT "$WORK/sink.out"
}

# The kernel keeps one high-water mark of a process's resident memory (VmHWM), which
# /proc/PID/clear_refs resets: the suite's since start is the largest of those read before
# each reset and at the end.
SINCE_START_KIB=0
PEAK_KIB=0
read_suite_peak() { # PEAK_KIB: the suite's peak since the last reset
  PEAK_KIB=$(hwm_kib "$SUITE_PID")
  [ "$PEAK_KIB" -le "$SINCE_START_KIB" ] || SINCE_START_KIB=$PEAK_KIB
}
reset_suite_peak() {
  read_suite_peak
  echo 5 > /proc/"$SUITE_PID"/clear_refs
}

# one run: writes "accepted/s e2e/s cpu-ms-per-message rss-MiB p50-ms p99-ms peak-MiB" into $WORK/run.out
run_one() { # SERVER WORKLOAD
  local server=$1 workload=$2 size sessions rcpt=sink@bench.test
  IFS=- read -r kind kib sessions <<< "$workload"
  size=$(( ${kib%k} * 1024 ))
  [ "$kind" = gateway ] && rcpt=sink@relay.test
  local count=$((size > 5120 ? 500 * SCALE : 2500 * SCALE))
  clear_stored
  local who; who=$(measured "$server")
  local hz ticks0 ticks1 t0 t1 t2 rss p50=- p99=- peak=- refused=
  hz=$(getconf CLK_TCK)
  [ "$server" != suite ] || reset_suite_peak
  ticks0=$(cpu_ticks "$who"); t0=$(date +%s.%N)
  if [ "$kind" = latency ] || [ "$kind" = tls ]; then
    local line starttls=
    [ "$kind" = tls ] && starttls=starttls
    line=$(java "$ROOT/bench/SmtpLoad.java" 127.0.0.1 "$(port_of "$server" "$workload")" "$sessions" "$count" $size \
      per-message $rcpt $starttls)
    [[ $line == *" failures=0 "* ]] || { log "$server $workload: $line"; refused=1; }
    p50=$(grep -o 'p50=[0-9.]*' <<< "$line" | cut -d= -f2)
    p99=$(grep -o 'p99=[0-9.]*' <<< "$line" | cut -d= -f2)
  else
    smtp-source -s "$sessions" -m "$count" -l $size -f load@bench.test -t $rcpt -M load.bench.test \
      127.0.0.1:"$(port_of "$server")" || refused=1
  fi
  if [ -n "$refused" ]; then # smtp-source gives up at the first refusal: a run with one counts as no messages at all
    log "$server $workload: a message was refused; the run counts as 0"
    echo "0 0 0 0 - - -" > "$WORK/run.out"
    return
  fi
  t1=$(date +%s.%N)
  rss=$(rss_kib "$who")
  local deadline=$((SECONDS + 600))
  until done_with "$server" "$workload" "$count"; do
    [ $SECONDS -lt $deadline ] || { log "$server $workload: not done after 10 minutes"; break; }
    sleep 0.05
  done
  t2=$(date +%s.%N)
  ticks1=$(cpu_ticks "$who")
  if [ "$server" = suite ]; then read_suite_peak; peak=$((PEAK_KIB / 1024)); fi
  awk -v n="$count" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v c="$((ticks1 - ticks0))" -v hz="$hz" -v rss="$rss" \
    -v p50="$p50" -v p99="$p99" -v peak="$peak" \
    'BEGIN { printf "%.0f %.0f %.3f %.0f %s %s %s\n", n / (t1 - t0), n / (t2 - t0), c * 1000 / hz / n, rss / 1024, p50, p99, peak }' \
    > "$WORK/run.out"
}

selected() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }

main() {
  local name
  for name in ${ONLY:-}; do
    [[ " ${WORKLOADS[*]} " == *" $name "* ]] || { echo "ONLY: no workload $name; they are: ${WORKLOADS[*]}" >&2; exit 2; }
  done
  install_postfix
  build_app
  if mountpoint -q "$WORK"; then umount "$WORK"; fi # left by a run that was killed
  rm -rf "$WORK"; mkdir -p "$WORK"
  use_fs "$WORK" 8
  start_sink $SINK_PORT "$WORK/sink.out"
  start_bench_suite
  start_bench_postfix
  log "suite: java $SUITE_JAVA_OPTS"
  # every server first takes each selected workload (a latency workload: the local load it times);
  # the JVM goes on until its JIT compilers are done (they take at most 1% of a round's time; at
  # most 12 rounds), so that what is measured is the server as it runs for days, and its peak
  # memory since start is that of those loads alone
  local warmups=() workload load
  for workload in "${WORKLOADS[@]}"; do
    selected "$workload" || continue
    load=${workload/#latency-/local-}
    [[ " ${warmups[*]} " == *" $load "* ]] || warmups+=("$load")
  done
  for server in "${SERVERS[@]}"; do
    local rounds=0
    while :; do
      rounds=$((rounds + 1))
      for workload in "${warmups[@]}"; do
        run_one "$server" "$workload"
      done
      [ "$server" = postfix ] && break
      if jit_settled "$SUITE_PID" && [ $rounds -ge 2 ]; then break; fi
      [ $rounds -lt 12 ] || { log "suite: the JIT was still compiling after $rounds rounds"; break; }
    done
    if [ "$server" = suite ]; then
      read_suite_peak
      log "warmed up suite: $rounds round(s), its peak resident memory since start $((SINCE_START_KIB / 1024)) MiB"
    else
      log "warmed up $server: $rounds round(s)"
    fi
  done
  local results=$WORK/results
  : > "$results"
  printf '%-4s %-16s %-8s | %10s %9s %9s %8s %8s %8s %9s\n' rep workload server "accepted/s" "e2e/s" "cpu ms/m" \
    "rss MiB" "p50 ms" "p99 ms" "peak MiB"
  for rep in $(seq 1 "$REPS"); do
    for workload in "${WORKLOADS[@]}"; do
      selected "$workload" || continue
      local order=("${SERVERS[@]}")
      [ $((rep % 2)) -eq 0 ] && order=("${SERVERS[1]}" "${SERVERS[0]}")
      [[ $workload == gateway-* ]] && order+=(none)
      for server in "${order[@]}"; do
        run_one "$server" "$workload"
        read -r accepted e2e cpu rss p50 p99 peak < "$WORK/run.out"
        printf '%-4s %-16s %-8s | %10s %9s %9s %8s %8s %8s %9s\n' "$rep" "$workload" "$server" "$accepted" "$e2e" \
          "$cpu" "$rss" "$p50" "$p99" "$peak"
        echo "$rep $workload $server $accepted $e2e $cpu $rss $p50 $p99 $peak" >> "$results"
      done
    done
  done
  echo
  echo "medians over $REPS repetitions of the per-repetition ratios to Postfix (min-max)"
  printf '%-16s | %-20s %-20s %-20s %-20s %-20s %-20s %s\n' workload accepted end-to-end "cpu ms/m suite" \
    "cpu ms/m postfix" "p99 suite/postfix" "no server e2e" "peak MiB suite"
  for workload in "${WORKLOADS[@]}"; do
    grep -q " $workload suite " "$results" || continue
    local p99=-
    [[ $workload == latency-* || $workload == tls-* ]] && p99=$(ratios "$results" "$workload" suite 9 | median_spread)
    printf '%-16s | %-20s %-20s %-20s %-20s %-20s %-20s %s\n' "$workload" \
      "$(ratios "$results" "$workload" suite 4 | median_spread)" \
      "$(ratios "$results" "$workload" suite 5 | median_spread)" \
      "$(column "$results" "$workload" suite 6 | median_spread)" \
      "$(column "$results" "$workload" postfix 6 | median_spread)" "$p99" \
      "$(ratios "$results" "$workload" none 5 | median_spread)" \
      "$(column "$results" "$workload" suite 10 | grep -v '^-$' | median_spread 0)"
  done
  echo
  read_suite_peak
  echo "the suite's peak resident memory since it started: $((SINCE_START_KIB / 1024)) MiB"
}
main "$@"
