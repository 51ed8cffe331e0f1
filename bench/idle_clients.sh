#!/usr/bin/env bash
# Memory per idle client connection (`make bench-idle`): a fresh Sluice (observation on) and
# a fresh PgBouncer, each in transaction pooling in front of a throwaway PostgreSQL, get
# IDLE_CONNS client connections from bench/idle_clients (libpq nonblocking logins,
# IDLE_WINDOW in flight at once) that then stay open and idle. The proxy's VmRSS
# (/proc/<pid>/status) is read before, once every login is done, and again after one
# `SELECT 1` on every connection; the report gives KiB per connection for both.
# Issue 7's target: <= 4 KiB of proxy memory per idle client connection.
# See bench/README.md ("Idle client connections").
#
# Knobs (environment):
#   IDLE_CONNS=10000        client connections to hold
#   IDLE_WINDOW=100         logins in flight at once
#   IDLE_ROUNDS=2           rounds (a fresh proxy per measurement; the order alternates)
#   IDLE_AUTH=md5           client login for both proxies: md5, scram-sha-256 or trust.
#                           scram-sha-256 costs a few ms of CPU per login on both sides
#                           (10,000 logins take minutes on 2 CPUs)
#   IDLE_QUERY=1            1: also run SELECT 1 once on every connection and measure again
#   IDLE_SETTLE=1           seconds to wait before reading VmRSS
#   IDLE_RSS_SAMPLES=4      VmRSS readings (0.25 s apart); the median is used
#   IDLE_LOGIN_TIMEOUT=120  seconds for all the logins of one measurement
#   IDLE_WORKERS=nproc/2    sluice --workers (Sluice's default: one per two cores)
#   IDLE_POOL_SIZE=20       server connections per pool
#   IDLE_SLUICE_ARGS=""     extra arguments for `sluice proxy`
#   IDLE_TOOL=build/bench/idle_clients   the client tool (built with the project)
#   IDLE_OUT=bench/results  where the report goes
#   IDLE_KEEP=1             keep the temporary folder (logs) at exit
#   SLUICE_BIN, PGBOUNCER_BIN, PG_BIN   binaries
set -Eeuo pipefail
trap 'echo "bench-idle: error: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR

ME=bench-idle
KEEP="${IDLE_KEEP:-0}"
# shellcheck source=bench/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

IDLE_CONNS="${IDLE_CONNS:-10000}"
IDLE_WINDOW="${IDLE_WINDOW:-100}"
IDLE_ROUNDS="${IDLE_ROUNDS:-2}"
IDLE_AUTH="${IDLE_AUTH:-md5}"
IDLE_QUERY="${IDLE_QUERY:-1}"
IDLE_SETTLE="${IDLE_SETTLE:-1}"
IDLE_RSS_SAMPLES="${IDLE_RSS_SAMPLES:-4}"
IDLE_LOGIN_TIMEOUT="${IDLE_LOGIN_TIMEOUT:-120}"
IDLE_WORKERS="${IDLE_WORKERS:-$SLUICE_DEFAULT_WORKERS}"
IDLE_POOL_SIZE="${IDLE_POOL_SIZE:-20}"
IDLE_SLUICE_ARGS="${IDLE_SLUICE_ARGS:-}"
IDLE_TOOL="${IDLE_TOOL:-$ROOT/build/bench/idle_clients}"
IDLE_OUT="${IDLE_OUT:-$ROOT/bench/results}"
TARGET_KIB=4

for v in IDLE_CONNS IDLE_WINDOW IDLE_ROUNDS IDLE_SETTLE IDLE_RSS_SAMPLES IDLE_LOGIN_TIMEOUT IDLE_WORKERS IDLE_POOL_SIZE; do
  is_uint "${!v}" || die "$v must be a whole number (got '${!v}')"
done
[ "$IDLE_CONNS" -ge 1 ] || die "IDLE_CONNS must be at least 1"
[ "$IDLE_WINDOW" -ge 1 ] || die "IDLE_WINDOW must be at least 1"
[ "$IDLE_ROUNDS" -ge 1 ] || die "IDLE_ROUNDS must be at least 1"
[ "$IDLE_RSS_SAMPLES" -ge 1 ] || die "IDLE_RSS_SAMPLES must be at least 1"
case "$IDLE_AUTH" in md5|scram-sha-256|trust) ;; *) die "IDLE_AUTH must be md5, scram-sha-256 or trust (got '$IDLE_AUTH')";; esac
case "$IDLE_QUERY" in 0|1) ;; *) die "IDLE_QUERY must be 0 or 1";; esac
check_prereqs
[ -x "$IDLE_TOOL" ] || die "$IDLE_TOOL not found: build it (ninja -C build idle_clients; make bench-idle does)"

# The tool and the proxy each hold one socket per client connection.
raise_nofile $(( IDLE_CONNS + 1024 ))
PG_MAX_CONNECTIONS="${PG_MAX_CONNECTIONS:-$(( IDLE_POOL_SIZE + 20 ))}"
start_pg 0

# VmRSS of $1 in KiB: the median of IDLE_RSS_SAMPLES readings 0.25 s apart.
rss_median() {
  local i
  for (( i = 0; i < IDLE_RSS_SAMPLES; i++ )); do
    [ "$i" -gt 0 ] && sleep 0.25
    status_kib "$1" VmRSS
  done | median
}
established() {  # client connections the proxy holds on port $1
  ss -Htn state established "( sport = :$1 )" 2>/dev/null | wc -l
}

# Starts the named proxy afresh; sets PORT and PID.
start_target() {
  case "$1" in
    sluice)
      # shellcheck disable=SC2086
      start_sluice "$IDLE_POOL_SIZE" "$IDLE_WORKERS" --auth-type "$IDLE_AUTH" \
        --max-client-conn $(( IDLE_CONNS + 100 )) $IDLE_SLUICE_ARGS
      smoke sluice "$SLUICE_PORT" "$WORK/sluice.log"
      PORT="$SLUICE_PORT"; PID="$SLUICE_PID"
      ;;
    pgbouncer)
      start_pgbouncer "$IDLE_POOL_SIZE" $(( IDLE_CONNS + 100 )) "$IDLE_AUTH"
      smoke pgbouncer "$PGB_PORT" "$WORK/pgbouncer/pgbouncer.log"
      PORT="$PGB_PORT"; PID="$PGB_PID"
      ;;
  esac
}
stop_target() {
  case "$1" in sluice) stop_sluice ;; pgbouncer) stop_pgbouncer ;; esac
}

# Reads one line from the tool (fd $1) within $2 seconds into LINE; fails on timeout/EOF.
read_tool() {
  LINE=""
  IFS= read -r -t "$2" LINE <&"$1"
}
field() {  # $1 = line, $2 = key: the value of key=value
  sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" <<<"$1"
}

# One measurement; appends to $WORK/runs.tsv:
#   round target status conns_ok failed login_s rss0 rss1 rss2 hwm held note
measure() {  # $1 = round, $2 = target
  local round="$1" target="$2" rss0 rss1 rss2="-" hwm held ok failed secs note="" status=ok
  say "round $round/$IDLE_ROUNDS $target: starting a fresh proxy"
  start_target "$target"
  sleep "$IDLE_SETTLE"
  rss0="$(rss_median "$PID")"
  say "round $round/$IDLE_ROUNDS $target: VmRSS $rss0 KiB before; opening $IDLE_CONNS connections ($IDLE_AUTH, $IDLE_WINDOW at a time)"
  coproc TOOL { exec "$IDLE_TOOL" -n "$IDLE_CONNS" -w "$IDLE_WINDOW" -t "$IDLE_LOGIN_TIMEOUT" \
    "host=127.0.0.1 port=$PORT user=postgres dbname=postgres sslmode=disable application_name=idle_clients"; }
  # shellcheck disable=SC2153  # TOOL_PID is set by coproc
  local tool_pid="$TOOL_PID" out_fd="${TOOL[0]}" in_fd="${TOOL[1]}"
  EXTRA_PIDS+=("$tool_pid")
  if ! read_tool "$out_fd" $(( IDLE_LOGIN_TIMEOUT + 30 )); then
    status=fail; note="the client tool gave no result within $(( IDLE_LOGIN_TIMEOUT + 30 )) s"
  fi
  ok="$(field "$LINE" ok)"; failed="$(field "$LINE" failed)"; secs="$(field "$LINE" seconds)"
  rss1="-"; held="-"; hwm="-"
  if [ "$status" = ok ]; then
    kill -0 "$PID" 2>/dev/null || { status=fail; note="$target exited during the logins"; }
  fi
  if [ "$status" = ok ]; then
    sleep "$IDLE_SETTLE"
    held="$(established "$PORT")"
    rss1="$(rss_median "$PID")"
    say "round $round/$IDLE_ROUNDS $target: $ok connected ($failed failed) in $secs s, $held held by the proxy, VmRSS $rss1 KiB: $(awk -v a="$rss0" -v b="$rss1" -v n="$ok" 'BEGIN { printf "%.2f", (n > 0 ? (b - a) / n : 0) }') KiB per connection"
    [ "${failed:-0}" = 0 ] || note="$failed logins failed"
    if [ "$IDLE_QUERY" = 1 ]; then
      echo query >&"$in_fd"
      if read_tool "$out_fd" 120; then
        sleep "$IDLE_SETTLE"
        rss2="$(rss_median "$PID")"
        say "round $round/$IDLE_ROUNDS $target: SELECT 1 on each ($(field "$LINE" ok) ok, $(field "$LINE" failed) failed), VmRSS $rss2 KiB: $(awk -v a="$rss0" -v b="$rss2" -v n="$ok" 'BEGIN { printf "%.2f", (n > 0 ? (b - a) / n : 0) }') KiB per connection"
        [ "$(field "$LINE" failed)" = 0 ] || note="${note:+$note; }$(field "$LINE" failed) queries failed"
      else
        note="${note:+$note; }the query round gave no result"
      fi
    fi
    hwm="$(status_kib "$PID" VmHWM)"
  fi
  { echo quit >&"$in_fd"; } 2>/dev/null || true
  stop_pid_quiet "$tool_pid"
  EXTRA_PIDS=()
  stop_target "$target"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$target" "$status" "${ok:--}" "${failed:--}" \
    "${secs:--}" "$rss0" "$rss1" "$rss2" "$hwm" "$held" "$note" >>"$WORK/runs.tsv"
}
stop_pid_quiet() {  # waits up to 30 s for the tool to close its connections, then TERM
  local i
  for (( i = 0; i < 300; i++ )); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  stop_pid "$1" TERM
}

: >"$WORK/runs.tsv"
say "$(( IDLE_ROUNDS * 2 )) measurements of $IDLE_CONNS idle connections"
for (( r = 1; r <= IDLE_ROUNDS; r++ )); do
  if (( r % 2 )); then order=(sluice pgbouncer); else order=(pgbouncer sluice); fi
  for t in "${order[@]}"; do
    measure "$r" "$t"
  done
done

# --- report -----------------------------------------------------------------------------
# KiB per connection of a run: (after - before) / connections held.
per_conn() {  # $1 target, $2 column of the "after" VmRSS (8 logins, 9 query)
  awk -F'\t' -v t="$1" -v k="$2" '$2 == t && $3 == "ok" && $k ~ /^[0-9.]+$/ && $4 > 0 { print ($k - $7) / $4 }' "$WORK/runs.tsv" | median
}
verdict() {  # $1 = KiB per connection
  awk -v v="$1" -v t="$TARGET_KIB" 'BEGIN { if (v == "-") print "-"; else print (v <= t ? "met" : "missed") }'
}
report_path "$IDLE_OUT" idle
{
  echo "# $IDLE_CONNS idle client connections, $(date '+%Y-%m-%d %H:%M %Z') on $HOST"
  echo
  machine_lines
  echo "- clients: \`bench/idle_clients -n $IDLE_CONNS -w $IDLE_WINDOW\` (libpq PQconnectStart/PQconnectPoll, $IDLE_WINDOW logins in flight), user postgres, client login $IDLE_AUTH, sslmode=disable, 127.0.0.1; the connections then stay open and idle$( [ "$IDLE_QUERY" = 1 ] && echo ", then each runs \`SELECT 1\` once and is idle again")"
  echo "- a fresh proxy for every measurement, $IDLE_ROUNDS round(s), the order alternating"
  echo "- sluice: transaction pooling, pool size $IDLE_POOL_SIZE, $IDLE_WORKERS workers, observation on, \`--auth-type $IDLE_AUTH\`${IDLE_SLUICE_ARGS:+, extra args \`$IDLE_SLUICE_ARGS\`}"
  echo "- pgbouncer: pool_mode=transaction, default_pool_size=$IDLE_POOL_SIZE, max_client_conn=$(( IDLE_CONNS + 100 )), auth_type=$IDLE_AUTH (plain password in auth_file)"
  echo "- VmRSS from /proc/<proxy pid>/status, the median of $IDLE_RSS_SAMPLES readings 0.25 s apart, $IDLE_SETTLE s after the proxy answered a psql check (before) and $IDLE_SETTLE s after the last login (after); KiB per connection = (after - before) / connections open. Kernel socket buffers are not in VmRSS."
  echo "- command: \`IDLE_CONNS=$IDLE_CONNS IDLE_WINDOW=$IDLE_WINDOW IDLE_ROUNDS=$IDLE_ROUNDS IDLE_AUTH=$IDLE_AUTH IDLE_QUERY=$IDLE_QUERY IDLE_WORKERS=$IDLE_WORKERS bench/idle_clients.sh\`"
  echo
  echo "## KiB of proxy memory per idle connection (median over rounds)"
  echo
  if [ "$IDLE_QUERY" = 1 ]; then
    echo "| target | after the logins | target <= $TARGET_KIB KiB | after one SELECT 1 each | target <= $TARGET_KIB KiB |"
    echo "|---|---:|---|---:|---|"
  else
    echo "| target | after the logins | target <= $TARGET_KIB KiB |"
    echo "|---|---:|---|"
  fi
  for t in sluice pgbouncer; do
    a="$(per_conn "$t" 8)"
    if [ "$IDLE_QUERY" = 1 ]; then
      b="$(per_conn "$t" 9)"
      echo "| $t | $(fmt "$a" '%.2f') | $(verdict "$a") | $(fmt "$b" '%.2f') | $(verdict "$b") |"
    else
      echo "| $t | $(fmt "$a" '%.2f') | $(verdict "$a") |"
    fi
  done
  echo
  echo "Issue 7's target is for Sluice; PgBouncer's row is the reference. Allocators keep freed memory and"
  echo "grow in steps, so one reading can move by a few hundred KiB: 256 KiB is $(awk -v n="$IDLE_CONNS" 'BEGIN { printf "%.3f", 256 / n }') KiB per connection"
  echo "at $IDLE_CONNS connections."
  if awk -F'\t' '$3 == "fail" || $12 != "" { n++ } END { exit !n }' "$WORK/runs.tsv"; then
    echo
    echo "## Notes"
    echo
    awk -F'\t' '$3 == "fail" || $12 != "" {printf "- round %s %s: %s\n", $1, $2, ($12 != "" ? $12 : "failed")}' "$WORK/runs.tsv"
  fi
  echo
  echo "## Every measurement"
  echo
  echo "| round | target | status | connections | failed logins | login seconds | held (ss) | VmRSS before KiB | after logins KiB | after SELECT 1 KiB | VmHWM KiB | KiB/conn after logins | KiB/conn after SELECT 1 |"
  echo "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '
    function pc(v) { return (v ~ /^[0-9.]+$/ && $4 > 0) ? sprintf("%.2f", (v - $7) / $4) : "-" }
    { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $11, $7, $8, $9, $10, pc($8), pc($9) }' "$WORK/runs.tsv"
} >"$REPORT"

echo
cat "$REPORT"
echo
say "report written to ${REPORT#"$ROOT"/}"
if awk -F'\t' '$3 == "fail" { n++ } END { exit !n }' "$WORK/runs.tsv"; then
  say "some measurements failed (see Notes in the report)"
  exit 1
fi
