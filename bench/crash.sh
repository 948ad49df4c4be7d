#!/usr/bin/env bash
# Crash safety: SIGKILL under load 20 times, then SIGTERM, then checks that every
# message that got a 250 is in the mailbox byte-exact, none is half there, none twice.
# Runs three times: with local mail written straight into the Maildir (the default),
# and through the queue (directLocalDelivery=false) on each store: the embedded
# Artemis broker (the default store) and the file spool.
#   bench/crash.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f smtp.app/target/smtp.jar ] || mvn -B -q -DskipTests package
for mode in ${MODES:-direct artemis spool}; do
  echo "== $mode"
  java bench/CrashTest.java smtp.app/target/smtp.jar bench/work/crash-$mode "${1:-20}" $mode
done
