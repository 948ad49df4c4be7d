#!/usr/bin/env bash
# Start-up: the time from `java -jar` to the first SMTP greeting, with the app's own
# conf/ (STARTTLS binding moved to port 2531, the implicit TLS one to 2532) and its JVM
# options (smtp.app/jvm.options, then STARTUP_JAVA_OPTS), five times, the first with no
# data/ (the self-signed certificate is made then). Per start: the time to the first 220, the
# JVM's CPU time until then and its compiled code then (jcmd Compiler.codecache).
#   bench/startup.sh
#   STARTUP_JAVA_OPTS=-XX:-TieredCompilation bench/startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
[ -f smtp.app/target/smtp.jar ] || mvn -B -q -DskipTests package
home=$ROOT/bench/work/startup
rm -rf "$home"; mkdir -p "$home"
cp -r smtp.app/conf "$home/conf"
sed -i 's/^port=I"25"/port=I"2531"/' "$home/conf/smtp.server.binding-smtp.config"
sed -i 's/^port=I"465"/port=I"2532"/' "$home/conf/smtp.server.binding-submissions.config"
for run in 1 2 3 4 5; do
  start=$(date +%s%N)
  (cd "$home" && exec java @"$ROOT/smtp.app/jvm.options" ${STARTUP_JAVA_OPTS:-} -Dorg.osgi.service.http.port=0 -jar "$ROOT/smtp.app/target/smtp.jar" > app.log 2>&1 < /dev/null) &
  pid=$!
  greeted=
  for _ in $(seq 1 1500); do
    if greeting=$(timeout 1 bash -c 'exec 3<>/dev/tcp/127.0.0.1/2531; head -c 3 <&3' 2>/dev/null) && [ "$greeting" = 220 ]; then
      greeted=$(( ($(date +%s%N) - start) / 1000000 )); break
    fi
    sleep 0.02
  done
  # what the JVM spent until then (user and system CPU) and the compiled code it holds then
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($14 + $15) * 1000 / hz}' /proc/$pid/stat)
  code=$(jcmd $pid Compiler.codecache 2>/dev/null | grep -o 'used=[0-9]*Kb' | head -1 | tr -dc 0-9)
  echo "run $run: first 220 after ${greeted:-never} ms; CPU ${cpu} ms, compiled code ${code:-?} KiB"
  kill $pid; wait $pid 2>/dev/null || true
done
