# shellcheck shell=bash disable=SC2034  # globals the sourcing scripts use
# Shared by the bench scripts (run.sh, many_clients.sh, idle_clients.sh, latency_1client.sh,
# floor/floor.sh, profile.sh; sourced, not run): a throwaway PostgreSQL, Sluice and PgBouncer
# on free loopback ports, teardown on exit, and the helpers the reports need. The sourcing
# script sets ME (the message prefix) and KEEP (1: keep the temporary folder) first, may set
# PG_MAX_CONNECTIONS, and may define cleanup_hook (run at exit, before the proxies stop).
#
# Everything listens on 127.0.0.1 only. Knobs honoured here: PG_BIN, SLUICE_BIN,
# PGBOUNCER_BIN, PG_MAX_CONNECTIONS (passed on to scripts/pg-throwaway.sh).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

say() { echo "$ME: $*" >&2; }
die() { echo "$ME: error: $*" >&2; exit 1; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

NPROC="$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
# Sluice's own default worker count (proxy.workers = 0): one per two cores, at least one.
SLUICE_DEFAULT_WORKERS=$(( NPROC / 2 > 0 ? NPROC / 2 : 1 ))
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
SLUICE_BIN="${SLUICE_BIN:-$ROOT/build/sluice}"
PGBOUNCER_BIN="${PGBOUNCER_BIN:-/usr/sbin/pgbouncer}"
PGBENCH="$PG_BIN/pgbench"
PSQL="$PG_BIN/psql"
THROWAWAY="$ROOT/scripts/pg-throwaway.sh"
CLK_TCK="$(getconf CLK_TCK)"
export PGPASSWORD=postgres  # the throwaway server's superuser password

check_prereqs() {
  [ -x "$PGBENCH" ] || die "$PGBENCH not found: run scripts/install-deps.sh (or set PG_BIN)"
  [ -x "$PSQL" ] || die "$PSQL not found: run scripts/install-deps.sh (or set PG_BIN)"
  [ -x "$THROWAWAY" ] || die "$THROWAWAY is missing or not executable"
  [ -x "$SLUICE_BIN" ] || die "$SLUICE_BIN not found: build it first (make build)"
  [ -x "$PGBOUNCER_BIN" ] || die "$PGBOUNCER_BIN not found: run scripts/install-deps.sh (or set PGBOUNCER_BIN)"
  command -v ss >/dev/null || die "ss (iproute2) not found"
}

# Raises the open-files limit to at least $1 (soft and hard; root may raise the hard limit up
# to fs.nr_open). Inherited by everything started afterwards. Fails when it cannot.
raise_nofile() {
  local want="$1" cur hard
  cur="$(ulimit -Sn)"
  [ "$cur" = unlimited ] && return 0
  [ "$cur" -ge "$want" ] && return 0
  hard="$(ulimit -Hn)"
  if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
    ulimit -Hn "$want" 2>/dev/null || die "open-files limit: need $want, the hard limit is $hard and cannot be raised (run as root, or lower the client count)"
  fi
  ulimit -Sn "$want" 2>/dev/null || die "could not raise the open-files limit to $want"
}

# --- temporary folder and teardown ------------------------------------------------------
WORK="$(mktemp -d -t "sluice-$ME.XXXXXX")"
chmod 711 "$WORK"  # the postgres user (PostgreSQL, PgBouncer) must reach its subfolders
SLUICE_PID=""
PGB_PID=""
EXTRA_PIDS=()  # other processes of ours to stop at exit (clients)

stop_pid() {  # $1 = pid, $2 = signal; waits up to 10 s, then SIGKILL
  local pid="$1" sig="$2" i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill "-$sig" "$pid" 2>/dev/null || true
  for (( i = 0; i < 100; i++ )); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${EXTRA_PIDS[@]}"; do stop_pid "$pid" TERM; done
  # The sourcing script's own processes (bench/run.sh: its second Sluice).
  if declare -F cleanup_hook >/dev/null; then cleanup_hook; fi
  stop_pid "$SLUICE_PID" INT
  stop_pid "$PGB_PID" TERM
  "$THROWAWAY" stop "$WORK/pg" 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then
    say "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

log_tail() {  # $1 = file, $2 = title, $3 = lines (default 25)
  if [ -s "$1" ]; then
    echo "$ME: ---- last lines of $2 ($1) ----" >&2
    tail -n "${3:-25}" "$1" >&2
    echo "$ME: ----" >&2
  fi
}

free_port() { "$THROWAWAY" free-port; }
listening() { [ -n "$(ss -Hltn "( sport = :$1 )" 2>/dev/null)" ]; }

wait_listen() {  # $1 = port, $2 = pid, $3 = name, $4 = log; up to 15 s
  local i
  for (( i = 0; i < 150; i++ )); do
    listening "$1" && return 0
    kill -0 "$2" 2>/dev/null || { log_tail "$4" "$3 log"; die "$3 exited during start-up"; }
    sleep 0.1
  done
  log_tail "$4" "$3 log"
  die "$3 did not listen on 127.0.0.1:$1 within 15 s"
}

# utime + stime of the whole process (all threads), in clock ticks.
cpu_ticks() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo ""; return 0; }
  stat="${stat##*) }"  # the command name may hold spaces; fields after it are fixed
  # shellcheck disable=SC2086
  set -- $stat
  echo $(( ${12} + ${13} ))
}

status_kib() {  # $1 = pid, $2 = field of /proc/<pid>/status (VmRSS, VmHWM, ...), in KiB
  awk -v f="$2:" '$1 == f {print $2; exit}' "/proc/$1/status" 2>/dev/null || true
}

# --- PostgreSQL -------------------------------------------------------------------------
PGPORT=""
PG_VERSION=""
start_pg() {  # $1 = pgbench scale (0: no pgbench -i)
  say "temporary folder $WORK"
  say "starting PostgreSQL (max_connections ${PG_MAX_CONNECTIONS:-400})"
  local out
  out="$(PG_MAX_CONNECTIONS="${PG_MAX_CONNECTIONS:-400}" "$THROWAWAY" start "$WORK/pg")" || die "could not start PostgreSQL (see above)"
  PGPORT="${out#PGPORT=}"
  is_uint "$PGPORT" || die "unexpected output from pg-throwaway.sh: $out"
  PG_VERSION="$("$PG_BIN/postgres" --version | awk '{print $3}')"
  if [ "$1" -gt 0 ]; then
    say "pgbench -i -s $1 (direct, port $PGPORT)"
    if ! "$PGBENCH" -h 127.0.0.1 -p "$PGPORT" -U postgres -i -s "$1" -q postgres >"$WORK/init.log" 2>&1; then
      log_tail "$WORK/init.log" "pgbench -i"
      die "pgbench -i failed"
    fi
  fi
}

# --- Sluice (observation on unless the arguments say otherwise) -------------------------
SLUICE_PORT=""
start_sluice() {  # $1 = pool size, $2 = workers, $3... = extra arguments
  local pool="$1" workers="$2"
  shift 2
  SLUICE_PORT="$(free_port)"
  "$SLUICE_BIN" proxy --listen "127.0.0.1:$SLUICE_PORT" \
    --target "postgres://postgres:postgres@127.0.0.1:$PGPORT/postgres" \
    --pool-mode transaction --pool-size "$pool" --workers "$workers" \
    "$@" >>"$WORK/sluice.log" 2>&1 &
  SLUICE_PID=$!
  wait_listen "$SLUICE_PORT" "$SLUICE_PID" sluice "$WORK/sluice.log"
}
stop_sluice() { stop_pid "$SLUICE_PID" INT; SLUICE_PID=""; }

# --- PgBouncer --------------------------------------------------------------------------
PGB_PORT=""
PGB_VERSION="$("$PGBOUNCER_BIN" --version 2>/dev/null | awk 'NR==1{print $2}' || true)"
# PGB_EXTRA_INI: more lines for the [pgbouncer] section.
start_pgbouncer() {  # $1 = pool size, $2 = max_client_conn, $3 = auth_type (default scram-sha-256)
  local d="$WORK/pgbouncer"
  mkdir -p "$d"
  PGB_PORT="$(free_port)"
  printf '"postgres" "postgres"\n' >"$d/userlist.txt"
  chmod 600 "$d/userlist.txt"
  cat >"$d/pgbouncer.ini" <<EOF
[databases]
postgres = host=127.0.0.1 port=$PGPORT dbname=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = ${3:-scram-sha-256}
auth_file = $d/userlist.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = $1
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = $2
max_db_connections = 0
ignore_startup_parameters = extra_float_digits
logfile = $d/pgbouncer.log
pidfile = $d/pgbouncer.pid
log_connections = 0
log_disconnections = 0
stats_period = 600
${PGB_EXTRA_INI:-}
EOF
  local user_flag=()
  if [ "$(id -u)" -eq 0 ]; then
    # PgBouncer refuses to run as root: it switches to the postgres user itself.
    chown -R postgres: "$d"
    user_flag=(-u postgres)
  fi
  rm -f "$d/pgbouncer.pid"
  "$PGBOUNCER_BIN" "${user_flag[@]}" "$d/pgbouncer.ini" >>"$WORK/pgbouncer.out" 2>&1 &
  PGB_PID=$!
  wait_listen "$PGB_PORT" "$PGB_PID" pgbouncer "$d/pgbouncer.log"
}
stop_pgbouncer() { stop_pid "$PGB_PID" TERM; PGB_PID=""; }

smoke() {  # $1 = name, $2 = port, $3 = log; a login and one query
  local out
  if ! out="$("$PSQL" -X -h 127.0.0.1 -p "$2" -U postgres -d postgres -Atc 'select 1' 2>&1)" || [ "$out" != 1 ]; then
    echo "$out" | tail -n 5 >&2
    log_tail "$3" "$1 log"
    die "$1 on port $2 does not answer a simple query"
  fi
}

# --- numbers ----------------------------------------------------------------------------
# Nearest-rank percentiles of the numbers on stdin (one per line, any order):
# prints "n p50 p99 min max" (each "-" when there are none). $@ = the percentiles wanted
# instead of 50 99, e.g. `percentiles 1 50`.
percentiles() {
  local ps="${*:-50 99}"
  sort -g | awk -v ps="$ps" '
    { v[NR] = $1 }
    END {
      k = split(ps, p, " ")
      printf "%d", NR
      for (j = 1; j <= k; j++) {
        if (NR == 0) { printf " -"; continue }
        i = int(NR * p[j] / 100); if (i < NR * p[j] / 100) i++; if (i < 1) i = 1
        printf " %s", v[i]
      }
      if (NR == 0) print " - -"; else printf " %s %s\n", v[1], v[NR]
    }'
}

# Median of the numeric values on stdin ("-" when there are none).
median() {
  awk '$1 ~ /^-?[0-9.]+$/ {print $1}' | sort -g | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "-"; exit }
      if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
      print m
    }'
}

fmt() {  # $1 value, $2 printf format; "-" stays "-"
  # shellcheck disable=SC2059  # the format is ours
  if [ -z "$1" ] || [ "$1" = - ]; then echo "-"; else printf "$2" "$1"; fi
}

# --- the report header ------------------------------------------------------------------
report_path() {  # $1 = name; sets REPORT, STAMP, HOST
  HOST="$(hostname -s 2>/dev/null || cat /proc/sys/kernel/hostname)"
  HOST="${HOST//[^A-Za-z0-9._-]/_}"
  STAMP="$(date +%Y-%m-%d-%H%M)"
  mkdir -p "$1"
  REPORT="$1/$STAMP-$2-$HOST.md"
}
machine_lines() {  # the lines every report starts with
  local cpu_model mem_gib rev
  cpu_model="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  [ -n "$cpu_model" ] || cpu_model="$(uname -m)"
  mem_gib="$(awk '/^MemTotal:/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)"
  rev="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "no commit")"
  if [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -n 1)" ]; then rev="$rev (uncommitted changes)"; fi
  echo "- machine: $NPROC CPUs ($cpu_model), $mem_gib GiB memory, Linux $(uname -r), load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- versions: PostgreSQL $PG_VERSION, PgBouncer ${PGB_VERSION:-?}, sluice $rev"
}

# Prints $REPORT, says where it is, and exits 1 when a run in $WORK/runs.tsv failed.
finish_report() {
  echo
  cat "$REPORT"
  echo
  say "report written to ${REPORT#"$ROOT"/}"
  if grep -q $'\tfail\t' "$WORK/runs.tsv"; then
    say "some runs failed (see Notes in the report)"
    exit 1
  fi
}
