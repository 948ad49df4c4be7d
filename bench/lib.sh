# Shared by the benchmark scripts: installing Postfix (for its smtpd, smtp-source and
# smtp-sink), building the app, starting the suite and private Postfix instances,
# measuring processes, and summing up repetitions. Sourced, not run.

log() { printf '%s\n' "$*" >&2; }

install_postfix() {
  command -v smtp-source >/dev/null && command -v smtp-sink >/dev/null && command -v postfix >/dev/null && return
  log "installing postfix (no daemon is started)"
  local policy=/usr/sbin/policy-rc.d created=
  if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' > $policy; chmod 755 $policy; created=1; fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postfix >/dev/null
  if [ -n "$created" ]; then rm -f $policy; fi
}

build_app() {
  [ -f "$ROOT/smtp.app/target/smtp.jar" ] && return
  log "building the app"
  (cd "$ROOT" && mvn -B -q -DskipTests package)
}

await_port() {
  for _ in $(seq 1 600); do
    (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# ---- the suite: the exported app in a folder of its own; extra conf files are written by the caller
SUITE_PID=
# start_suite HOME PORT: conf/ must be in place; binds PORT on 127.0.0.1; SUITE_JAR: another build of the app;
# SUITE_BINDING: more lines for the binding's configuration
start_suite() {
  local home=$1 port=$2
  printf 'address="127.0.0.1"\nport=I"%s"\n%b' "$port" "${SUITE_BINDING:-}" > "$home/conf/smtp.server.binding-bench.config"
  printf 'maxConnections=I"2000"\nmaxConnectionsPerClient=I"2000"\nmaxMessagesPerConnection=I"100000"\n' \
    > "$home/conf/smtp.server.config"
  (cd "$home" && exec java ${SUITE_JAVA_OPTS:-} -Dorg.osgi.service.http.port=0 -jar "${SUITE_JAR:-$ROOT/smtp.app/target/smtp.jar}" \
      > "$home/app.log" 2>&1 < /dev/null) &
  SUITE_PID=$!
  await_port "$port" || { tail -20 "$home/app.log" >&2; exit 1; }
  # the listener may open before delivery is up: wait until a recipient is taken
  for _ in $(seq 1 300); do
    exec 3<>/dev/tcp/127.0.0.1/"$port"
    printf 'EHLO probe.bench.test\r\nMAIL FROM:<probe@bench.test>\r\nRCPT TO:<sink@bench.test>\r\nQUIT\r\n' >&3
    if timeout 5 cat <&3 | grep -q '^250 2.1.5'; then exec 3>&-; return; fi
    exec 3>&-
    sleep 0.2
  done
  log "the suite did not take mail"; exit 1
}

stop_suite() {
  if [ -n "$SUITE_PID" ]; then kill "$SUITE_PID" 2>/dev/null || true; wait "$SUITE_PID" 2>/dev/null || true; fi
  SUITE_PID=
}

# ---- Postfix: a private instance (own configuration, queue and port on loopback)
# start_postfix DIR PORT [extra main.cf lines] [extra master.cf lines]
start_postfix() {
  local dir=$1 port=$2 extra=${3:-} services=${4:-}
  local etc=$dir/etc
  rm -rf "$dir"; mkdir -p "$etc" "$dir/queue" "$dir/data"
  chown postfix "$dir/data"
  cat > "$etc/main.cf" <<MAIN
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
myhostname = postfix.bench.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
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
maillog_file_prefixes = $dir
maillog_file = $dir/maillog
$extra
MAIN
  cat > "$etc/master.cf" <<MASTER
127.0.0.1:$port inet n - n - - smtpd
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
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
virtual   unix - n n - - virtual
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
tlsmgr    unix - - n 1000? 1 tlsmgr
$services
MASTER
  # (postfix prints its fatal errors only to a terminal: script(1) gives it one)
  script -qec "postfix -c $etc check" /dev/null >&2
  script -qec "postfix -c $etc start" /dev/null >/dev/null
  await_port "$port" || { log "postfix did not start:"; tail -20 "$dir/maillog" >&2; exit 1; }
}

stop_postfix() { # DIR
  [ -f "$1/etc/main.cf" ] && postfix -c "$1/etc" stop >/dev/null 2>&1 || true
}

# ---- the smarthost: Postfix's smtp-sink on loopback, which takes every message and keeps none
SINK_PID=
SINK_OUT=
start_sink() { # PORT OUTPUT_FILE [SMTP_SINK_OPTION...]: a fresh sink, its message count from zero
  stop_sink
  SINK_OUT=$2
  : > "$SINK_OUT"
  smtp-sink -c -u nobody "${@:3}" 127.0.0.1:"$1" 1024 > "$SINK_OUT" 2>&1 &
  SINK_PID=$!
  await_port "$1" || { log "smtp-sink did not start"; exit 1; }
}
stop_sink() {
  if [ -n "$SINK_PID" ]; then kill "$SINK_PID" 2>/dev/null || true; wait "$SINK_PID" 2>/dev/null || true; fi
  SINK_PID=
}
sink_count() { # messages the smarthost took since it started
  local count; count=$(tr '\r' '\n' < "$SINK_OUT" | grep -ao 'mesg=[0-9]*' | tail -1 | cut -d= -f2)
  echo "${count:-0}"
}

# ---- measurements
# pids: a process id as it is (the suite's JVM), or every process of the Postfix instance in DIR
pids_of() { # PID | DIR
  case $1 in *[!0-9]*) ;; *) echo "$1"; return ;; esac
  local master; master=$(tr -d ' ' < "$1/queue/pid/master.pid" 2>/dev/null)
  [ -n "$master" ] && { echo "$master"; pgrep -P "$master" || true; }
}
cpu_ticks() { # user+system ticks of the processes (children that exited included)
  local total=0
  for pid in $(pids_of "$1"); do
    [ -r /proc/$pid/stat ] || continue
    read -r -a f < <(sed 's/^.*) //' /proc/$pid/stat 2>/dev/null)
    total=$((total + f[11] + f[12] + f[13] + f[14]))
  done
  echo $total
}
rss_kib() {
  local total=0
  for pid in $(pids_of "$1"); do
    local kib; kib=$(awk '/^VmRSS/ {print $2}' /proc/"$pid"/status 2>/dev/null || true)
    total=$((total + ${kib:-0}))
  done
  echo $total
}

hwm_kib() { # the peak resident memory of one process since it started
  awk '/^VmHWM/ {print $2}' /proc/"$1"/status 2>/dev/null || echo 0
}

# median and spread of numbers on stdin: "median (min-max)"
median_spread() { # [DECIMALS, 2 unless given]
  sort -g | awk -v d="${1:-2}" '{ v[NR] = $1 } END {
    if (NR == 0) { print "-"; exit }
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    f = "%." d "f"
    printf f " (" f "-" f ")", m, v[1], v[NR] }'
}

# ratios RESULTS WORKLOAD SERVER COLUMN: for each repetition, SERVER's value in COLUMN divided by
# Postfix's in the same repetition (RESULTS: lines "rep workload server value...")
ratios() {
  awk -v w="$2" -v s="$3" -v c="$4" '$2 == w { v[$1 " " $3] = $c } END {
    for (k in v) { split(k, a, " "); if (a[2] == s && v[a[1] " postfix"] > 0) print v[k] / v[a[1] " postfix"] } }' "$1"
}
column() { # RESULTS WORKLOAD SERVER COLUMN: the values of one server
  awk -v w="$2" -v s="$3" -v c="$4" '$2 == w && $3 == s { print $c }' "$1"
}

# ---- where the servers keep their mail: FS=image (default) puts the work directory on an
# ext4 file system with a journal, as production servers run, in an image file that is
# created, loop-mounted and removed again; FS=root keeps it on the root file system.
FS_IMAGE=
FS_MOUNT=
# use_fs WORK IMAGE_GIB: makes WORK (a new, empty directory) the mount point of the image
use_fs() {
  local work=$1 size=${2:-8}
  if [ "${FS:-image}" = root ]; then
    log "file system: the root file system ($(findmnt -no FSTYPE,OPTIONS / | cut -c1-60))"
    return
  fi
  FS_IMAGE=$work.img
  rm -f "$FS_IMAGE"
  truncate -s "${size}G" "$FS_IMAGE"
  mkfs.ext4 -q -F "$FS_IMAGE"
  mount -o loop "$FS_IMAGE" "$work"
  FS_MOUNT=$work
  log "file system: ext4 with a journal in a ${size} GiB image, mounted on $work ($(findmnt -no OPTIONS "$work"))"
}
release_fs() {
  if [ -n "$FS_MOUNT" ]; then umount "$FS_MOUNT" 2>/dev/null || umount -l "$FS_MOUNT" || true; FS_MOUNT=; fi
  if [ -n "$FS_IMAGE" ]; then rm -f "$FS_IMAGE"; FS_IMAGE=; fi
}

# ---- warming up a JVM: its JIT compilers have a lot of code to compile (the framework, the
# broker, the server), and on two cores they take tens of thousands of messages to catch up,
# during which hot code runs interpreted. Code seldom run (timers, the broker's paging, the
# framework's scanners) goes on reaching the compile thresholds for as long as the JVM runs, so
# the number of new compilations never comes to zero; what matters is the time the compilers
# take from the load. jit_settled PID tells whether, since the last call, the JVM's compilers
# took at most JIT_SHARE per cent (1 unless set) of the time that passed.
declare -A JIT_TIME=() JIT_AT=()
jit_settled() { # PID
  local time at; time=$(jstat -compiler "$1" 2>/dev/null | awk 'NR == 2 { print $4 }'); at=$(date +%s.%N)
  local last=${JIT_TIME[$1]:-} since=${JIT_AT[$1]:-}
  JIT_TIME[$1]=$time; JIT_AT[$1]=$at
  [ -n "$time" ] && [ -n "$last" ] || return 1
  local spent took; read -r spent took < <(awk -v c="$time" -v l="$last" -v t="$at" -v s="$since" \
    'BEGIN { printf "%.2f %.0f\n", c - l, t - s }')
  log "JIT of $1: $spent s compiling in $took s"
  awk -v spent="$spent" -v took="$took" -v share="${JIT_SHARE:-1}" 'BEGIN { exit !(spent * 100 <= share * took) }'
}
