#!/usr/bin/env bash
# Added latency at one client (`make bench-latency`): pgbench select-only with a single
# client, straight to PostgreSQL (direct), through Sluice (observation on) and through
# PgBouncer, both in transaction pooling, interleaved over LAT_ROUNDS rounds. Every
# transaction is logged (pgbench --log); the p50 of each run comes from the log, in
# microseconds, and the report gives the median over rounds and what each proxy adds over
# direct. Issue 7's target: Sluice's p50 within 30 us of PgBouncer's.
# See bench/README.md ("Latency at one client").
#
# Knobs (environment):
#   LAT_SECONDS=3           pgbench -T of each recorded run
#   LAT_ROUNDS=5            rounds; the target order rotates every round
#   LAT_MODES="simple extended prepared"  pgbench -M modes; PgBouncer 1.18 has no prepared
#                           statements in transaction mode, so its prepared cells are n/a
#   LAT_POOL_SIZE=20        server connections per pool
#   LAT_WORKERS=nproc/2     sluice --workers (Sluice's default: one per two cores)
#   LAT_SCALE=10            pgbench -i -s
#   LAT_WARMUP=2            seconds of unrecorded warm-up per target; 0 skips it
#   LAT_SLUICE_ARGS=""      extra arguments for `sluice proxy`
#   LAT_OUT=bench/results   where the report goes
#   LAT_KEEP=1              keep the temporary folder (logs) at exit
#   SLUICE_BIN, PGBOUNCER_BIN, PG_BIN   binaries
set -Eeuo pipefail
trap 'echo "bench-latency: error: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR

ME=bench-latency
KEEP="${LAT_KEEP:-0}"
# shellcheck source=bench/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

LAT_SECONDS="${LAT_SECONDS:-3}"
LAT_ROUNDS="${LAT_ROUNDS:-5}"
LAT_MODES="${LAT_MODES:-simple extended prepared}"
LAT_POOL_SIZE="${LAT_POOL_SIZE:-20}"
LAT_WORKERS="${LAT_WORKERS:-$SLUICE_DEFAULT_WORKERS}"
LAT_SCALE="${LAT_SCALE:-10}"
LAT_WARMUP="${LAT_WARMUP:-2}"
LAT_SLUICE_ARGS="${LAT_SLUICE_ARGS:-}"
LAT_OUT="${LAT_OUT:-$ROOT/bench/results}"
TARGET_US=30

for v in LAT_SECONDS LAT_ROUNDS LAT_POOL_SIZE LAT_WORKERS LAT_SCALE LAT_WARMUP; do
  is_uint "${!v}" || die "$v must be a whole number (got '${!v}')"
done
[ "$LAT_SECONDS" -ge 1 ] || die "LAT_SECONDS must be at least 1"
[ "$LAT_ROUNDS" -ge 1 ] || die "LAT_ROUNDS must be at least 1"
[ -n "${LAT_MODES// /}" ] || die "LAT_MODES is empty"
for m in $LAT_MODES; do
  case "$m" in simple|extended|prepared) ;; *) die "LAT_MODES must list simple, extended or prepared (got '$m')";; esac
done
check_prereqs

# PgBouncer < 1.21 keeps no protocol-level prepared statements in transaction mode.
IFS=. read -r pgb_major pgb_minor _ <<<"$PGB_VERSION"
PGB_PREPARED=0
if [ "${pgb_major:-0}" -gt 1 ] || { [ "${pgb_major:-0}" -eq 1 ] && [ "${pgb_minor:-0}" -ge 21 ]; }; then
  PGB_PREPARED=1
fi

PG_MAX_CONNECTIONS="${PG_MAX_CONNECTIONS:-$(( 2 * LAT_POOL_SIZE + 20 ))}"
start_pg "$LAT_SCALE"
say "starting sluice (transaction pool, size $LAT_POOL_SIZE, $LAT_WORKERS workers, observation on)"
# shellcheck disable=SC2086
start_sluice "$LAT_POOL_SIZE" "$LAT_WORKERS" $LAT_SLUICE_ARGS
smoke sluice "$SLUICE_PORT" "$WORK/sluice.log"
say "starting PgBouncer $PGB_VERSION (transaction pool, size $LAT_POOL_SIZE)"
[ "$PGB_PREPARED" = 1 ] && PGB_EXTRA_INI="max_prepared_statements = 100"
start_pgbouncer "$LAT_POOL_SIZE" 100
smoke pgbouncer "$PGB_PORT" "$WORK/pgbouncer/pgbouncer.log"

TARGETS=(direct sluice pgbouncer)
target_port() { case "$1" in direct) echo "$PGPORT" ;; sluice) echo "$SLUICE_PORT" ;; pgbouncer) echo "$PGB_PORT" ;; esac; }
target_pid() { case "$1" in sluice) echo "$SLUICE_PID" ;; pgbouncer) echo "$PGB_PID" ;; *) echo "" ;; esac; }
skipped() { [ "$1" = pgbouncer ] && [ "$2" = prepared ] && [ "$PGB_PREPARED" != 1 ]; }

# One run; appends to $WORK/runs.tsv: round target mode status tps p50_us p99_us avg_ms txs note
RUN_SEQ=0
LAST=""
run_one() {  # $1 = round (0: warm-up), $2 = target, $3 = mode, $4 = seconds
  local round="$1" target="$2" mode="$3" secs="$4" dir out rc tps avg txs pid lat p50 p99 status=ok note=""
  RUN_SEQ=$((RUN_SEQ + 1))
  dir="$WORK/runs/$RUN_SEQ"
  mkdir -p "$dir"
  pid="$(target_pid "$target")"
  if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then die "$target is no longer running"; fi
  rc=0
  timeout -k 10 $(( secs + 60 )) "$PGBENCH" -h 127.0.0.1 -p "$(target_port "$target")" -U postgres -n -S -M "$mode" \
    -c 1 -j 1 -T "$secs" --log --log-prefix="$dir/tx" postgres >"$dir/out" 2>&1 &
  # In the background, so that a signal to this script is handled at once (timeout puts
  # pgbench in its own process group, out of reach of the terminal's Ctrl-C).
  EXTRA_PIDS=("$!")
  wait "$!" || rc=$?
  EXTRA_PIDS=()
  out="$dir/out"
  tps="$(awk '/^tps = / {print $3; exit}' "$out")"
  avg="$(awk '/^latency average = / {print $4; exit}' "$out")"
  txs="$(awk -F': ' '/^number of transactions actually processed/ {split($2, a, "/"); print a[1]; exit}' "$out")"
  if [ "$rc" -ne 0 ] || [ -z "$tps" ]; then
    status=fail
    note="$(grep -m1 -iE 'error|fatal|abort' "$out" | cut -c1-160 | tr '\t' ' ' || true)"
    [ -n "$note" ] || note="pgbench exited with $rc and printed no tps"
    LAST="FAILED: $note"
    log_tail "$out" "pgbench output" 8
  fi
  # Per-transaction log: client_id transaction_no latency_us ...
  lat="$(cat "$dir"/tx.* 2>/dev/null | awk '$3 ~ /^[0-9]+$/ {print $3}' | percentiles 50 99)"
  rm -f "$dir"/tx.*
  read -r _ p50 p99 _ _ <<<"$lat"
  [ "$status" = ok ] && LAST="$(printf '%.0f tps, p50 %s us, p99 %s us' "$tps" "$p50" "$p99")"
  if [ "$round" -gt 0 ]; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$target" "$mode" "$status" "${tps:--}" "${p50:--}" \
      "${p99:--}" "${avg:--}" "${txs:--}" "$note" >>"$WORK/runs.tsv"
  fi
}

: >"$WORK/runs.tsv"
n_runs=0
for m in $LAT_MODES; do for t in "${TARGETS[@]}"; do skipped "$t" "$m" || n_runs=$(( n_runs + 1 )); done; done
say "$(( n_runs * LAT_ROUNDS )) runs of pgbench -S -c 1 -T $LAT_SECONDS ($LAT_ROUNDS rounds x modes [$LAT_MODES] x [${TARGETS[*]}]), about $(( (n_runs * LAT_ROUNDS * (LAT_SECONDS + 1) + 3 * LAT_WARMUP + 59) / 60 )) min"
if [ "$LAT_WARMUP" -gt 0 ]; then
  for t in "${TARGETS[@]}"; do
    run_one 0 "$t" simple "$LAT_WARMUP"
    say "warm-up $t ... $LAST"
  done
fi
for (( r = 1; r <= LAT_ROUNDS; r++ )); do
  order=()
  for (( i = 0; i < ${#TARGETS[@]}; i++ )); do order+=("${TARGETS[$(( (i + r - 1) % ${#TARGETS[@]} ))]}"); done
  for m in $LAT_MODES; do
    for t in "${order[@]}"; do
      if skipped "$t" "$m"; then
        printf '%s\t%s\t%s\tn/a\t-\t-\t-\t-\t-\t%s\n' "$r" "$t" "$m" "PgBouncer $PGB_VERSION has no prepared statements in transaction mode" >>"$WORK/runs.tsv"
        continue
      fi
      run_one "$r" "$t" "$m" "$LAT_SECONDS"
      say "round $r/$LAT_ROUNDS $t -M $m ... $LAST"
    done
  done
done

# --- report -----------------------------------------------------------------------------
col() {  # $1 target, $2 mode, $3 column (ok runs)
  awk -F'\t' -v t="$1" -v m="$2" -v k="$3" '$2 == t && $3 == m && $4 == "ok" {print $k}' "$WORK/runs.tsv" | median
}
diff_us() {  # $1 - $2, signed, "-" when either is missing
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%+.0f", a - b }'
}
report_path "$LAT_OUT" latency
: >"$WORK/verdicts"
{
  echo "# Latency at one client, $(date '+%Y-%m-%d %H:%M %Z') on $HOST"
  echo
  machine_lines
  echo "- workload: \`pgbench -n -S -M <mode> -c 1 -j 1 -T $LAT_SECONDS --log\` (every transaction logged), scale $LAT_SCALE, $LAT_ROUNDS round(s), targets rotated each round, ${LAT_WARMUP} s warm-up per target"
  echo "- sluice: transaction pooling, pool size $LAT_POOL_SIZE, $LAT_WORKERS workers, observation on${LAT_SLUICE_ARGS:+, extra args \`$LAT_SLUICE_ARGS\`}"
  echo "- pgbouncer: pool_mode=transaction, default_pool_size=$LAT_POOL_SIZE, auth_type=scram-sha-256$( [ "$PGB_PREPARED" = 1 ] && echo ", max_prepared_statements=100")"
  echo "- p50/p99: nearest-rank percentiles of pgbench's per-transaction latencies (µs) in each run; the table gives the median of each over the rounds"
  echo "- command: \`LAT_SECONDS=$LAT_SECONDS LAT_ROUNDS=$LAT_ROUNDS LAT_MODES=\"$LAT_MODES\" LAT_POOL_SIZE=$LAT_POOL_SIZE LAT_WORKERS=$LAT_WORKERS bench/latency_1client.sh\`"
  echo
  echo "## Median over rounds"
  echo
  echo "| mode | target | p50 µs | p99 µs | TPS | p50 added over direct µs | sluice p50 - pgbouncer p50 µs | runs ok |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  for m in $LAT_MODES; do
    d50="$(col direct "$m" 6)"
    s50="$(col sluice "$m" 6)"
    b50="$(col pgbouncer "$m" 6)"
    for t in "${TARGETS[@]}"; do
      if skipped "$t" "$m"; then
        echo "| $m | $t | n/a | n/a | n/a | | | n/a |"
        continue
      fi
      ok="$(awk -F'\t' -v t="$t" -v m="$m" '$2 == t && $3 == m && $4 == "ok"' "$WORK/runs.tsv" | wc -l)"
      p50="$(col "$t" "$m" 6)"
      added=""; vs=""
      [ "$t" != direct ] && added="$(diff_us "$p50" "$d50")"
      if [ "$t" = sluice ] && ! skipped pgbouncer "$m"; then
        vs="$(diff_us "$s50" "$b50")"
        printf '%s\t%s\n' "$m" "$vs" >>"$WORK/verdicts"
      fi
      echo "| $m | $t | $(fmt "$p50" '%.0f') | $(fmt "$(col "$t" "$m" 7)" '%.0f') | $(fmt "$(col "$t" "$m" 5)" '%.0f') | $added | $vs | $ok/$LAT_ROUNDS |"
    done
  done
  echo
  awk -F'\t' -v lim="$TARGET_US" '
    { if ($2 == "-") { unk = unk sep_u $1; sep_u = ", "; next }
      n++; v = $2 + 0
      if (v <= lim) met = met sep_m sprintf("%s (%+d µs)", $1, v); else missed = missed sep_x sprintf("%s (%+d µs)", $1, v)
      if (v <= lim) sep_m = ", "; else sep_x = ", " }
    END {
      printf "Issue 7 target: Sluice'\''s p50 within %d µs of PgBouncer'\''s (medians over rounds). ", lim
      if (n == 0) { print "Not measured."; exit }
      out = ""
      if (met != "") out = "Met in: " met "."
      if (missed != "") out = out (out != "" ? " " : "") "Missed in: " missed "."
      if (unk != "") out = out (out != "" ? " " : "") "Not measured in: " unk "."
      print out
    }' "$WORK/verdicts"
  echo "At one client on a shared 2-CPU machine the p50 moves by several µs between rounds: look at the rounds below."
  if grep -qE $'\t(fail|n/a)\t' "$WORK/runs.tsv"; then
    echo
    echo "## Notes"
    echo
    if grep -q $'\tn/a\t' "$WORK/runs.tsv"; then
      echo "- n/a: PgBouncer $PGB_VERSION keeps no protocol-level prepared statements in transaction mode"
      echo "  (max_prepared_statements came in 1.21), so \`pgbench -M prepared\` cannot run through it."
    fi
    awk -F'\t' '$4 == "fail" {printf "- round %s %s -M %s failed: %s\n", $1, $2, $3, $10}' "$WORK/runs.tsv"
  fi
  echo
  echo "## Every run"
  echo
  echo "| round | target | mode | status | TPS | p50 µs | p99 µs | avg ms | transactions |"
  echo "|---:|---|---|---|---:|---:|---:|---:|---:|"
  awk -F'\t' '{ tps = ($5 ~ /^[0-9.]+$/) ? sprintf("%.1f", $5) : $5
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, tps, $6, $7, $8, $9 }' "$WORK/runs.tsv"
} >"$REPORT"

finish_report
