#!/usr/bin/env bash
# Crash safety: SIGKILL under load 20 times, then SIGTERM, then checks that every
# message that got a 250 is in the mailbox byte-exact, none is half there, none twice.
#   bench/crash.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f smtp.app/target/smtp.jar ] || mvn -B -q -DskipTests package
exec java bench/CrashTest.java smtp.app/target/smtp.jar bench/work/crash "${1:-20}"
