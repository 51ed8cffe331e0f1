#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for the demo, the benchmarks and local experiments.
#
#   scripts/pg-throwaway.sh start  DIR   create (first time) and start; prints PGPORT=<port>
#   scripts/pg-throwaway.sh stop   DIR   stop fast (no-op when not running)
#   scripts/pg-throwaway.sh status DIR   exit 0 running, 3 stopped, 4 no cluster under DIR
#   scripts/pg-throwaway.sh free-port    print a free loopback TCP port
#
# The server listens on 127.0.0.1 only (no Unix socket), superuser postgres / password
# postgres, scram-sha-256, fsync=off, max_connections=400. Everything lives under DIR:
#   DIR/data           the cluster
#   DIR/postgres.log   the server log
#   DIR/port           the port in use
#   DIR/env            PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE lines to source
# Only PGPORT=<port> goes to stdout, so `eval "$(scripts/pg-throwaway.sh start DIR)"` works;
# progress and errors go to stderr.
#
# PostgreSQL refuses to run as root: when uid is 0, initdb/pg_ctl run as the `postgres`
# system user and the cluster is owned by it.
#
# Knobs: PG_BIN (default /usr/lib/postgresql/15/bin), PG_MAX_CONNECTIONS (default 400),
#        PG_START_TIMEOUT seconds (default 60).
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_MAX_CONNECTIONS="${PG_MAX_CONNECTIONS:-400}"
PG_START_TIMEOUT="${PG_START_TIMEOUT:-60}"
PG_SUPERUSER=postgres
PG_PASSWORD=postgres
PG_OS_USER=postgres

me="pg-throwaway"
say() { echo "$me: $*" >&2; }
die() { echo "$me: error: $*" >&2; exit 1; }

usage() {
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# --- ports ------------------------------------------------------------------------------

# True when nothing on this machine uses TCP port $1 (listening or connected, any address).
port_is_free() {
  local p="$1"
  if command -v ss >/dev/null 2>&1; then
    [ -z "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ]
  else
    # No ss: a refused connection means nobody listens there.
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then return 1; fi
    return 0
  fi
}

# Prints a free port. Starts from a random base below the kernel's ephemeral range so the
# port does not collide with outgoing connections' source ports.
free_port() {
  local lo=15000 hi=32000 eph_lo
  if read -r eph_lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null && [ "$eph_lo" -gt 16000 ]; then
    hi=$(( eph_lo < hi ? eph_lo : hi ))
  fi
  local span=$(( hi - lo )) base p i
  base=$(( lo + (RANDOM * 32768 + RANDOM) % span ))
  for (( i = 0; i < 500; i++ )); do
    p=$(( lo + (base - lo + i * 7) % span ))
    if port_is_free "$p"; then
      echo "$p"
      return 0
    fi
  done
  die "no free TCP port found between $lo and $hi"
}

# --- running as the right user ----------------------------------------------------------

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$PG_OS_USER" -- "$@"
  else
    "$@"
  fi
}

check_binaries() {
  local b
  for b in initdb pg_ctl postgres pg_isready; do
    [ -x "$PG_BIN/$b" ] || die "$PG_BIN/$b not found: install PostgreSQL 15 (scripts/install-deps.sh) or set PG_BIN"
  done
  if [ "$(id -u)" -eq 0 ]; then
    id -u "$PG_OS_USER" >/dev/null 2>&1 \
      || die "running as root but there is no '$PG_OS_USER' system user to run PostgreSQL as (install postgresql-15)"
    command -v runuser >/dev/null 2>&1 || die "running as root but runuser is missing (util-linux)"
  fi
}

# As root, the postgres user must be able to reach DIR: open DIR for traversal (o+x) and
# check that every parent folder allows it too.
make_reachable() {
  local dir="$1"
  [ "$(id -u)" -eq 0 ] || return 0
  if ! runuser -u "$PG_OS_USER" -- test -x "$dir"; then
    chmod o+x "$dir"
  fi
  runuser -u "$PG_OS_USER" -- test -x "$dir" \
    || die "the '$PG_OS_USER' user cannot reach $dir (a parent folder is closed to it); use a folder under /tmp"
}

show_log_tail() {
  local log="$1"
  if [ -s "$log" ]; then
    echo "$me: ---- last lines of $log ----" >&2
    tail -n 30 "$log" >&2
    echo "$me: ----" >&2
  else
    echo "$me: (server log $log is empty or missing)" >&2
  fi
}

# --- commands ---------------------------------------------------------------------------

is_running() {  # $1 = data folder
  [ -f "$1/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" status -D "$1" >/dev/null 2>&1
}

write_settings() {  # $1 = data folder, $2 = port
  local data="$1" port="$2"
  # Rewritten at every start; postgresql.conf includes it (see do_init).
  cat >"$data/throwaway.conf" <<EOF
# Written by scripts/pg-throwaway.sh at each start. Throwaway settings: never durable.
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = $PG_MAX_CONNECTIONS
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = 'scram-sha-256'
logging_collector = off
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  [ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER": "$data/throwaway.conf"
  return 0
}

do_init() {  # $1 = DIR
  local dir="$1" data="$1/data" pwfile="$1/.pwfile" out
  say "initdb in $data"
  mkdir -p "$data"
  chmod 700 "$data"
  printf '%s\n' "$PG_PASSWORD" >"$pwfile"
  if [ "$(id -u)" -eq 0 ]; then
    chown -R "$PG_OS_USER": "$data"
    chown "$PG_OS_USER": "$pwfile"
  fi
  chmod 600 "$pwfile"
  if ! out=$(cd "$dir" && as_pg "$PG_BIN/initdb" -D "$data" -U "$PG_SUPERUSER" --pwfile="$pwfile" \
               -A scram-sha-256 -E UTF8 --locale=C --no-sync --no-instructions 2>&1); then
    rm -f "$pwfile"
    echo "$out" | tail -n 20 >&2
    die "initdb failed in $data"
  fi
  rm -f "$pwfile"
  echo "include_if_exists = 'throwaway.conf'" >>"$data/postgresql.conf"
}

do_start() {
  local dir="$1" data="$1/data" log="$1/postgres.log" port attempt
  check_binaries
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  data="$dir/data"; log="$dir/postgres.log"
  make_reachable "$dir"

  if is_running "$data"; then
    port="$(cat "$dir/port" 2>/dev/null || true)"
    [ -n "$port" ] || die "a server is running on $data but $dir/port is missing"
    say "already running on 127.0.0.1:$port"
    echo "PGPORT=$port"
    return 0
  fi

  if [ ! -f "$data/PG_VERSION" ]; then
    if [ -d "$data" ] && [ -n "$(ls -A "$data" 2>/dev/null)" ]; then
      die "$data exists, is not empty and holds no cluster; remove it or pick another DIR"
    fi
    do_init "$dir"
  fi

  touch "$log"
  [ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER": "$log"

  # Reuse the previous port when it is still free; retry with a new one if someone grabs it
  # between the check and the bind.
  port="$(cat "$dir/port" 2>/dev/null || true)"
  for attempt in 1 2 3; do
    if [ -z "$port" ] || ! port_is_free "$port"; then
      port="$(free_port)"
    fi
    write_settings "$data" "$port"
    : >"$log"
    if (cd "$dir" && as_pg "$PG_BIN/pg_ctl" start -D "$data" -l "$log" -w -t "$PG_START_TIMEOUT" >/dev/null 2>&1); then
      break
    fi
    if grep -q "Address already in use" "$log" 2>/dev/null && [ "$attempt" -lt 3 ]; then
      say "port $port was taken meanwhile, trying another"
      port=""
      continue
    fi
    show_log_tail "$log"
    die "PostgreSQL did not start (data $data, port $port)"
  done

  # pg_ctl -w says the postmaster is ready; make sure TCP logins work too.
  local i
  for (( i = 0; i < 50; i++ )); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$PG_SUPERUSER" -d postgres; then
      break
    fi
    sleep 0.1
  done
  if ! "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$PG_SUPERUSER" -d postgres; then
    show_log_tail "$log"
    die "PostgreSQL started but does not answer on 127.0.0.1:$port"
  fi

  echo "$port" >"$dir/port"
  cat >"$dir/env" <<EOF
PGHOST=127.0.0.1
PGPORT=$port
PGUSER=$PG_SUPERUSER
PGPASSWORD=$PG_PASSWORD
PGDATABASE=postgres
EOF
  say "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') running on 127.0.0.1:$port (data $data, log $log)"
  echo "PGPORT=$port"
}

do_stop() {
  local dir="$1" data
  [ -d "$dir" ] || { say "nothing to stop: $dir does not exist"; return 0; }
  dir="$(cd "$dir" && pwd)"; data="$dir/data"
  if [ ! -f "$data/PG_VERSION" ]; then
    say "nothing to stop: no cluster under $dir"
    return 0
  fi
  check_binaries
  if ! is_running "$data"; then
    say "not running ($data)"
    return 0
  fi
  if (cd "$dir" && as_pg "$PG_BIN/pg_ctl" stop -D "$data" -m fast -w -t 30 >/dev/null 2>&1); then
    say "stopped ($data)"
    return 0
  fi
  say "fast stop timed out, stopping immediately"
  if (cd "$dir" && as_pg "$PG_BIN/pg_ctl" stop -D "$data" -m immediate -w -t 30 >/dev/null 2>&1); then
    say "stopped ($data)"
    return 0
  fi
  show_log_tail "$dir/postgres.log"
  die "could not stop the server on $data"
}

do_status() {
  local dir="$1" data port pid
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    echo "absent: no cluster under $dir"
    return 4
  fi
  dir="$(cd "$dir" && pwd)"; data="$dir/data"
  check_binaries
  if is_running "$data"; then
    port="$(cat "$dir/port" 2>/dev/null || echo '?')"
    pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || echo '?')"
    echo "running: pid $pid, PGPORT=$port, data $data, log $dir/postgres.log"
    return 0
  fi
  echo "stopped: data $data"
  return 3
}

cmd="${1:-}"
case "$cmd" in
  start|stop|status)
    [ $# -eq 2 ] || usage
    [ -n "$2" ] || usage
    "do_$cmd" "$2"
    ;;
  free-port)
    free_port
    ;;
  -h|--help|help) usage ;;
  *) usage ;;
esac
