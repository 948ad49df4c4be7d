#!/usr/bin/env bash
# Password guessing: C clients (default 50) guess passwords with AUTH PLAIN over a binding
# that allows AUTH without TLS on loopback, for S seconds (default 30), and the server's
# CPU time over that span is printed, with how the attempts were answered. A check is a
# PBKDF2 hash of 310,000 iterations: without the delay before it, the per-address turn and
# the cap on checks at once, every wrong password costs the server that hash.
#   bench/auth.sh            C=50 S=30 bench/auth.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
C=${C:-50}
S=${S:-30}
. bench/lib.sh
[ -f smtp.app/target/smtp.jar ] || mvn -B -q -DskipTests package
home=$ROOT/bench/work/auth
rm -rf "$home"; mkdir -p "$home/conf"
hash=$(python3 -c 'import hashlib,os,base64; s=os.urandom(16); print("$pbkdf2-sha256$310000$"+base64.b64encode(s).decode()+"$"+base64.b64encode(hashlib.pbkdf2_hmac("sha256",b"right",s,310000)).decode())')
echo "alice:$hash" > "$home/users"
printf 'file="%s"\n' "$home/users" > "$home/conf/smtp.auth.users.config"
printf 'address="127.0.0.1"\nport=I"2534"\nauthWithoutTls=B"true"\n' > "$home/conf/smtp.server.binding-auth.config"
printf 'localDomains=["bench.test"]\n' > "$home/conf/smtp.delivery.config"
printf 'maxConnectionsPerClient=I"%s"\n' $((C + 10)) > "$home/conf/smtp.server.config"
(cd "$home" && exec java -Dorg.osgi.service.http.port=0 -jar "$ROOT/smtp.app/target/smtp.jar" > app.log 2>&1 < /dev/null) &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
await_port 2534 || { log "the server did not start"; exit 1; }
sleep 5 # the rest of the app settles
before=$(cpu_ticks $pid)
python3 - "$C" "$S" <<'PY'
import base64, collections, smtplib, sys, threading, time
clients, seconds = int(sys.argv[1]), float(sys.argv[2])
end = time.monotonic() + seconds
answers = collections.Counter()
lock = threading.Lock()
def guess(n):
    while time.monotonic() < end:
        try:
            with smtplib.SMTP('127.0.0.1', 2534, timeout=seconds + 60) as s:
                s.ehlo('guess.test')
                while time.monotonic() < end:
                    token = base64.b64encode(b'\0alice\0wrong%d' % n).decode()
                    code, _ = s.docmd('AUTH', 'PLAIN ' + token)
                    with lock:
                        answers[code] += 1
                    if code == 421:
                        break
        except (smtplib.SMTPException, OSError):
            with lock:
                answers['closed'] += 1
threads = [threading.Thread(target=guess, args=(n,)) for n in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
print('answers: ' + ', '.join('%s x%d' % (k, v) for k, v in sorted(answers.items(), key=str)))
PY
after=$(cpu_ticks $pid)
ticks=$(getconf CLK_TCK)
awk -v b="$before" -v a="$after" -v t="$ticks" -v s="$S" -v c="$C" \
  'BEGIN { cpu = (a - b) / t; printf "%d clients guessing for %d s: server CPU %.1f s, %.0f%% of a core\n", c, s, cpu, 100 * cpu / s }'
