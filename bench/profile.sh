#!/usr/bin/env bash
# Where a proxy's CPU goes under pgbench (`make bench-profile`): starts a throwaway
# PostgreSQL, Sluice and PgBouncer (as bench/run.sh does), then for each target runs pgbench
# select-only with `perf stat` (CPU, context switches and syscalls per transaction) and
# `perf record -g` attached to the proxy process, and prints the top symbols (self time),
# the split kernel / sluice / libc / libuv, and the figures per transaction.
#
# Knobs (environment):
#   PROF_CLIENTS=64        pgbench -c
#   PROF_SECONDS=10        pgbench -T of each profiled run
#   PROF_MODE=simple       pgbench -M
#   PROF_TARGETS="sluice pgbouncer"
#   PROF_POOL_SIZE=20      pool size of both proxies
#   PROF_WORKERS=nproc/2   Sluice --workers (its default: one per two cores)
#   PROF_TOP=40            symbols listed per target
#   PROF_FREQ=2000         perf record -F
#   PROF_SLUICE_ARGS=""    extra arguments for `sluice proxy` (e.g. "--no-observe")
#   PROF_KEEP=1            keep the temporary folder (perf.data files, logs)
set -Eeuo pipefail
trap 'echo "bench-profile: error: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR

ME=bench-profile
KEEP="${PROF_KEEP:-0}"
# shellcheck source=bench/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PROF_CLIENTS="${PROF_CLIENTS:-64}"
PROF_SECONDS="${PROF_SECONDS:-10}"
PROF_MODE="${PROF_MODE:-simple}"
PROF_TARGETS="${PROF_TARGETS:-sluice pgbouncer}"
PROF_POOL_SIZE="${PROF_POOL_SIZE:-20}"
PROF_WORKERS="${PROF_WORKERS:-$SLUICE_DEFAULT_WORKERS}"
PROF_TOP="${PROF_TOP:-40}"
PROF_FREQ="${PROF_FREQ:-2000}"
for v in PROF_CLIENTS PROF_SECONDS PROF_POOL_SIZE PROF_WORKERS PROF_TOP PROF_FREQ; do
  is_uint "${!v}" || die "$v must be a whole number (got '${!v}')"
done
command -v perf >/dev/null || die "perf not found (linux-perf)"
perf stat -e task-clock true >/dev/null 2>&1 || die "perf cannot count here (perf_event_paranoid or a container without perf events)"
check_prereqs
raise_nofile $(( PROF_CLIENTS * 2 + 256 ))

start_pg 10
for t in $PROF_TARGETS; do
  case "$t" in
    # shellcheck disable=SC2086  # PROF_SLUICE_ARGS is a list of words
    sluice) start_sluice "$PROF_POOL_SIZE" "$PROF_WORKERS" ${PROF_SLUICE_ARGS:-}; smoke sluice "$SLUICE_PORT" "$WORK/sluice.log" ;;
    pgbouncer) start_pgbouncer "$PROF_POOL_SIZE" $(( PROF_CLIENTS + 100 )); smoke pgbouncer "$PGB_PORT" "$WORK/pgbouncer/pgbouncer.log" ;;
    *) die "unknown target '$t' (sluice or pgbouncer)" ;;
  esac
done

pgbench_run() {  # $1 = port, $2 = seconds, $3 = output file
  "$PGBENCH" -h 127.0.0.1 -p "$1" -U postgres -n -S -M "$PROF_MODE" -c "$PROF_CLIENTS" \
    -j "$(( PROF_CLIENTS < 2 ? PROF_CLIENTS : 2 ))" -T "$2" postgres >"$3" 2>&1
}
tps_of() { awk '/^tps = / {printf "%.0f", $3; exit}' "$1"; }
tx_of() { awk '/number of transactions actually processed/ {print $NF; exit}' "$1" | cut -d/ -f1; }

for t in $PROF_TARGETS; do
  if [ "$t" = sluice ]; then port="$SLUICE_PORT"; pid="$SLUICE_PID"; else port="$PGB_PORT"; pid="$PGB_PID"; fi
  say "$t: warm-up 3 s"
  pgbench_run "$port" 3 "$WORK/$t-warm.out" || { cat "$WORK/$t-warm.out" >&2; die "pgbench through $t failed"; }

  say "$t: perf stat over pgbench -c $PROF_CLIENTS -T $PROF_SECONDS"
  perf stat -x, -e task-clock,context-switches,raw_syscalls:sys_enter -p "$pid" -o "$WORK/$t-stat.csv" \
    -- sleep "$(( PROF_SECONDS + 1 ))" &
  stat_pid=$!
  pgbench_run "$port" "$PROF_SECONDS" "$WORK/$t-stat.out"
  wait "$stat_pid" || true
  tx="$(tx_of "$WORK/$t-stat.out")"
  awk -F, -v tx="$tx" -v t="$t" -v tps="$(tps_of "$WORK/$t-stat.out")" '
    $3 == "task-clock" { cpu = $1 / 1000 }      # ms -> s
    $3 == "context-switches" { cs = $1 }
    $3 == "raw_syscalls:sys_enter" { sc = $1 }
    END { printf "%s: %s TPS, %d tx, CPU %.4f s / 1,000 tx, %.2f context switches / tx, %.2f syscalls / tx\n",
                 t, tps, tx, cpu / tx * 1000, cs / tx, sc / tx }' "$WORK/$t-stat.csv" | tee -a "$WORK/summary.txt" >&2

  say "$t: perf record -F $PROF_FREQ -g over pgbench -c $PROF_CLIENTS -T $PROF_SECONDS"
  perf record -q -F "$PROF_FREQ" -g -p "$pid" -o "$WORK/$t.perf.data" -- sleep "$(( PROF_SECONDS + 1 ))" 2>/dev/null &
  rec_pid=$!
  pgbench_run "$port" "$PROF_SECONDS" "$WORK/$t-rec.out"
  wait "$rec_pid" || true
  {
    echo "== $t: shared objects (self) =="
    perf report -i "$WORK/$t.perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | sed -n '1,8p'
    echo "== $t: top $PROF_TOP symbols (self) =="
    perf report -i "$WORK/$t.perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | sed -n "1,${PROF_TOP}p"
  } | tee -a "$WORK/summary.txt"
done
echo
cat "$WORK/summary.txt"
