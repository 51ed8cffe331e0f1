#!/usr/bin/env bash
# The index advisor's evaluation, behind `make bench-advisor` (see bench/README.md, "Index
# advisor evaluation"):
#   1. a throwaway PostgreSQL 15 (HypoPG) with a TPC-H-like data set made locally with
#      generate_series (bench/advisor_eval/tpch_load.sql; primary keys only), VACUUM ANALYZE;
#   2. the query instances (17 templates, reads and writes on orders) with constants picked from
#      the data, sent through `sluice proxy` (transaction pooling, workload store on) with psql;
#      the workload exported from GET /api/v1/workload?since=0, as the advisor would pull it;
#   3. sluice_advisor_eval evaluate: for each budget, Sluice's advisor and two baselines (every
#      filtered column indexed singly; a Dexter-style per-query rule), each costed with HypoPG,
#      then built for real and timed instance by instance (warm-up + timed runs, median);
#   4. scale check: 1,000 distinct fingerprints in the proxy's export format through
#      `sluice advisor --once` (wall time, what-if calls);
#   5. a Markdown report in bench/results/YYYY-MM-DD-HHMM-advisor-eval.md, printed at the end.
# Everything runs on 127.0.0.1; the servers and the temporary folder go away on exit (trap).
#
# Knobs (environment):
#   ADV_SF=0.15                 scale factor of the data set (0.15: ~900k lineitems, ~225k orders)
#   ADV_BUDGETS=0.05,0.10,0.25,0.50   budgets, fractions of the database size
#   ADV_RUNS=3                  timed runs per query instance (the median is kept)
#   ADV_WARMUP=1                untimed runs per query instance first
#   ADV_SCALE_QUERIES=1000      distinct fingerprints for the scale check (0: skip it)
#   ADV_SCALE_BUDGET=0.25       budget of the scale check's advisor run
#   ADV_EVAL_TIMEOUT=2700       seconds for the evaluation step (the rest is bounded too)
#   ADV_OUT=bench/results       where the report goes
#   ADV_KEEP=1                  keep the temporary folder (logs, workload, reports) at exit
#   ADV_VALIDATE=1              Sluice runs with validation (build, time, drop what does not help); 0: estimates only
#   SLUICE_BIN, EVAL_BIN, PG_BIN  build/sluice, build/bench/sluice_advisor_eval,
#                                 /usr/lib/postgresql/15/bin
set -Eeuo pipefail
trap 'echo "bench-advisor: error: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { echo "bench-advisor: $*" >&2; }
die() { echo "bench-advisor: error: $*" >&2; exit 1; }

ADV_SF="${ADV_SF:-0.15}"
ADV_BUDGETS="${ADV_BUDGETS:-0.05,0.10,0.25,0.50}"
ADV_RUNS="${ADV_RUNS:-3}"
ADV_WARMUP="${ADV_WARMUP:-1}"
ADV_SCALE_QUERIES="${ADV_SCALE_QUERIES:-1000}"
ADV_SCALE_BUDGET="${ADV_SCALE_BUDGET:-0.25}"
ADV_EVAL_TIMEOUT="${ADV_EVAL_TIMEOUT:-2700}"
ADV_OUT="${ADV_OUT:-$ROOT/bench/results}"
ADV_KEEP="${ADV_KEEP:-0}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
SLUICE_BIN="${SLUICE_BIN:-$ROOT/build/sluice}"
EVAL_BIN="${EVAL_BIN:-$ROOT/build/bench/sluice_advisor_eval}"
PSQL="$PG_BIN/psql"
THROWAWAY="$ROOT/scripts/pg-throwaway.sh"
DB=tpch
export PGPASSWORD=postgres  # the throwaway server's superuser password

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
for v in ADV_RUNS ADV_WARMUP ADV_SCALE_QUERIES ADV_EVAL_TIMEOUT; do
  is_uint "${!v}" || die "$v must be a whole number (got '${!v}')"
done
[[ "$ADV_SF" =~ ^[0-9]*\.?[0-9]+$ ]] || die "ADV_SF must be a number (got '$ADV_SF')"
[[ "$ADV_BUDGETS" =~ ^[0-9.]+(,[0-9.]+)*$ ]] || die "ADV_BUDGETS must be fractions separated by commas"
[ "$ADV_RUNS" -ge 1 ] || die "ADV_RUNS must be at least 1"
[ -x "$SLUICE_BIN" ] || die "$SLUICE_BIN not found: build it first (make build)"
[ -x "$EVAL_BIN" ] || die "$EVAL_BIN not found: build it first (ninja sluice_advisor_eval)"
[ -x "$PSQL" ] || die "$PSQL not found: run scripts/install-deps.sh (or set PG_BIN)"
command -v ss >/dev/null || die "ss (iproute2) not found"
command -v curl >/dev/null || die "curl not found"

# --- temporary folder and teardown ------------------------------------------------------
WORK="$(mktemp -d -t sluice-advisor-eval.XXXXXX)"
chmod 711 "$WORK"  # the postgres user must reach its subfolder when run as root
SLUICE_PID=""

stop_sluice() {
  local i
  if [ -n "$SLUICE_PID" ] && kill -0 "$SLUICE_PID" 2>/dev/null; then
    kill -INT "$SLUICE_PID" 2>/dev/null || true
    for (( i = 0; i < 100; i++ )); do kill -0 "$SLUICE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SLUICE_PID" 2>/dev/null || true
    wait "$SLUICE_PID" 2>/dev/null || true
  fi
  SLUICE_PID=""
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_sluice
  "$THROWAWAY" stop "$WORK/pg" 2>/dev/null || true
  if [ "$ADV_KEEP" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

log_tail() {  # $1 = file, $2 = title
  if [ -s "$1" ]; then
    echo "bench-advisor: ---- last lines of $2 ($1) ----" >&2
    tail -n 25 "$1" >&2
    echo "bench-advisor: ----" >&2
  fi
}
listening() { [ -n "$(ss -Hltn "( sport = :$1 )" 2>/dev/null)" ]; }
now() { date +%s.%N; }
secs_since() { awk -v t0="$1" -v t1="$(now)" 'BEGIN { printf "%.1f", t1 - t0 }'; }
psql_direct() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres "$@"; }

# --- PostgreSQL and the data set -----------------------------------------------------------
T_ALL="$(now)"
say "temporary folder $WORK"
say "starting PostgreSQL"
pg_out="$("$THROWAWAY" start "$WORK/pg")" || die "could not start PostgreSQL (see above)"
PGPORT="${pg_out#PGPORT=}"
is_uint "$PGPORT" || die "unexpected output from pg-throwaway.sh: $pg_out"
PG_VERSION="$("$PG_BIN/postgres" --version | awk '{print $3}')"
TARGET="postgres://postgres:postgres@127.0.0.1:$PGPORT/$DB"
psql_direct -d postgres -c "CREATE DATABASE $DB" >/dev/null
psql_direct -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS hypopg" >/dev/null || die "HypoPG is not installed (scripts/install-deps.sh)"
HYPOPG_VERSION="$(psql_direct -d "$DB" -Atc "SELECT extversion FROM pg_extension WHERE extname = 'hypopg'")"

say "loading the TPC-H-like data set (scale factor $ADV_SF) ..."
t0="$(now)"
timeout -k 10 900 "$PSQL" -X -q -v ON_ERROR_STOP=1 -v sf="$ADV_SF" -h 127.0.0.1 -p "$PGPORT" -U postgres -d "$DB" \
  -f bench/advisor_eval/tpch_load.sql >"$WORK/load.out" 2>&1 || { cat "$WORK/load.out" >&2; die "loading the data set failed"; }
LOAD_S="$(secs_since "$t0")"
ROWS="$(psql_direct -d "$DB" -Atc "SELECT string_agg(relname || ' ' || n_live_tup, ', ' ORDER BY n_live_tup DESC) FROM pg_stat_user_tables")"
DB_SIZE="$(psql_direct -d "$DB" -Atc "SELECT pg_size_pretty(pg_database_size(current_database()))")"
say "loaded in $LOAD_S s: $ROWS; database $DB_SIZE"

# --- the workload, recorded through the proxy -----------------------------------------------
"$EVAL_BIN" instances --target "$TARGET" --out "$WORK/instances.tsv"
N_INSTANCES="$(wc -l <"$WORK/instances.tsv")"
N_TEMPLATES="$(cut -f1 "$WORK/instances.tsv" | sort -u | wc -l)"
# Each instance repeated its weight times, in a fixed shuffled order, over two psql sessions.
awk -F'\t' 'BEGIN { srand(11) } { for (i = 0; i < $3; i++) printf "%.8f\t%s;\n", rand(), $4 }' "$WORK/instances.tsv" \
  | sort -k1,1 | cut -f2- >"$WORK/send.sql"
N_STATEMENTS="$(wc -l <"$WORK/send.sql")"
awk 'NR % 2 == 1' "$WORK/send.sql" >"$WORK/send.0.sql"
awk 'NR % 2 == 0' "$WORK/send.sql" >"$WORK/send.1.sql"

SLUICE_PORT="$("$THROWAWAY" free-port)"
HTTP_PORT="$("$THROWAWAY" free-port)"
while [ "$HTTP_PORT" = "$SLUICE_PORT" ]; do HTTP_PORT="$("$THROWAWAY" free-port)"; done
say "starting sluice proxy on 127.0.0.1:$SLUICE_PORT (admin HTTP 127.0.0.1:$HTTP_PORT)"
"$SLUICE_BIN" proxy --listen "127.0.0.1:$SLUICE_PORT" --target "$TARGET" --pool-mode transaction \
  --admin-http "127.0.0.1:$HTTP_PORT" --data-dir "$WORK/sluice-data" >"$WORK/sluice.log" 2>&1 &
SLUICE_PID=$!
for (( i = 0; i < 150; i++ )); do
  listening "$SLUICE_PORT" && listening "$HTTP_PORT" && break
  kill -0 "$SLUICE_PID" 2>/dev/null || { log_tail "$WORK/sluice.log" "sluice log"; die "sluice exited during start-up"; }
  sleep 0.1
done
listening "$SLUICE_PORT" && listening "$HTTP_PORT" || { log_tail "$WORK/sluice.log" "sluice log"; die "sluice did not listen within 15 s"; }

say "sending $N_STATEMENTS statements ($N_INSTANCES instances of $N_TEMPLATES templates) through the proxy ..."
t0="$(now)"
pids=()
for k in 0 1; do
  timeout -k 5 900 "$PSQL" -X -q -o /dev/null -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SLUICE_PORT" -U postgres -d "$DB" \
    -f "$WORK/send.$k.sql" >"$WORK/send.$k.out" 2>&1 &
  pids+=($!)
done
for k in 0 1; do
  wait "${pids[$k]}" || { cat "$WORK/send.$k.out" >&2; log_tail "$WORK/sluice.log" "sluice log"; die "psql session $k failed through the proxy"; }
done
RECORD_S="$(secs_since "$t0")"
say "sent in $RECORD_S s"

# The merger folds the workers' statistics in on its tick: wait until it counted everything.
counted=""
for (( i = 0; i < 300; i++ )); do
  counted="$(curl -fsS --max-time 10 "http://127.0.0.1:$HTTP_PORT/metrics" | awk '$1 == "sluice_queries_total" { print $2; exit }')" || counted=""
  [ -n "$counted" ] && [ "${counted%.*}" -ge "$N_STATEMENTS" ] && break
  sleep 0.1
done
[ -n "$counted" ] && [ "${counted%.*}" -ge "$N_STATEMENTS" ] || die "the proxy counted ${counted:-no} queries, expected $N_STATEMENTS"
curl -fsS --max-time 60 "http://127.0.0.1:$HTTP_PORT/api/v1/workload?since=0" -o "$WORK/workload.json" \
  || die "GET /api/v1/workload failed"
read -r WL_FPS WL_CALLS <<<"$("$EVAL_BIN" workload-summary --file "$WORK/workload.json")"
say "workload exported: $WL_FPS fingerprints, $WL_CALLS calls ($(du -h "$WORK/workload.json" | cut -f1))"
stop_sluice

# --- the evaluation ---------------------------------------------------------------------
say "evaluating budgets $ADV_BUDGETS (time limit $ADV_EVAL_TIMEOUT s) ..."
t0="$(now)"
EVAL_STATUS=ok
timeout -k 10 "$ADV_EVAL_TIMEOUT" "$EVAL_BIN" evaluate --target "$TARGET" --workload "$WORK/workload.json" \
  --instances "$WORK/instances.tsv" --budgets "$ADV_BUDGETS" --runs "$ADV_RUNS" --warmup "$ADV_WARMUP" \
  --out-md "$WORK/eval.md" || EVAL_STATUS="failed (exit $?)"
EVAL_S="$(secs_since "$t0")"
say "evaluation $EVAL_STATUS in $EVAL_S s"

# --- scale check ------------------------------------------------------------------------
SCALE_MD=""
if [ "$ADV_SCALE_QUERIES" -gt 0 ]; then
  "$EVAL_BIN" scale-workload --out "$WORK/scale.json" --database "$DB" --count "$ADV_SCALE_QUERIES"
  read -r SC_FPS SC_CALLS <<<"$("$EVAL_BIN" workload-summary --file "$WORK/scale.json")"
  say "scale check: sluice advisor --once on $SC_FPS fingerprints (budget $ADV_SCALE_BUDGET) ..."
  t0="$(now)"
  SC_STATUS=ok
  timeout -k 10 600 "$SLUICE_BIN" advisor --once --workload "$WORK/scale.json" --target "$TARGET" \
    --budget "$ADV_SCALE_BUDGET" --out "$WORK/scale-report" >"$WORK/scale.log" 2>&1 || SC_STATUS="failed (exit $?)"
  SC_WALL="$(secs_since "$t0")"
  if [ "$SC_STATUS" = ok ] && [ -s "$WORK/scale-report/report.json" ]; then
    read -r SC_MS SC_CALLS_WHATIF SC_HITS SC_ADVISED SC_CANDS SC_SUGG SC_USED \
      <<<"$("$EVAL_BIN" report-summary --file "$WORK/scale-report/report.json")"
    SC_MET="$(awk -v s="$SC_WALL" 'BEGIN { print (s < 60 ? "met" : "missed") }')"
    say "scale check: $SC_WALL s wall ($SC_MET, target < 60 s), $SC_CALLS_WHATIF what-if calls, $SC_SUGG suggestions"
    SCALE_MD="| $SC_FPS | $SC_CALLS | $SC_ADVISED | $SC_CANDS | $SC_CALLS_WHATIF | $SC_HITS | $SC_SUGG | $(awk -v b="$SC_USED" 'BEGIN { printf "%.1f", b / 1048576 }') | $(awk -v m="$SC_MS" 'BEGIN { printf "%.1f", m / 1000 }') | $SC_WALL | $SC_MET |"
  else
    log_tail "$WORK/scale.log" "scale check log"
    SCALE_MD="| $SC_FPS | $SC_CALLS | - | - | - | - | - | - | - | $SC_WALL | $SC_STATUS |"
  fi
fi

# --- report -----------------------------------------------------------------------------
mkdir -p "$ADV_OUT"
STAMP="$(date -u +%Y-%m-%d-%H%M)"
REPORT="$ADV_OUT/$STAMP-advisor-eval.md"
MEM="$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
CPU="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
REV="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD 2>/dev/null || REV="$REV (uncommitted changes)"
{
  echo "# Sluice index advisor evaluation, $(date -u '+%Y-%m-%d %H:%M') UTC on $(hostname)"
  echo
  echo "- machine: $(nproc) CPUs ($CPU), $MEM memory, Linux $(uname -r)"
  echo "- versions: PostgreSQL $PG_VERSION, HypoPG $HYPOPG_VERSION, sluice $REV"
  echo "- data set: TPC-H-like, generated locally (bench/advisor_eval/tpch_load.sql, scale factor $ADV_SF), primary keys only; rows: $ROWS; database $DB_SIZE; loaded and VACUUM ANALYZEd in $LOAD_S s"
  echo "- workload: $N_TEMPLATES templates, $N_INSTANCES instances, $N_STATEMENTS statements sent with psql (2 sessions) through \`sluice proxy --pool-mode transaction\` in $RECORD_S s; exported from GET /api/v1/workload?since=0: $WL_FPS fingerprints, $WL_CALLS calls"
  echo "- timing: each instance $ADV_WARMUP warm-up + $ADV_RUNS timed runs on a direct connection, median; writes inside BEGIN ... ROLLBACK; weight = how often the instance was sent"
  echo "- baselines: (a) every column a query filters or joins on (sql::column_usage_postgres, equality/range/join), one single-column index each, unless an existing index starts with it; (b) Dexter-style: each read query alone, HypoPG single and two-column candidates from its own filtered columns, the best accepted when it cuts that query's cost by >= 50%. Both are cut to the budget when larger (a: by the calls x cost of the queries using the column, b: by weighted saving)"
  echo "- slower >10%: templates whose calls-weighted measured time grew by more than 10% and by more than 0.1 ms per call, reads / writes. Reads slower are plan regressions (target 0). Writes slower are the upkeep of indexes on the table they write (new_orders inserts 20 orders, settle_orders updates 50): every configuration with an index on orders pays it; Sluice's selection charges it and its validation weighs it against the reads' measured gain"
  echo "- command: \`ADV_VALIDATE=${ADV_VALIDATE:-1} ADV_SF=$ADV_SF ADV_BUDGETS=$ADV_BUDGETS ADV_RUNS=$ADV_RUNS ADV_WARMUP=$ADV_WARMUP ADV_SCALE_QUERIES=$ADV_SCALE_QUERIES bench/advisor_eval.sh\` (\`make bench-advisor\`); evaluation $EVAL_STATUS in $EVAL_S s, whole run $(secs_since "$T_ALL") s"
  echo
  if [ -s "$WORK/eval.md" ]; then cat "$WORK/eval.md"; else echo "Evaluation: $EVAL_STATUS (no results)."; fi
  if [ -n "$SCALE_MD" ]; then
    echo
    echo "## Scale check"
    echo
    echo "\`sluice advisor --once --workload <file> --budget $ADV_SCALE_BUDGET\` on a workload export (the proxy's table JSON, written by \`sluice_advisor_eval scale-workload\`) with structurally distinct SELECTs over the same tables (projected columns, filter columns and operators varied). Target: under 60 s."
    echo
    echo "| fingerprints | calls | advised | candidates | what-if calls | cache hits | suggestions | used MB | advisor wall s | process wall s | < 60 s |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    echo "$SCALE_MD"
  fi
} >"$REPORT"
cat "$REPORT"
say "report written to $REPORT"
[ "$EVAL_STATUS" = ok ] || exit 1
