#!/usr/bin/env bash
# The end-to-end benchmark behind `make bench`: pgbench select-only against PostgreSQL
# directly, through Sluice (observation on, and a second Sluice with --no-observe) and
# through PgBouncer, interleaved over several rounds.
# See bench/README.md for what each column means and how to reproduce a figure.
#
# Knobs (environment):
#   BENCH_SECONDS=10        length of one pgbench run
#   ROUNDS=3                rounds; every (mode, clients, target) runs once per round
#   CLIENTS="16 64 256"     pgbench client counts (-c)
#   MODES="simple prepared" pgbench query modes (-M)
#   BENCH_QUICK=1           smoke run: 1 round, 3 s, 16 clients (explicit knobs still win)
#   BENCH_WORKERS=nproc/2   sluice --workers (Sluice's default: one per two cores)
#   BENCH_POOL_SIZE=20      server connections per pool, Sluice and PgBouncer alike
#   BENCH_SCALE=10          pgbench -i -s
#   BENCH_THREADS=nproc     pgbench -j (capped at the client count)
#   BENCH_WARMUP=5          seconds of unrecorded warm-up per target before round 1
#   BENCH_LOG_SAMPLING=0.2  pgbench --sampling-rate for the per-transaction log (p99)
#   BENCH_SKIP_SLUICE=1     leave Sluice out (e.g. before build/sluice exists)
#   BENCH_SKIP_PGBOUNCER=1  leave PgBouncer out
#   BENCH_OBSERVE_OFF=1     also run sluice_noobs (Sluice with --no-observe, own port, same
#                           pool settings) to report observe on/off; 0: leave it out
#   BENCH_PGBOUNCER_PREPARED=auto  1: run -M prepared through PgBouncer even when
#                           it is older than 1.21 (expected to fail); 0: never; auto: >= 1.21
#   BENCH_SLUICE_ARGS=""    extra arguments for `sluice proxy` (e.g. "--log-level warn")
#   BENCH_OUT=bench/results folder for the Markdown report
#   BENCH_KEEP=1            keep the temporary folder (logs, pgbench output) at exit
#   SLUICE_BIN, PGBOUNCER_BIN, PG_BIN   binaries (build/sluice, /usr/sbin/pgbouncer,
#                                       /usr/lib/postgresql/15/bin)
set -Eeuo pipefail
# A command failing where it should not: say where, instead of stopping silently.
trap 'echo "bench: error: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR

ME=bench
KEEP="${BENCH_KEEP:-0}"
# Throwaway PostgreSQL, PgBouncer, teardown, CPU from /proc and the report's helpers.
# shellcheck source=bench/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# --- knobs ------------------------------------------------------------------------------
if [ "${BENCH_QUICK:-0}" = 1 ]; then
  : "${ROUNDS:=1}" "${BENCH_SECONDS:=3}" "${CLIENTS:=16}" "${BENCH_WARMUP:=1}"
fi
BENCH_SECONDS="${BENCH_SECONDS:-10}"
ROUNDS="${ROUNDS:-3}"
CLIENTS="${CLIENTS:-16 64 256}"
MODES="${MODES:-simple prepared}"
BENCH_WORKERS="${BENCH_WORKERS:-$SLUICE_DEFAULT_WORKERS}"
BENCH_POOL_SIZE="${BENCH_POOL_SIZE:-20}"
BENCH_SCALE="${BENCH_SCALE:-10}"
BENCH_THREADS="${BENCH_THREADS:-$NPROC}"
BENCH_WARMUP="${BENCH_WARMUP:-5}"
BENCH_LOG_SAMPLING="${BENCH_LOG_SAMPLING:-0.2}"
BENCH_SKIP_SLUICE="${BENCH_SKIP_SLUICE:-0}"
BENCH_SKIP_PGBOUNCER="${BENCH_SKIP_PGBOUNCER:-0}"
BENCH_OBSERVE_OFF="${BENCH_OBSERVE_OFF:-1}"
BENCH_PGBOUNCER_PREPARED="${BENCH_PGBOUNCER_PREPARED:-auto}"
BENCH_SLUICE_ARGS="${BENCH_SLUICE_ARGS:-}"
BENCH_OUT="${BENCH_OUT:-$ROOT/bench/results}"
BENCH_KEEP="${BENCH_KEEP:-0}"

for v in BENCH_SECONDS ROUNDS BENCH_WORKERS BENCH_POOL_SIZE BENCH_SCALE BENCH_THREADS BENCH_WARMUP; do
  is_uint "${!v}" || die "$v must be a whole number (got '${!v}')"
done
[ "$BENCH_SECONDS" -ge 1 ] || die "BENCH_SECONDS must be at least 1"
[ "$ROUNDS" -ge 1 ] || die "ROUNDS must be at least 1"
[ "$BENCH_THREADS" -ge 1 ] || BENCH_THREADS=1
for c in $CLIENTS; do
  if ! is_uint "$c" || [ "$c" -lt 1 ]; then die "CLIENTS must list whole numbers (got '$c')"; fi
done
[ -n "${CLIENTS// /}" ] || die "CLIENTS is empty"
[ -n "${MODES// /}" ] || die "MODES is empty"
for m in $MODES; do
  case "$m" in simple|extended|prepared) ;; *) die "MODES must list simple, extended or prepared (got '$m')";; esac
done
case "$BENCH_OBSERVE_OFF" in 0|1) ;; *) die "BENCH_OBSERVE_OFF must be 0 or 1 (got '$BENCH_OBSERVE_OFF')";; esac
[[ "$BENCH_LOG_SAMPLING" =~ ^(0?\.[0-9]+|1(\.0*)?)$ ]] || die "BENCH_LOG_SAMPLING must be in (0, 1] (got '$BENCH_LOG_SAMPLING')"

# --- prerequisites ----------------------------------------------------------------------
[ -x "$PGBENCH" ] || die "$PGBENCH not found: run scripts/install-deps.sh (or set PG_BIN)"
[ -x "$PSQL" ] || die "$PSQL not found: run scripts/install-deps.sh (or set PG_BIN)"
[ -x "$THROWAWAY" ] || die "$THROWAWAY is missing or not executable"

TARGETS=(direct)
if [ "$BENCH_SKIP_SLUICE" != 1 ]; then
  [ -x "$SLUICE_BIN" ] || die "$SLUICE_BIN not found: build it first (make bench builds it),
  or run with BENCH_SKIP_SLUICE=1 to benchmark only PostgreSQL direct and PgBouncer"
  TARGETS+=(sluice)
  # The same proxy with observation off: the observe on/off column is sluice / sluice_noobs.
  [ "$BENCH_OBSERVE_OFF" = 1 ] && TARGETS+=(sluice_noobs)
fi
if [ "$BENCH_SKIP_PGBOUNCER" != 1 ]; then
  [ -x "$PGBOUNCER_BIN" ] || die "$PGBOUNCER_BIN not found: run scripts/install-deps.sh,
  or run with BENCH_SKIP_PGBOUNCER=1"
  TARGETS+=(pgbouncer)
fi

# 256 pgbench clients plus the proxies' sockets: lift the open-files limit where allowed.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# PgBouncer < 1.21 cannot keep protocol-level prepared statements in transaction mode.
PGB_VERSION=""
PGB_PREPARED=0      # run -M prepared through PgBouncer
PGB_HAS_PREPARED=0  # PgBouncer >= 1.21: max_prepared_statements exists
if [ "$BENCH_SKIP_PGBOUNCER" != 1 ]; then
  PGB_VERSION="$("$PGBOUNCER_BIN" --version 2>/dev/null | awk 'NR==1{print $2}' || true)"
  IFS=. read -r pgb_major pgb_minor _ <<<"$PGB_VERSION"
  if [ "${pgb_major:-0}" -gt 1 ] || { [ "${pgb_major:-0}" -eq 1 ] && [ "${pgb_minor:-0}" -ge 21 ]; }; then
    PGB_PREPARED=1
    PGB_HAS_PREPARED=1
  fi
  case "$BENCH_PGBOUNCER_PREPARED" in
    1) PGB_PREPARED=1 ;;
    0) PGB_PREPARED=0 ;;
    auto) ;;
    *) die "BENCH_PGBOUNCER_PREPARED must be auto, 1 or 0" ;;
  esac
fi

# --- PostgreSQL -------------------------------------------------------------------------
# common.sh made $WORK and stops Sluice (SLUICE_PID), PgBouncer (PGB_PID) and PostgreSQL at
# exit; the second Sluice is ours to stop.
NOOBS_PID=""
cleanup_hook() { stop_pid "$NOOBS_PID" INT; }
start_pg "$BENCH_SCALE"

# --- Sluice -----------------------------------------------------------------------------
SLUICE_PORT=""
NOOBS_PORT=""
LAUNCHED_PORT=""
LAUNCHED_PID=""
launch_sluice() {  # $1 = name (log file $WORK/<name>.log), $2... = extra arguments
  local name="$1"
  shift
  LAUNCHED_PORT="$(free_port)"
  # shellcheck disable=SC2086
  "$SLUICE_BIN" proxy --listen "127.0.0.1:$LAUNCHED_PORT" \
    --target "postgres://postgres:postgres@127.0.0.1:$PGPORT/postgres" \
    --pool-mode transaction --pool-size "$BENCH_POOL_SIZE" --workers "$BENCH_WORKERS" \
    "$@" $BENCH_SLUICE_ARGS >>"$WORK/$name.log" 2>&1 &
  LAUNCHED_PID=$!
  wait_listen "$LAUNCHED_PORT" "$LAUNCHED_PID" "$name" "$WORK/$name.log"
}
start_sluice_observing() {  # observation on (the default)
  launch_sluice sluice
  SLUICE_PORT="$LAUNCHED_PORT"
  SLUICE_PID="$LAUNCHED_PID"
}
start_sluice_noobs() {  # the same, with observation off
  launch_sluice sluice_noobs --no-observe
  NOOBS_PORT="$LAUNCHED_PORT"
  NOOBS_PID="$LAUNCHED_PID"
}

# --- PgBouncer (common.sh's start_pgbouncer) ---------------------------------------------
if [ "$PGB_PREPARED" = 1 ] && [ "$PGB_HAS_PREPARED" = 1 ]; then
  PGB_EXTRA_INI="max_prepared_statements = 100"
fi

# A login and a query that needs pgbench's tables, through the target.
smoke_scale() {  # $1 = name, $2 = port, $3 = log
  local out
  if ! out="$("$PSQL" -X -h 127.0.0.1 -p "$2" -U postgres -d postgres -Atc 'select count(*) from pgbench_branches' 2>&1)" \
     || [ "$out" != "$BENCH_SCALE" ]; then
    echo "$out" | tail -n 5 >&2
    log_tail "$3" "$1 log"
    die "$1 on port $2 does not answer a simple query"
  fi
}

for t in "${TARGETS[@]}"; do
  case "$t" in
    sluice)
      say "starting sluice (transaction pool, size $BENCH_POOL_SIZE, $BENCH_WORKERS workers)"
      start_sluice_observing
      smoke_scale sluice "$SLUICE_PORT" "$WORK/sluice.log"
      ;;
    sluice_noobs)
      say "starting sluice_noobs (the same with --no-observe)"
      start_sluice_noobs
      smoke_scale sluice_noobs "$NOOBS_PORT" "$WORK/sluice_noobs.log"
      ;;
    pgbouncer)
      say "starting PgBouncer $PGB_VERSION (transaction pool, size $BENCH_POOL_SIZE)"
      start_pgbouncer "$BENCH_POOL_SIZE" 1000
      smoke_scale pgbouncer "$PGB_PORT" "$WORK/pgbouncer/pgbouncer.log"
      ;;
  esac
done

# Make sure the proxy is alive before a run; a crash is reported and the proxy restarted,
# so one crash costs one run, not the whole benchmark.
ensure_alive() {  # $1 = target, $2-$4 = round, mode, clients (for the note)
  case "$1" in
    sluice)
      if ! kill -0 "$SLUICE_PID" 2>/dev/null; then
        wait "$SLUICE_PID" 2>/dev/null || true
        log_tail "$WORK/sluice.log" "sluice log"
        say "sluice had exited; restarting it"
        echo "sluice had exited (found before round $2 $3 -c $4; the run before it may have failed) and was restarted" >>"$WORK/notes"
        start_sluice_observing
      fi
      ;;
    sluice_noobs)
      if ! kill -0 "$NOOBS_PID" 2>/dev/null; then
        wait "$NOOBS_PID" 2>/dev/null || true
        log_tail "$WORK/sluice_noobs.log" "sluice_noobs log"
        say "sluice_noobs had exited; restarting it"
        echo "sluice_noobs had exited (found before round $2 $3 -c $4; the run before it may have failed) and was restarted" >>"$WORK/notes"
        start_sluice_noobs
      fi
      ;;
    pgbouncer)
      if ! kill -0 "$PGB_PID" 2>/dev/null; then
        wait "$PGB_PID" 2>/dev/null || true
        log_tail "$WORK/pgbouncer/pgbouncer.log" "pgbouncer log"
        say "pgbouncer had exited; restarting it"
        echo "pgbouncer had exited (found before round $2 $3 -c $4; the run before it may have failed) and was restarted" >>"$WORK/notes"
        start_pgbouncer "$BENCH_POOL_SIZE" 1000
      fi
      ;;
  esac
}

target_port() {
  case "$1" in
    direct) echo "$PGPORT" ;;
    sluice) echo "$SLUICE_PORT" ;;
    sluice_noobs) echo "$NOOBS_PORT" ;;
    pgbouncer) echo "$PGB_PORT" ;;
  esac
}
target_pid() {
  case "$1" in
    direct) echo "" ;;
    sluice) echo "$SLUICE_PID" ;;
    sluice_noobs) echo "$NOOBS_PID" ;;
    pgbouncer) echo "$PGB_PID" ;;
  esac
}

# p99 of the latencies (µs, 3rd field) in pgbench's per-transaction logs, printed in ms.
p99_ms() {  # $1 = log prefix
  local files=("$1".*)
  [ -e "${files[0]}" ] || { echo "-"; return 0; }
  cat "${files[@]}" | awk '$3 ~ /^[0-9]+$/ {print $3}' | sort -n | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "-"; exit }
      i = int(NR * 0.99); if (i < NR * 0.99) i++; if (i < 1) i = 1
      printf "%.3f\n", v[i] / 1000
    }'
}

# One pgbench run. Appends a line to $WORK/runs.tsv:
# round target mode clients status tps avg_ms p99_ms cpu_s_per_1k transactions note
RUN_SEQ=0
LAST_RESULT=""
run_one() {  # $1 = round (0 = warm-up), $2 = target, $3 = mode, $4 = clients, $5 = seconds
  local round="$1" target="$2" mode="$3" clients="$4" secs="$5"
  local port pid threads dir out rc t0 t1 tps avg p99 txs cpu note status
  RUN_SEQ=$((RUN_SEQ + 1))
  dir="$WORK/runs/$RUN_SEQ"
  mkdir -p "$dir"

  if [ "$target" = pgbouncer ] && [ "$mode" = prepared ] && [ "$PGB_PREPARED" != 1 ]; then
    [ "$round" -gt 0 ] && printf '%s\t%s\t%s\t%s\tn/a\t-\t-\t-\t-\t-\t%s\n' "$round" "$target" "$mode" "$clients" \
      "PgBouncer $PGB_VERSION has no prepared statements in transaction mode" >>"$WORK/runs.tsv"
    return 0
  fi
  ensure_alive "$target" "$round" "-M $mode" "$clients"
  port="$(target_port "$target")"
  pid="$(target_pid "$target")"
  threads=$(( BENCH_THREADS < clients ? BENCH_THREADS : clients ))

  t0=""
  [ -n "$pid" ] && t0="$(cpu_ticks "$pid")"
  rc=0
  timeout -k 10 $(( secs + 90 )) "$PGBENCH" -h 127.0.0.1 -p "$port" -U postgres -n -S -M "$mode" \
    -c "$clients" -j "$threads" -T "$secs" \
    --log --log-prefix="$dir/tx" --sampling-rate="$BENCH_LOG_SAMPLING" \
    postgres >"$dir/out" 2>&1 || rc=$?
  t1=""
  [ -n "$pid" ] && t1="$(cpu_ticks "$pid")"

  out="$dir/out"
  tps="$(awk '/^tps = / {print $3; exit}' "$out")"
  avg="$(awk '/^latency average = / {print $4; exit}' "$out")"
  txs="$(awk -F': ' '/^number of transactions actually processed/ {split($2, a, "/"); print a[1]; exit}' "$out")"
  status=ok
  note=""
  if [ "$rc" -ne 0 ] || [ -z "$tps" ]; then
    status=fail
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
      note="pgbench timed out"
    else
      note="$(grep -m1 -iE 'error|fatal|abort' "$out" | cut -c1-160 | tr '\t' ' ' || true)"
      if [ -z "$note" ] && [ "${txs:-}" = 0 ]; then
        note="no transaction finished within -T $secs s (logins took the whole run?)"
      fi
      [ -n "$note" ] || note="pgbench exited with $rc and printed no tps"
    fi
  fi
  p99="-"
  cpu="-"
  if [ "$status" = ok ]; then
    p99="$(p99_ms "$dir/tx")"
    if [ -n "$t0" ] && [ -n "$t1" ] && [ -n "$txs" ] && [ "$txs" -gt 0 ]; then
      cpu="$(awk -v d=$(( t1 - t0 )) -v hz="$CLK_TCK" -v n="$txs" 'BEGIN { printf "%.4f", (d / hz) / (n / 1000) }')"
    fi
  fi
  rm -f "$dir"/tx.*  # the per-transaction logs can be large

  if [ "$round" -gt 0 ]; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$target" "$mode" "$clients" "$status" \
      "${tps:--}" "${avg:--}" "$p99" "$cpu" "${txs:--}" "$note" >>"$WORK/runs.tsv"
  fi
  if [ "$status" = ok ]; then
    LAST_RESULT="$(printf '%.0f tps (avg %s ms, p99 %s ms%s)' "$tps" "$avg" "$p99" \
      "$([ "$cpu" != - ] && echo ", $cpu CPU s/1k tx")")"
  else
    LAST_RESULT="FAILED: $note"
    log_tail "$out" "pgbench output" 8
  fi
}

# --- the runs ---------------------------------------------------------------------------
: >"$WORK/runs.tsv"
: >"$WORK/notes"
n_targets=${#TARGETS[@]}
n_modes=$(wc -w <<<"$MODES")
n_clients=$(wc -w <<<"$CLIENTS")
total=$(( ROUNDS * n_modes * n_clients * n_targets ))
say "$total runs of ${BENCH_SECONDS} s (${ROUNDS} rounds x modes [$MODES] x clients [$CLIENTS] x [${TARGETS[*]}]), about $(( (total * (BENCH_SECONDS + 3) + 59) / 60 )) min"

first_clients="${CLIENTS%% *}"
if [ "$BENCH_WARMUP" -gt 0 ]; then
  for t in "${TARGETS[@]}"; do
    run_one 0 "$t" simple "$first_clients" "$BENCH_WARMUP"
    say "warm-up $t -c $first_clients ... $LAST_RESULT"
  done
fi

for (( r = 1; r <= ROUNDS; r++ )); do
  # Rotate the target order each round so no target always runs first (A/B/C, B/C/A, ...).
  order=()
  for (( i = 0; i < n_targets; i++ )); do
    order+=("${TARGETS[$(( (i + r - 1) % n_targets ))]}")
  done
  for mode in $MODES; do
    for c in $CLIENTS; do
      for t in "${order[@]}"; do
        run_one "$r" "$t" "$mode" "$c" "$BENCH_SECONDS"
        if [ "$t" = pgbouncer ] && [ "$mode" = prepared ] && [ "$PGB_PREPARED" != 1 ]; then
          say "round $r/$ROUNDS $t -M $mode -c $c ... n/a (PgBouncer $PGB_VERSION: no prepared statements in transaction mode)"
        else
          say "round $r/$ROUNDS $t -M $mode -c $c ... $LAST_RESULT"
        fi
      done
    done
  done
done

# --- report (median and fmt: common.sh) ---------------------------------------------------
col() {  # $1 target, $2 mode, $3 clients, $4 column number in runs.tsv (ok runs only)
  awk -F'\t' -v t="$1" -v m="$2" -v c="$3" -v k="$4" '$2 == t && $3 == m && $4 == c && $5 == "ok" {print $k}' "$WORK/runs.tsv" | median
}
ratio() {  # $1 / $2 as "1.23x"; $3 = decimals (default 2)
  if [ "$1" = - ] || [ "$2" = - ]; then echo "-"; else awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b > 0) printf "%.*fx", d, a / b; else print "-" }'; fi
}
# The issue's target for observation: with it on, Sluice keeps at least this share of the
# TPS it has with it off (sluice / sluice_noobs).
OBSERVE_TARGET=0.95
OBSERVE_RUN=0
[ "$BENCH_SKIP_SLUICE" != 1 ] && [ "$BENCH_OBSERVE_OFF" = 1 ] && OBSERVE_RUN=1

HOST="$(hostname -s 2>/dev/null || cat /proc/sys/kernel/hostname)"
HOST="${HOST//[^A-Za-z0-9._-]/_}"
STAMP="$(date +%Y-%m-%d-%H%M)"
CPU_MODEL="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
[ -n "$CPU_MODEL" ] || CPU_MODEL="$(uname -m)"
MEM_GIB="$(awk '/^MemTotal:/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)"
SLUICE_REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "no commit")"
if [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -n 1)" ]; then SLUICE_REV="$SLUICE_REV (uncommitted changes)"; fi
SUFFIX=""
[ "${BENCH_QUICK:-0}" = 1 ] && SUFFIX="-quick"
mkdir -p "$BENCH_OUT"
REPORT="$BENCH_OUT/$STAMP-$HOST$SUFFIX.md"

{
  echo "# Sluice benchmark, $(date '+%Y-%m-%d %H:%M %Z') on $HOST"
  echo
  echo "- machine: $NPROC CPUs ($CPU_MODEL), $MEM_GIB GiB memory, Linux $(uname -r)"
  echo "- versions: PostgreSQL $PG_VERSION, PgBouncer ${PGB_VERSION:-not run}, sluice $( [ "$BENCH_SKIP_SLUICE" = 1 ] && echo "not run" || echo "$SLUICE_REV")"
  echo "- workload: \`pgbench -n -S -M <mode> -c <clients> -j min($BENCH_THREADS, clients) -T $BENCH_SECONDS\`, scale $BENCH_SCALE, $ROUNDS round(s), targets interleaved and rotated each round, ${BENCH_WARMUP} s warm-up per target"
  echo "- PostgreSQL: throwaway cluster on 127.0.0.1, fsync=off, max_connections=400"
  [ "$BENCH_SKIP_SLUICE" != 1 ] && echo "- sluice: transaction pooling, pool size $BENCH_POOL_SIZE, $BENCH_WORKERS workers${BENCH_SLUICE_ARGS:+, extra args \`$BENCH_SLUICE_ARGS\`}, observation on (default settings)"
  [ "$OBSERVE_RUN" = 1 ] && echo "- sluice_noobs: a second sluice process on its own port, the same settings plus \`--no-observe\` (queries forwarded, not fingerprinted or timed)"
  [ "$BENCH_SKIP_PGBOUNCER" != 1 ] && echo "- pgbouncer: pool_mode=transaction, default_pool_size=$BENCH_POOL_SIZE, max_client_conn=1000, auth_type=scram-sha-256$( [ "$PGB_HAS_PREPARED" = 1 ] && echo ", max_prepared_statements=100")"
  echo "- p99 from pgbench per-transaction logs sampled at $BENCH_LOG_SAMPLING; CPU = the proxy process's utime+stime over the whole pgbench run (logins included) per 1,000 transactions"
  echo "- command: \`BENCH_SECONDS=$BENCH_SECONDS ROUNDS=$ROUNDS CLIENTS=\"$CLIENTS\" MODES=\"$MODES\" BENCH_WORKERS=$BENCH_WORKERS BENCH_POOL_SIZE=$BENCH_POOL_SIZE$( [ "$BENCH_SKIP_SLUICE" != 1 ] && echo " BENCH_OBSERVE_OFF=$BENCH_OBSERVE_OFF") bench/run.sh\`"
  echo
  echo "## Median over rounds"
  echo
  echo "| mode | clients | target | TPS | avg latency ms | p99 latency ms | CPU s / 1000 tx | sluice/pgbouncer TPS | sluice/direct TPS | observe on/off | runs ok |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  : >"$WORK/observe_cells"
  for mode in $MODES; do
    for c in $CLIENTS; do
      direct_tps="$(col direct "$mode" "$c" 6)"
      sluice_tps="$(col sluice "$mode" "$c" 6)"
      pgb_tps="$(col pgbouncer "$mode" "$c" 6)"
      noobs_tps="$(col sluice_noobs "$mode" "$c" 6)"
      for t in "${TARGETS[@]}"; do
        ok="$(awk -F'\t' -v t="$t" -v m="$mode" -v c="$c" '$2 == t && $3 == m && $4 == c && $5 == "ok"' "$WORK/runs.tsv" | wc -l)"
        na="$(awk -F'\t' -v t="$t" -v m="$mode" -v c="$c" '$2 == t && $3 == m && $4 == c && $5 == "n/a"' "$WORK/runs.tsv" | wc -l)"
        if [ "$na" -gt 0 ]; then
          echo "| $mode | $c | $t | n/a | n/a | n/a | n/a | | | | n/a |"
          continue
        fi
        tps="$(col "$t" "$mode" "$c" 6)"
        r_pgb=""; r_dir=""; r_obs=""
        if [ "$t" = sluice ]; then
          r_pgb="$(ratio "$sluice_tps" "$pgb_tps")"
          r_dir="$(ratio "$sluice_tps" "$direct_tps")"
          [ "$BENCH_SKIP_PGBOUNCER" = 1 ] && r_pgb="-"
          if [ "$OBSERVE_RUN" = 1 ]; then
            r_obs="$(ratio "$sluice_tps" "$noobs_tps" 3)"
            printf '%s\t%s\t%s\t%s\n' "$mode" "$c" "$sluice_tps" "$noobs_tps" >>"$WORK/observe_cells"
          fi
        fi
        echo "| $mode | $c | $t | $(fmt "$tps" '%.0f') | $(fmt "$(col "$t" "$mode" "$c" 7)" '%.3f') | $(fmt "$(col "$t" "$mode" "$c" 8)" '%.3f') | $(if [ "$t" = direct ]; then echo "-"; else fmt "$(col "$t" "$mode" "$c" 9)" '%.4f'; fi) | $r_pgb | $r_dir | $r_obs | $ok/$ROUNDS |"
      done
    done
  done
  if [ "$OBSERVE_RUN" = 1 ]; then
    echo
    # The verdict per (mode, clients): met, missed, or unknown (a side without a successful run).
    awk -F'\t' -v target="$OBSERVE_TARGET" '
      { if ($3 !~ /^[0-9.]+$/ || $4 !~ /^[0-9.]+$/ || $4 + 0 == 0) { unknown = unknown sep_u $1 " -c " $2; sep_u = ", "; next }
        n++
        v = $3 / $4
        if (v >= target) met++; else { missed = missed sep_m sprintf("%s -c %s (%.3fx)", $1, $2, v); sep_m = ", " } }
      END {
        printf "Observation overhead: the issue target is observe on/off >= %.2fx (with observation on, Sluice keeps at least %.0f %% of the TPS it has with `--no-observe`). ", target, target * 100
        if (n == 0) { print "Not measured: no (mode, clients) has a successful run on both sides."; exit }
        if (met == n) printf "Met in all %d (mode, clients) cells", n
        else printf "Met in %d of %d (mode, clients) cells; missed: %s", met, n, missed
        if (unknown != "") printf "; not measured: %s", unknown
        print "."
      }' "$WORK/observe_cells"
  fi
  if [ -s "$WORK/notes" ] || grep -qE $'\t(fail|n/a)\t' "$WORK/runs.tsv"; then
    echo
    echo "## Notes"
    echo
    if grep -q $'\tn/a\t' "$WORK/runs.tsv"; then
      echo "- n/a: PgBouncer $PGB_VERSION keeps no protocol-level prepared statements in transaction mode"
      echo "  (max_prepared_statements came in 1.21), so \`pgbench -M $(awk -F'\t' '$5 == "n/a" {print $3; exit}' "$WORK/runs.tsv")\` cannot run through it;"
      echo "  \`BENCH_PGBOUNCER_PREPARED=1\` runs it anyway to show the failure."
    fi
    sed 's/^/- /' "$WORK/notes"
    awk -F'\t' '$5 == "fail" {printf "- round %s %s -M %s -c %s failed: %s\n", $1, $2, $3, $4, $11}' "$WORK/runs.tsv"
  fi
  echo
  echo "## Every run"
  echo
  echo "| round | target | mode | clients | status | TPS | avg ms | p99 ms | CPU s / 1000 tx | transactions |"
  echo "|---:|---|---|---:|---|---:|---:|---:|---:|---:|"
  awk -F'\t' '{ tps = ($6 ~ /^[0-9.]+$/) ? sprintf("%.1f", $6) : $6
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, tps, $7, $8, $9, $10 }' "$WORK/runs.tsv"
} >"$REPORT"

finish_report
