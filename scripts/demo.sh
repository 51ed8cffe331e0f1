#!/usr/bin/env bash
# What `make demo` runs once build/sluice is built: a throwaway PostgreSQL, Sluice in front
# of it in transaction-pooling mode, a short pgbench through Sluice, a sample shop application
# (scripts/demo-app: customers, products, orders with some indexes missing) through Sluice, then
# the index advisor on what Sluice recorded, with its report in demo-report/ (report.html,
# report.md, report.json). Sluice stays up so you can connect with psql until Ctrl-C. Everything
# but the report is stopped and removed on exit.
#
#   scripts/demo.sh             run, then wait for Ctrl-C
#   scripts/demo.sh --no-wait   run, then stop everything and exit (also DEMO_NO_WAIT=1)
#
# Knobs: SLUICE_BIN (default build/sluice), PG_BIN (default /usr/lib/postgresql/15/bin),
#        DEMO_KEEP=1 keeps the temporary folder (logs) at exit, DEMO_REPORT_DIR (default
#        demo-report), DEMO_APP_SECONDS (default 20) for the shop application's run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { echo "demo: $*"; }
die() { echo "demo: error: $*" >&2; exit 1; }

NO_WAIT="${DEMO_NO_WAIT:-0}"
for arg in "$@"; do
  case "$arg" in
    --no-wait) NO_WAIT=1 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$arg' (try --help)" ;;
  esac
done

SLUICE_BIN="${SLUICE_BIN:-$ROOT/build/sluice}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PGBENCH="$PG_BIN/pgbench"
PSQL="$PG_BIN/psql"
THROWAWAY="$ROOT/scripts/pg-throwaway.sh"
export PGPASSWORD=postgres  # the throwaway server's superuser password

[ -x "$SLUICE_BIN" ] || die "$SLUICE_BIN not found: build it first (make demo builds it; or make build)"
[ -x "$PGBENCH" ] || die "$PGBENCH not found: run scripts/install-deps.sh (or set PG_BIN)"
[ -x "$THROWAWAY" ] || die "$THROWAWAY is missing or not executable"

WORK="$(mktemp -d -t sluice-demo.XXXXXX)"
chmod 711 "$WORK"  # as root, PostgreSQL runs as the postgres user and must reach $WORK/pg
SLUICE_PID=""
PG_STARTED=0

# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  if [ -n "$SLUICE_PID" ] && kill -0 "$SLUICE_PID" 2>/dev/null; then
    say "stopping sluice"
    kill -INT "$SLUICE_PID" 2>/dev/null || true
    for (( i = 0; i < 50; i++ )); do
      kill -0 "$SLUICE_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$SLUICE_PID" 2>/dev/null || true
    wait "$SLUICE_PID" 2>/dev/null || true
  fi
  if [ "$PG_STARTED" = 1 ]; then
    say "stopping PostgreSQL"
    "$THROWAWAY" stop "$WORK/pg" >/dev/null 2>&1 || true
  fi
  if [ "${DEMO_KEEP:-0}" = 1 ]; then
    say "kept $WORK (sluice.log, pg/postgres.log)"
  else
    rm -rf "$WORK"
  fi
  say "bye"
  exit "$rc"
}
trap cleanup EXIT
WAITING=0
# Ctrl-C is the normal way to end the demo once it waits; before that it is an interruption.
trap 'echo; if [ "$WAITING" = 1 ]; then exit 0; else say "interrupted"; exit 130; fi' INT
trap 'exit 143' TERM

sluice_log_tail() {
  if [ -s "$WORK/sluice.log" ]; then
    echo "demo: ---- last lines of the sluice log ----" >&2
    tail -n 20 "$WORK/sluice.log" >&2
    echo "demo: ----" >&2
  fi
}

# 1. PostgreSQL
say "starting a throwaway PostgreSQL 15 in $WORK/pg"
pg_out="$("$THROWAWAY" start "$WORK/pg" 2>"$WORK/pg-throwaway.err")" || {
  cat "$WORK/pg-throwaway.err" >&2
  die "could not start PostgreSQL"
}
PG_STARTED=1
PGPORT="${pg_out#PGPORT=}"
[[ "$PGPORT" =~ ^[0-9]+$ ]] || die "unexpected output from pg-throwaway.sh: $pg_out"
say "PostgreSQL is up on 127.0.0.1:$PGPORT"

# 2. Sluice
P="$("$THROWAWAY" free-port)"
H="$("$THROWAWAY" free-port)"
say "starting sluice on 127.0.0.1:$P (transaction pooling, pool size 10), admin HTTP on 127.0.0.1:$H"
"$SLUICE_BIN" proxy --listen "127.0.0.1:$P" \
  --target "postgres://postgres:postgres@127.0.0.1:$PGPORT/postgres" \
  --pool-mode transaction --pool-size 10 \
  --admin-http "127.0.0.1:$H" --data-dir "$WORK/sluice-data" >"$WORK/sluice.log" 2>&1 &
SLUICE_PID=$!
for (( i = 0; i < 100; i++ )); do
  [ -n "$(ss -Hltn "( sport = :$P )" 2>/dev/null)" ] && break
  if ! kill -0 "$SLUICE_PID" 2>/dev/null; then
    sluice_log_tail
    die "sluice exited during start-up"
  fi
  sleep 0.1
done
if [ -z "$(ss -Hltn "( sport = :$P )" 2>/dev/null)" ]; then
  sluice_log_tail
  die "sluice did not listen on 127.0.0.1:$P within 10 s"
fi
say "sluice is listening (pid $SLUICE_PID)"

# 3. pgbench
say "loading pgbench tables (scale 2) directly into PostgreSQL"
if ! "$PGBENCH" -h 127.0.0.1 -p "$PGPORT" -U postgres -i -s 2 -q postgres >"$WORK/pgbench-init.log" 2>&1; then
  tail -n 20 "$WORK/pgbench-init.log" >&2
  die "pgbench -i failed"
fi

run_pgbench() {  # $1 = title, rest = pgbench options
  local title="$1" out="$WORK/pgbench-$RANDOM.log"
  shift
  say "$title: pgbench $* (through sluice)"
  if ! "$PGBENCH" -h 127.0.0.1 -p "$P" -U postgres -n "$@" postgres >"$out" 2>&1; then
    grep -m 5 -iE 'error|fatal' "$out" >&2 || tail -n 10 "$out" >&2
    sluice_log_tail
    die "pgbench through sluice failed"
  fi
  grep -E '^(latency average|tps) = ' "$out" | sed "s/^/demo:   /" || true
}
run_pgbench "select-only, 16 clients, simple protocol" -c 16 -j 2 -T 5 -S
run_pgbench "TPC-B-like, 8 clients, prepared statements" -c 8 -j 2 -T 5 -M prepared

# 3b. The sample application
APP="$ROOT/scripts/demo-app"
say "loading the shop application's tables (50k customers, 5k products, 300k orders, 900k order lines)"
if ! "$PSQL" -h 127.0.0.1 -p "$PGPORT" -U postgres -X -q -v ON_ERROR_STOP=1 -f "$APP/shop_schema.sql" postgres \
    >"$WORK/shop-load.log" 2>&1; then
  tail -n 20 "$WORK/shop-load.log" >&2
  die "loading scripts/demo-app/shop_schema.sql failed"
fi
APP_SECONDS="${DEMO_APP_SECONDS:-20}"
run_pgbench "the shop application, 8 clients, extended protocol, ${APP_SECONDS} s" -c 8 -j 2 -T "$APP_SECONDS" -M extended \
  -f "$APP/shop_customer_orders.pgbench@20" -f "$APP/shop_order_detail.pgbench@20" \
  -f "$APP/shop_category_page.pgbench@20" -f "$APP/shop_pending_orders.pgbench@5" \
  -f "$APP/shop_customer_profile.pgbench@30" -f "$APP/shop_checkout.pgbench@10"

# 4. What sluice saw
sleep 1.2  # the merger publishes once a second
say "top queries by total time (SHOW QUERIES in the admin console):"
echo
PGPASSWORD=postgres "$PSQL" -h 127.0.0.1 -p "$P" -U postgres -X -P pager=off sluice \
  -c "SHOW QUERIES ORDER BY total_time LIMIT 8" 2>&1 | cut -c1-200 | sed 's/^/    /' || true
say "pool statistics (SHOW STATS):"
PGPASSWORD=postgres "$PSQL" -h 127.0.0.1 -p "$P" -U postgres -X -P pager=off sluice \
  -c "SHOW STATS" 2>&1 | sed 's/^/    /' || true

# 4b. The index advisor on what sluice recorded
REPORT_DIR="${DEMO_REPORT_DIR:-$ROOT/demo-report}"
say "running the index advisor: workload from sluice's admin HTTP, what-if costing with HypoPG, validation by real execution"
if ! "$SLUICE_BIN" advisor --once --proxy "http://127.0.0.1:$H" \
    --target "postgres://postgres:postgres@127.0.0.1:$PGPORT/postgres" --validate --out "$REPORT_DIR" \
    >"$WORK/advisor.out" 2>"$WORK/advisor.err"; then
  cat "$WORK/advisor.err" >&2
  die "the advisor failed"
fi
sed 's/^/    /' "$WORK/advisor.err"
echo
sed 's/^/    /' "$WORK/advisor.out"
echo
say "the report: $REPORT_DIR/report.html (also report.md and report.json; kept after the demo)"

# 5. Connect yourself
echo
say "sluice is running. Connect with:"
echo
echo "    PGPASSWORD=postgres psql -h 127.0.0.1 -p $P -U postgres postgres"
echo "    PGPASSWORD=postgres psql -h 127.0.0.1 -p $P -U postgres sluice     # admin console: SHOW HELP"
echo "    curl http://127.0.0.1:$H/metrics      # Prometheus"
echo "    curl http://127.0.0.1:$H/api/v1/queries?order_by=p99&limit=5"
echo
if [ "$NO_WAIT" = 1 ]; then
  say "--no-wait: stopping"
  exit 0
fi
say "press Ctrl-C to stop sluice and PostgreSQL and remove $WORK"
# Wait for Ctrl-C (the INT trap exits) or for sluice to stop on its own.
WAITING=1
while kill -0 "$SLUICE_PID" 2>/dev/null; do
  sleep 1 &
  wait $! || true
done
wait "$SLUICE_PID" 2>/dev/null && rc=0 || rc=$?
sluice_log_tail
die "sluice stopped on its own (exit status $rc)"
