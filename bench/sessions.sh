#!/usr/bin/env bash
# 10,000 simultaneous sessions: each sends EHLO, all stay idle for 20 s, then each sends
# one message. The server runs with maxConnections=10000, so one more client while they
# are connected must get 421. Prints the server's RSS and threads while they are idle, and
# again once they closed. N=3000 bench/sessions.sh for fewer.
#   bench/sessions.sh                 # the server on the default java
#   SERVER_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java bench/sessions.sh
#   SERVER_OPTS="-Xmx256m" N=3000 bench/sessions.sh
# The client needs Java 21+ (virtual threads): CLIENT_JAVA, default Temurin 25 if present.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${N:-10000}
SERVER_JAVA=${SERVER_JAVA:-java}
SERVER_OPTS=${SERVER_OPTS:-} # JVM options of the server, e.g. "-Xmx256m"
CLIENT_JAVA=${CLIENT_JAVA:-$(ls -d /usr/lib/jvm/temurin-2[1-9]*/bin/java 2>/dev/null | tail -1)}
[ -n "$CLIENT_JAVA" ] || { echo "the client needs Java 21 or later: set CLIENT_JAVA" >&2; exit 1; }
[ -f smtp.app/target/smtp.jar ] || mvn -B -q -DskipTests package
ulimit -n "$(ulimit -Hn)"
home=$ROOT/bench/work/sessions
rm -rf "$home"; mkdir -p "$home/conf"
printf 'address="127.0.0.1"\nport=I"2533"\n' > "$home/conf/smtp.server.binding-many.config"
printf 'localDomains=["bench.test"]\nmailboxes=["sink@bench.test"]\n' > "$home/conf/smtp.delivery.config"
printf 'maxConnections=I"%s"\nmaxConnectionsPerClient=I"%s"\n' $N $N > "$home/conf/smtp.server.config"
(cd "$home" && exec "$SERVER_JAVA" $SERVER_OPTS -Dorg.osgi.service.http.port=0 -jar "$ROOT/smtp.app/target/smtp.jar" > app.log 2>&1 < /dev/null) &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do (echo > /dev/tcp/127.0.0.1/2533) 2>/dev/null && break; sleep 0.1; done
echo "server: $("$SERVER_JAVA" -version 2>&1 | head -1) ${SERVER_OPTS}, RSS at rest $(awk '/^VmRSS/ {print int($2/1024)}' /proc/$pid/status) MiB"
rm -f "$home/ready"
"$CLIENT_JAVA" bench/ManySessions.java 2533 $N 20 "$home/ready" &
client=$!
while [ ! -f "$home/ready" ] && kill -0 $client 2>/dev/null; do sleep 0.5; done
sleep 5
echo "server with $N idle sessions: RSS $(awk '/^VmRSS/ {print int($2/1024)}' /proc/$pid/status) MiB, threads $(ls /proc/$pid/task | wc -l)"
wait $client
sleep 15 # idle session threads of the pool (Java 17) end after 10 s
echo "server after the sessions closed: RSS $(awk '/^VmRSS/ {print int($2/1024)}' /proc/$pid/status) MiB, threads $(ls /proc/$pid/task | wc -l)"
