#!/usr/bin/env bash
# Two builds of the app against each other, to tell whether a change makes the suite faster:
# the app's jar before the change and after it, each restarted in turn on the same machine.
#
#   cp smtp.app/target/smtp.jar /tmp/before.jar     # then change, build, and:
#   bench/compare.sh /tmp/before.jar smtp.app/target/smtp.jar
#   SESSIONS=50 ROUNDS=6 bench/compare.sh before.jar after.jar
#   FS=root bench/compare.sh before.jar after.jar   # on the root file system
#   AFTER_OPTS=-XX:-DoEscapeAnalysis bench/compare.sh smtp.app/target/smtp.jar smtp.app/target/smtp.jar
#                                                   # a JVM option: the same jar, with it and without
#   STARTTLS=1 bench/compare.sh before.jar after.jar  # every session over TLS (STARTTLS)
#
# Both run as bench/run.sh runs the suite (smtp.app/jvm.options, then BEFORE_OPTS or AFTER_OPTS;
# the same loop-mounted ext4 image with a journal), taking 5 KiB mail for a local mailbox from
# SESSIONS sessions of smtp-source, a connection per message (with STARTTLS=1, from
# bench/SmtpLoad.java, which says STARTTLS in every session; the binding offers it with the
# app's self-signed certificate). Per round, each jar in turn (the order alternates from round
# to round): a fresh start, a warm-up of 3 × 5,000 messages, then RUNS runs of COUNT messages,
# the stored mail removed before every run. Prints every run (messages a second, CPU ms per
# message of the suite's JVM), then per jar the median of all its runs with their spread, and
# the median of the per-round ratios after/before of the jars' medians.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/bench/work/compare
. bench/lib.sh

[ $# -eq 2 ] || { echo "usage: bench/compare.sh BEFORE.jar AFTER.jar" >&2; exit 2; }
declare -A JAR=([before]=$(realpath "$1") [after]=$(realpath "$2"))
declare -A OPTS=([before]=${BEFORE_OPTS:-} [after]=${AFTER_OPTS:-})
ROUNDS=${ROUNDS:-4}
RUNS=${RUNS:-3}
SESSIONS=${SESSIONS:-10}
COUNT=${COUNT:-30000}
SUITE_PORT=2525
SUITE_JAVA_OPTS="@$ROOT/smtp.app/jvm.options ${SUITE_JAVA_OPTS:-}"
maildir=$WORK/suite/data/mail/bench.test/sink/new

STARTTLS=${STARTTLS:-}
[ -z "$STARTTLS" ] || export SUITE_BINDING='tlsMode="starttls"\ntlsProfile="default"\n'
send() { # MESSAGES
  if [ -n "$STARTTLS" ]; then
    java "$ROOT/bench/SmtpLoad.java" 127.0.0.1 $SUITE_PORT "$SESSIONS" "$1" 5120 per-message sink@bench.test starttls \
      > /dev/null
  else
    smtp-source -s "$SESSIONS" -m "$1" -l 5120 -f load@bench.test -t sink@bench.test -M load.bench.test \
      127.0.0.1:$SUITE_PORT
  fi
}
clear_stored() {
  if [ -d "$maildir" ]; then find "$maildir" -type f -delete; fi
  sync
}

trap 'stop_suite; release_fs' EXIT
install_postfix
if mountpoint -q "$WORK"; then umount "$WORK"; fi # left by a run that was killed
rm -rf "$WORK"; mkdir -p "$WORK"
use_fs "$WORK" 8
results=$WORK/results
: > "$results"
hz=$(getconf CLK_TCK)
for jar in before after; do log "$jar: ${JAR[$jar]} ${OPTS[$jar]}"; done
printf '%-5s %-6s | %10s %9s\n' round jar "messages/s" "cpu ms/m"
for round in $(seq 1 "$ROUNDS"); do
  order=(before after)
  [ $((round % 2)) -eq 0 ] && order=(after before)
  for jar in "${order[@]}"; do
    rm -rf "$WORK/suite"; mkdir -p "$WORK/suite/conf"
    printf 'localDomains=["bench.test"]\nmailboxes=["sink@bench.test"]\n' > "$WORK/suite/conf/smtp.delivery.config"
    SUITE_JAR=${JAR[$jar]} SUITE_JAVA_OPTS="$SUITE_JAVA_OPTS ${OPTS[$jar]}" start_suite "$WORK/suite" $SUITE_PORT
    for _ in 1 2 3; do send 5000; clear_stored; done
    for _ in $(seq 1 "$RUNS"); do
      ticks0=$(cpu_ticks "$SUITE_PID"); t0=$(date +%s.%N)
      send "$COUNT"
      t1=$(date +%s.%N); ticks1=$(cpu_ticks "$SUITE_PID")
      stored=$(find "$maildir" -maxdepth 1 -type f | wc -l)
      [ "$stored" -eq "$COUNT" ] || { log "$jar: $stored messages stored of $COUNT"; exit 1; }
      read -r rate cpu < <(awk -v n="$COUNT" -v t0="$t0" -v t1="$t1" -v c=$((ticks1 - ticks0)) -v hz="$hz" \
        'BEGIN { printf "%.0f %.3f\n", n / (t1 - t0), c * 1000 / hz / n }')
      printf '%-5s %-6s | %10s %9s\n' "$round" "$jar" "$rate" "$cpu"
      echo "$round $jar $rate $cpu" >> "$results"
      clear_stored
    done
    stop_suite
  done
done
echo
echo "$SESSIONS sessions, $ROUNDS rounds of $RUNS runs of $COUNT messages per jar: median (min-max)"
for jar in before after; do
  printf '%-6s | %s messages/s, %s ms of CPU per message\n' "$jar" \
    "$(awk -v j=$jar '$2 == j { print $3 }' "$results" | median_spread)" \
    "$(awk -v j=$jar '$2 == j { print $4 }' "$results" | median_spread)"
done
# per round, the median of each jar's runs, and their ratio
ratio=$(for round in $(seq 1 "$ROUNDS"); do
  b=$(awk -v r="$round" '$1 == r && $2 == "before" { print $3 }' "$results" | median_spread | cut -d' ' -f1)
  a=$(awk -v r="$round" '$1 == r && $2 == "after" { print $3 }' "$results" | median_spread | cut -d' ' -f1)
  awk -v a="$a" -v b="$b" 'BEGIN { print a / b }'
done | median_spread)
echo "after/before, per round: $ratio"
