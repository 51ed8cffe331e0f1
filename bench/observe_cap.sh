#!/usr/bin/env bash
# The fingerprint cap under load, behind `make bench-cap`: a throwaway PostgreSQL, Sluice in
# front of it with [observe] max_fingerprints = CAP_MAX_FINGERPRINTS and the admin HTTP
# listener, then CAP_QUERIES structurally distinct statements (one fingerprint each) sent as
# fast as CAP_CLIENTS parallel psql sessions go. Every CAP_STEP statements it waits until the
# merger has counted them all, samples the proxy's VmRSS (CAP_RSS_SAMPLES times over about a
# merger tick: the low and the high) and prints a progress line; at the
# end it reads /metrics and writes a Markdown report: statements sent, entries kept (must be
# <= the cap), evictions, VmRSS at every step, and whether VmRSS stopped growing once the cap
# was full. See bench/README.md ("Memory under distinct statements").
#
# Knobs (environment):
#   CAP_QUERIES=1000000          distinct statements to send
#   CAP_MAX_FINGERPRINTS=10000   [observe] max_fingerprints (the cap; at least 100)
#   CAP_STEP=100000              statements between progress lines and VmRSS samples
#   CAP_CLIENTS=4                parallel psql sessions
#   CAP_WORKERS=nproc/2          sluice workers (Sluice's default: one per two cores)
#   CAP_POOL_SIZE=20             server connections in the pool
#   CAP_STORE=1                  1: workload store on (data_dir in the temporary folder); 0: off
#   CAP_TIME_LIMIT=1200          seconds for the whole send phase; past it the run stops,
#                                the report is written with what was measured, exit 1
#   CAP_RSS_SAMPLES=6            VmRSS samples per step, 0.25 s apart
#   CAP_PLATEAU_MIB=16           "VmRSS stopped growing": the low VmRSS of the last step is at
#                                most this many MiB above the one at half the statements
#   CAP_OUT=bench/results        where the report goes
#   CAP_KEEP=1                   keep the temporary folder (logs, config) at exit
#   SLUICE_BIN, PG_BIN           build/sluice, /usr/lib/postgresql/15/bin
set -Eeuo pipefail
trap 'echo "bench-cap: error: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { echo "bench-cap: $*" >&2; }
die() { echo "bench-cap: error: $*" >&2; exit 1; }

# --- knobs ------------------------------------------------------------------------------
NPROC="$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
CAP_QUERIES="${CAP_QUERIES:-1000000}"
CAP_MAX_FINGERPRINTS="${CAP_MAX_FINGERPRINTS:-10000}"
CAP_STEP="${CAP_STEP:-100000}"
CAP_CLIENTS="${CAP_CLIENTS:-4}"
CAP_WORKERS="${CAP_WORKERS:-$(( NPROC / 2 > 0 ? NPROC / 2 : 1 ))}"
CAP_POOL_SIZE="${CAP_POOL_SIZE:-20}"
CAP_STORE="${CAP_STORE:-1}"
CAP_TIME_LIMIT="${CAP_TIME_LIMIT:-1200}"
CAP_PLATEAU_MIB="${CAP_PLATEAU_MIB:-16}"
CAP_RSS_SAMPLES="${CAP_RSS_SAMPLES:-6}"
CAP_OUT="${CAP_OUT:-$ROOT/bench/results}"
CAP_KEEP="${CAP_KEEP:-0}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
SLUICE_BIN="${SLUICE_BIN:-$ROOT/build/sluice}"
PSQL="$PG_BIN/psql"
THROWAWAY="$ROOT/scripts/pg-throwaway.sh"
export PGPASSWORD=postgres  # the throwaway server's superuser password

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
for v in CAP_QUERIES CAP_MAX_FINGERPRINTS CAP_STEP CAP_CLIENTS CAP_WORKERS CAP_POOL_SIZE CAP_TIME_LIMIT CAP_PLATEAU_MIB CAP_RSS_SAMPLES; do
  is_uint "${!v}" || die "$v must be a whole number (got '${!v}')"
done
[ "$CAP_QUERIES" -ge 1 ] || die "CAP_QUERIES must be at least 1"
[ "$CAP_STEP" -ge 1 ] || die "CAP_STEP must be at least 1"
[ "$CAP_CLIENTS" -ge 1 ] || die "CAP_CLIENTS must be at least 1"
[ "$CAP_RSS_SAMPLES" -ge 1 ] || die "CAP_RSS_SAMPLES must be at least 1"
[ "$CAP_MAX_FINGERPRINTS" -ge 100 ] || die "CAP_MAX_FINGERPRINTS must be at least 100 (the config's minimum)"
case "$CAP_STORE" in 0|1) ;; *) die "CAP_STORE must be 0 or 1 (got '$CAP_STORE')";; esac

[ -x "$SLUICE_BIN" ] || die "$SLUICE_BIN not found: build it first (make build)"
[ -x "$PSQL" ] || die "$PSQL not found: run scripts/install-deps.sh (or set PG_BIN)"
[ -x "$THROWAWAY" ] || die "$THROWAWAY is missing or not executable"
command -v ss >/dev/null || die "ss (iproute2) not found"

# --- temporary folder and teardown ------------------------------------------------------
WORK="$(mktemp -d -t sluice-cap.XXXXXX)"
chmod 711 "$WORK"  # the postgres user must reach its subfolder when run as root
SLUICE_PID=""
SENDER_PIDS=()

cleanup() {
  local rc=$? pid i
  trap - EXIT INT TERM
  for pid in "${SENDER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$SLUICE_PID" ] && kill -0 "$SLUICE_PID" 2>/dev/null; then
    kill -INT "$SLUICE_PID" 2>/dev/null || true
    for (( i = 0; i < 100; i++ )); do kill -0 "$SLUICE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SLUICE_PID" 2>/dev/null || true
    wait "$SLUICE_PID" 2>/dev/null || true
  fi
  "$THROWAWAY" stop "$WORK/pg" 2>/dev/null || true
  if [ "$CAP_KEEP" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

log_tail() {  # $1 = file, $2 = title
  if [ -s "$1" ]; then
    echo "bench-cap: ---- last lines of $2 ($1) ----" >&2
    tail -n 25 "$1" >&2
    echo "bench-cap: ----" >&2
  fi
}

listening() { [ -n "$(ss -Hltn "( sport = :$1 )" 2>/dev/null)" ]; }

# GET http://127.0.0.1:$HTTP_PORT$1, body on stdout (curl when there is one, else bash's /dev/tcp).
http_get() {
  if command -v curl >/dev/null; then
    curl -fsS --max-time 10 "http://127.0.0.1:$HTTP_PORT$1"
    return
  fi
  local fd
  exec {fd}<>"/dev/tcp/127.0.0.1/$HTTP_PORT" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$1" >&"$fd"
  timeout 10 cat <&"$fd" | tr -d '\r' | awk 'body { print } /^$/ { body = 1 }'
  exec {fd}<&-
}

# Value of an unlabelled sample in Prometheus text on stdin ("" when absent).
metric() { awk -v n="$1" '$1 == n { print $2; exit }'; }

status_kib() { awk -v f="$1:" '$1 == f { print $2; exit }' "/proc/$SLUICE_PID/status" 2>/dev/null || echo ""; }
rss_kib() { status_kib VmRSS; }
# VmRSS moves with the merger's tick (a merge or a store write holds a copy of the tables for
# a moment), so one reading can land on a peak: take CAP_RSS_SAMPLES readings 0.25 s apart and
# print "low high" in KiB.
rss_window() {
  local i v lo="" hi=""
  for (( i = 0; i < CAP_RSS_SAMPLES; i++ )); do
    [ "$i" -gt 0 ] && sleep 0.25
    v="$(rss_kib)"
    [ -n "$v" ] || continue
    if [ -z "$lo" ] || [ "$v" -lt "$lo" ]; then lo="$v"; fi
    if [ -z "$hi" ] || [ "$v" -gt "$hi" ]; then hi="$v"; fi
  done
  echo "$lo $hi"
}
mib() { awk -v k="$1" 'BEGIN { if (k == "") print "-"; else printf "%.1f", k / 1024 }'; }

# The statement with index $i: structurally distinct for every i. The alias alone is not
# enough: `SELECT 1 AS c1` and `SELECT 1 AS c2` share one fingerprint (libpg_query leaves
# the output names out), so the outer query also names the column.
gen_statements() {  # $1 = first index, $2 = end (exclusive), $3 = stride
  awk -v a="$1" -v b="$2" -v s="$3" 'BEGIN { for (i = a; i < b; i += s) printf "SELECT c_%d FROM (SELECT 1 AS c_%d) AS s;\n", i, i }'
}

psql_send() {  # $1 = file; one statement per Query message, results thrown away
  "$PSQL" -X -q -o /dev/null -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SLUICE_PORT" -U postgres -d postgres <"$1"
}

# --- PostgreSQL -------------------------------------------------------------------------
say "temporary folder $WORK"
say "starting PostgreSQL"
pg_out="$("$THROWAWAY" start "$WORK/pg")" || die "could not start PostgreSQL (see above)"
PGPORT="${pg_out#PGPORT=}"
is_uint "$PGPORT" || die "unexpected output from pg-throwaway.sh: $pg_out"
PG_VERSION="$("$PG_BIN/postgres" --version | awk '{print $3}')"

# --- Sluice -----------------------------------------------------------------------------
# With -c the proxy takes everything from the file (command-line options such as
# --admin-http are not merged in), so the HTTP listener is configured in [admin].
SLUICE_PORT="$("$THROWAWAY" free-port)"
HTTP_PORT="$("$THROWAWAY" free-port)"
while [ "$HTTP_PORT" = "$SLUICE_PORT" ]; do HTTP_PORT="$("$THROWAWAY" free-port)"; done
{
  echo "[proxy]"
  echo "listen = [\"127.0.0.1:$SLUICE_PORT\"]"
  echo "workers = $CAP_WORKERS"
  echo "log_level = \"info\""
  [ "$CAP_STORE" = 1 ] && echo "data_dir = \"$WORK/sluice-data\""
  echo
  echo "[observe]"
  echo "max_fingerprints = $CAP_MAX_FINGERPRINTS"
  echo
  echo "[admin]"
  echo "http_listen = \"127.0.0.1:$HTTP_PORT\""
  echo
  echo "[databases.postgres]"
  echo "target = \"postgres://postgres:postgres@127.0.0.1:$PGPORT/postgres\""
  echo "pool_mode = \"transaction\""
  echo "pool_size = $CAP_POOL_SIZE"
} >"$WORK/sluice.toml"

say "starting sluice (max_fingerprints $CAP_MAX_FINGERPRINTS, $CAP_WORKERS workers, store $( [ "$CAP_STORE" = 1 ] && echo on || echo off))"
"$SLUICE_BIN" proxy -c "$WORK/sluice.toml" >"$WORK/sluice.log" 2>&1 &
SLUICE_PID=$!
for (( i = 0; i < 150; i++ )); do
  listening "$SLUICE_PORT" && listening "$HTTP_PORT" && break
  kill -0 "$SLUICE_PID" 2>/dev/null || { log_tail "$WORK/sluice.log" "sluice log"; die "sluice exited during start-up"; }
  sleep 0.1
done
if ! { listening "$SLUICE_PORT" && listening "$HTTP_PORT"; }; then
  log_tail "$WORK/sluice.log" "sluice log"
  die "sluice did not listen on $SLUICE_PORT and $HTTP_PORT within 15 s"
fi

# Waits until the merged totals count $1 queries (30 s); prints the /metrics text.
wait_counted() {
  local want="$1" text="" got="" i
  for (( i = 0; i < 300; i++ )); do
    text="$(http_get /metrics)" || text=""
    got="$(metric sluice_queries_total <<<"$text")"
    if [ -n "$got" ] && [ "${got%.*}" -ge "$want" ]; then
      printf '%s\n' "$text"
      return 0
    fi
    sleep 0.1
  done
  kill -0 "$SLUICE_PID" 2>/dev/null || { log_tail "$WORK/sluice.log" "sluice log"; die "sluice exited"; }
  die "the proxy counted ${got:-no} queries after 30 s, expected $want"
}

# --- the statements are distinct fingerprints ---------------------------------------------
# Indices past the main range, so the main run's statements stay new.
PROBE=4
gen_statements "$CAP_QUERIES" $(( CAP_QUERIES + PROBE )) 1 >"$WORK/probe.sql"
psql_send "$WORK/probe.sql" >"$WORK/probe.out" 2>&1 || { cat "$WORK/probe.out" >&2; log_tail "$WORK/sluice.log" "sluice log"; die "the probe statements failed through sluice"; }
probe_metrics="$(wait_counted "$PROBE")"
probe_entries="$(metric sluice_query_stats_entries <<<"$probe_metrics")"
[ "$probe_entries" = "$PROBE" ] || die "$PROBE generated statements gave $probe_entries entries, not $PROBE: they are not distinct fingerprints (see gen_statements)"
say "probe: $PROBE generated statements are $probe_entries distinct fingerprints"

# --- the run ----------------------------------------------------------------------------
: >"$WORK/steps.tsv"  # sent sending_s rss_low_kib rss_high_kib entries evictions counted
read -r rss0 rss0_hi <<<"$(rss_window)"
printf '0\t0\t%s\t%s\t%s\t%s\t%s\n' "$rss0" "$rss0_hi" "$probe_entries" "$(metric sluice_fingerprint_evictions_total <<<"$probe_metrics")" "$PROBE" >>"$WORK/steps.tsv"
say "sending $CAP_QUERIES distinct statements over $CAP_CLIENTS psql sessions; VmRSS at start $(mib "$rss0") MiB"

STOPPED=""
t_start="$(date +%s.%N)"  # for the time limit: everything (generating files, waiting for the merger)
sending=0                 # seconds spent with psql sending, summed over the steps
sent=0
while [ "$sent" -lt "$CAP_QUERIES" ]; do
  hi=$(( sent + CAP_STEP < CAP_QUERIES ? sent + CAP_STEP : CAP_QUERIES ))
  for (( k = 0; k < CAP_CLIENTS; k++ )); do
    gen_statements $(( sent + k )) "$hi" "$CAP_CLIENTS" >"$WORK/send.$k.sql"
  done
  left="$(awk -v t0="$t_start" -v lim="$CAP_TIME_LIMIT" -v now="$(date +%s.%N)" 'BEGIN { printf "%d", lim - (now - t0) }')"
  if [ "$left" -le 0 ]; then
    STOPPED="time limit of $CAP_TIME_LIMIT s reached after $sent statements"
    break
  fi
  SENDER_PIDS=()
  t_step="$(date +%s.%N)"
  for (( k = 0; k < CAP_CLIENTS; k++ )); do
    timeout -k 5 "$left" "$PSQL" -X -q -o /dev/null -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SLUICE_PORT" \
      -U postgres -d postgres <"$WORK/send.$k.sql" >"$WORK/send.$k.out" 2>&1 &
    SENDER_PIDS+=($!)
  done
  failed=0
  timed_out=0
  for pid in "${SENDER_PIDS[@]}"; do
    rc=0
    wait "$pid" || rc=$?
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then timed_out=1; elif [ "$rc" -ne 0 ]; then failed=1; fi
  done
  SENDER_PIDS=()
  sending="$(awk -v s="$sending" -v t0="$t_step" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", s + now - t0 }')"
  if [ "$timed_out" = 1 ]; then
    STOPPED="time limit of $CAP_TIME_LIMIT s reached while sending statements $sent..$hi"
    break
  fi
  if [ "$failed" = 1 ]; then
    cat "$WORK"/send.*.out | head -n 5 >&2
    log_tail "$WORK/sluice.log" "sluice log"
    die "psql failed while sending statements $sent..$hi"
  fi
  sent="$hi"
  elapsed="$sending"
  m="$(wait_counted $(( sent + PROBE )))"
  read -r rss rss_hi <<<"$(rss_window)"
  entries="$(metric sluice_query_stats_entries <<<"$m")"
  evictions="$(metric sluice_fingerprint_evictions_total <<<"$m")"
  counted="$(metric sluice_queries_total <<<"$m")"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sent" "$elapsed" "$rss" "$rss_hi" "$entries" "$evictions" "$counted" >>"$WORK/steps.tsv"
  say "$sent/$CAP_QUERIES sent in $elapsed s ($(awk -v n="$sent" -v s="$elapsed" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')/s), entries $entries, evictions $evictions, VmRSS $(mib "$rss")..$(mib "$rss_hi") MiB"
done
rm -f "$WORK"/send.*.sql
[ -n "$STOPPED" ] && say "stopped: $STOPPED"

# --- the end state ----------------------------------------------------------------------
sleep 2  # one more merger tick or two: nothing left in flight
final="$(http_get /metrics)" || die "GET /metrics failed"
f_total="$(metric sluice_queries_total <<<"$final")"
f_entries="$(metric sluice_query_stats_entries <<<"$final")"
f_evictions="$(metric sluice_fingerprint_evictions_total <<<"$final")"
f_fingerprints="$(metric sluice_fingerprints <<<"$final")"
f_failed="$(metric sluice_queries_failed_total <<<"$final")"
f_store_writes="$(metric sluice_store_writes_total <<<"$final")"
f_store_bytes="$(metric sluice_store_disk_bytes <<<"$final")"
f_rss="$(rss_kib)"
f_hwm="$(status_kib VmHWM)"
api="$(http_get '/api/v1/queries?limit=1')" || api=""
api_entries="$(grep -o '"entries":[0-9]*' <<<"$api" | cut -d: -f2 || true)"
send_s="$(awk -F'\t' 'END { print $2 }' "$WORK/steps.tsv")"

# Verdicts.
ok=1
cap_ok=no
if [ -n "$f_entries" ] && [ "${f_entries%.*}" -le "$CAP_MAX_FINGERPRINTS" ]; then cap_ok=yes; else ok=0; fi
count_ok=no
if [ -n "$f_total" ] && [ "${f_total%.*}" -eq $(( sent + PROBE )) ]; then count_ok=yes; else ok=0; fi
# VmRSS stopped growing: the low VmRSS of the last step is within CAP_PLATEAU_MIB of the one
# at half the statements sent (the cap, 10,000 by default, is full long before that); the
# highs of the two halves are shown beside it. With fewer than two steps after the start
# there is nothing to compare.
plateau="$(awk -F'\t' -v lim="$CAP_PLATEAU_MIB" '
  function commas(v,   s, o) { s = sprintf("%d", v); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) } return s o }
  { n++; sent[n] = $1; lo[n] = $3; hi[n] = $4 }
  END {
    if (n < 3) { print "not measured: fewer than two steps"; exit }
    last = n; half_sent = sent[n] / 2; mid = 2
    for (i = 2; i <= n; i++) if (sent[i] <= half_sent) mid = i
    if (mid == last) mid = last - 1
    d = (lo[last] - lo[mid]) / 1024
    h1 = 0; for (i = 2; i <= mid; i++) if (hi[i] > h1) h1 = hi[i]
    h2 = 0; for (i = mid + 1; i <= last; i++) if (hi[i] > h2) h2 = hi[i]
    printf "%s: low %+.1f MiB from %s to %s statements (%.1f -> %.1f MiB); highest %.1f MiB up to %s, %.1f MiB after\n",
      (d <= lim ? "yes" : "no"), d, commas(sent[mid]), commas(sent[last]), lo[mid] / 1024, lo[last] / 1024,
      h1 / 1024, commas(sent[mid]), h2 / 1024
  }' "$WORK/steps.tsv")"
case "$plateau" in yes:*) ;; no:*) ok=0 ;; esac

# --- report -----------------------------------------------------------------------------
HOST="$(hostname -s 2>/dev/null || cat /proc/sys/kernel/hostname)"
HOST="${HOST//[^A-Za-z0-9._-]/_}"
STAMP="$(date +%Y-%m-%d-%H%M)"
CPU_MODEL="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
[ -n "$CPU_MODEL" ] || CPU_MODEL="$(uname -m)"
MEM_GIB="$(awk '/^MemTotal:/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)"
SLUICE_REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "no commit")"
if [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -n 1)" ]; then SLUICE_REV="$SLUICE_REV (uncommitted changes)"; fi
mkdir -p "$CAP_OUT"
REPORT="$CAP_OUT/$STAMP-cap-$HOST.md"
fmt_int() { awk -v v="$1" 'BEGIN { if (v == "") print "-"; else { s = sprintf("%d", v); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) } print s o } }'; }

{
  echo "# Sluice fingerprint cap under distinct statements, $(date '+%Y-%m-%d %H:%M %Z') on $HOST"
  echo
  echo "- machine: $NPROC CPUs ($CPU_MODEL), $MEM_GIB GiB memory, Linux $(uname -r)"
  echo "- versions: PostgreSQL $PG_VERSION, sluice $SLUICE_REV"
  echo "- sluice: \`[observe] max_fingerprints = $CAP_MAX_FINGERPRINTS\`, other observe settings default (samples on, flush every 1 s), $CAP_WORKERS workers, transaction pool of $CAP_POOL_SIZE, workload store $( [ "$CAP_STORE" = 1 ] && echo "on (data_dir in a temporary folder)" || echo off)"
  echo "- load: $(fmt_int "$sent") structurally distinct statements \`SELECT c_<i> FROM (SELECT 1 AS c_<i>) AS s\` (one fingerprint each; $PROBE more checked first as distinct), simple protocol, $CAP_CLIENTS parallel \`psql\` sessions reading generated files on stdin, on 127.0.0.1"
  echo "- VmRSS from /proc/<sluice pid>/status after each step of $(fmt_int "$CAP_STEP") statements, once the merger had counted all of them; seconds are time spent sending (psql running), without the waits for the merger"
  echo "- command: \`CAP_QUERIES=$CAP_QUERIES CAP_MAX_FINGERPRINTS=$CAP_MAX_FINGERPRINTS CAP_STEP=$CAP_STEP CAP_CLIENTS=$CAP_CLIENTS CAP_WORKERS=$CAP_WORKERS CAP_STORE=$CAP_STORE bench/observe_cap.sh\`"
  [ -n "$STOPPED" ] && echo "- **stopped early**: $STOPPED"
  echo
  echo "## Result"
  echo
  echo "| | |"
  echo "|---|---:|"
  echo "| statements sent | $(fmt_int "$sent") (+ $PROBE probe) in ${send_s} s ($(awk -v n="$sent" -v s="$send_s" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')/s) |"
  echo "| sluice_queries_total | $(fmt_int "$f_total") (counts every statement: $count_ok) |"
  echo "| sluice_query_stats_entries (cap $(fmt_int "$CAP_MAX_FINGERPRINTS")) | $(fmt_int "$f_entries") (within the cap: $cap_ok) |"
  echo "| /api/v1/queries entries | $(fmt_int "$api_entries") |"
  echo "| sluice_fingerprints | $(fmt_int "$f_fingerprints") |"
  echo "| sluice_fingerprint_evictions_total | $(fmt_int "$f_evictions") |"
  echo "| sluice_queries_failed_total | $(fmt_int "$f_failed") |"
  if [ "$CAP_STORE" = 1 ]; then
    echo "| sluice_store_writes_total | $(fmt_int "$f_store_writes") |"
    echo "| sluice_store_disk_bytes | $(awk -v b="$f_store_bytes" 'BEGIN { if (b == "") print "-"; else printf "%.1f MiB", b / 1048576 }') |"
  fi
  echo "| VmRSS at start / end | $(mib "$rss0") / $(mib "$f_rss") MiB |"
  echo "| VmHWM (peak VmRSS of the whole run) | $(mib "$f_hwm") MiB |"
  echo "| VmRSS stopped growing once the cap was full | $plateau |"
  echo
  echo "VmRSS is read $CAP_RSS_SAMPLES times, 0.25 s apart, after each step: it rises for a moment at the"
  echo "merger's ticks, so the table gives the low and the high. \"Stopped growing\" means the low of"
  echo "the last step is at most $CAP_PLATEAU_MIB MiB (CAP_PLATEAU_MIB) above the low at half the statements."
  echo "What may still grow slowly, whatever the cap: one minute table per minute of the run (at"
  echo "most max_fingerprints_per_minute entries each, kept for retention_days), and the workload"
  echo "store's memtables while the store is on."
  echo
  echo "## VmRSS per step"
  echo
  echo "| statements sent | seconds sending | statements/s in the step | VmRSS low MiB | change of low MiB | VmRSS high MiB | entries | evictions | sluice_queries_total |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '
    function commas(v,   s, o) { s = sprintf("%d", v); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) } return s o }
    { rate = (NR > 1 && $2 > pt) ? sprintf("%.0f", ($1 - ps) / ($2 - pt)) : "-"
      chg = (NR > 1) ? sprintf("%+.1f", ($3 - pr) / 1024) : "-"
      printf "| %s | %s | %s | %.1f | %s | %.1f | %s | %s | %s |\n", commas($1), $2, rate, $3 / 1024, chg, $4 / 1024, commas($5), commas($6), commas($7)
      ps = $1; pt = $2; pr = $3 }' "$WORK/steps.tsv"
} >"$REPORT"

echo
cat "$REPORT"
echo
say "report written to ${REPORT#"$ROOT"/}"
if [ -n "$STOPPED" ] || [ "$ok" != 1 ]; then
  say "the run did not meet every check (see the report)"
  exit 1
fi
