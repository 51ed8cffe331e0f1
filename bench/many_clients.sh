#!/usr/bin/env bash
# 1,000 active clients on a pool of 20 (`make bench-many`): pgbench select-only with
# MANY_CLIENTS connections through Sluice (observation on) and through PgBouncer, both in
# transaction pooling with MANY_POOL_SIZE server connections, interleaved over MANY_ROUNDS
# rounds. Every transaction is logged (pgbench --log, sampling 1), and the logs give
# p50/p99 latency and the spread of transactions per client: min, p1, median, max, and the
# clients that finished none (starved). Issue 7's target: p99 no worse than PgBouncer's, no
# client starved. See bench/README.md ("1,000 active clients").
#
# Knobs (environment):
#   MANY_CLIENTS=1000       pgbench -c
#   MANY_THREADS=2          pgbench -j
#   MANY_SECONDS=22         pgbench -T of each recorded run (pgbench's clock includes the logins)
#   MANY_ROUNDS=3           rounds; each target runs once per round, the order alternating
#   MANY_MODE=simple        pgbench -M (simple or extended; PgBouncer 1.18 cannot do prepared)
#   MANY_POOL_SIZE=20       server connections per pool, Sluice and PgBouncer alike
#   MANY_WORKERS=nproc/2    sluice --workers (Sluice's default: one per two cores)
#   MANY_SCALE=10           pgbench -i -s
#   MANY_WARMUP=3           seconds of unrecorded warm-up per target (100 clients); 0 skips it
#   MANY_SLUICE_ARGS=""     extra arguments for `sluice proxy`
#   MANY_OUT=bench/results  where the report goes
#   MANY_KEEP=1             keep the temporary folder (logs) at exit
#   SLUICE_BIN, PGBOUNCER_BIN, PG_BIN   binaries
set -Eeuo pipefail
trap 'echo "bench-many: error: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR

ME=bench-many
KEEP="${MANY_KEEP:-0}"
MANY_CLIENTS="${MANY_CLIENTS:-1000}"
MANY_THREADS="${MANY_THREADS:-2}"
MANY_SECONDS="${MANY_SECONDS:-22}"
MANY_ROUNDS="${MANY_ROUNDS:-3}"
MANY_MODE="${MANY_MODE:-simple}"
MANY_POOL_SIZE="${MANY_POOL_SIZE:-20}"
MANY_SCALE="${MANY_SCALE:-10}"
MANY_WARMUP="${MANY_WARMUP:-3}"
MANY_SLUICE_ARGS="${MANY_SLUICE_ARGS:-}"
MANY_OUT="${MANY_OUT:-}"
# shellcheck source=bench/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
MANY_OUT="${MANY_OUT:-$ROOT/bench/results}"
MANY_WORKERS="${MANY_WORKERS:-$SLUICE_DEFAULT_WORKERS}"

for v in MANY_CLIENTS MANY_THREADS MANY_SECONDS MANY_ROUNDS MANY_POOL_SIZE MANY_WORKERS MANY_SCALE MANY_WARMUP; do
  is_uint "${!v}" || die "$v must be a whole number (got '${!v}')"
done
[ "$MANY_CLIENTS" -ge 1 ] || die "MANY_CLIENTS must be at least 1"
[ "$MANY_SECONDS" -ge 1 ] || die "MANY_SECONDS must be at least 1"
[ "$MANY_ROUNDS" -ge 1 ] || die "MANY_ROUNDS must be at least 1"
[ "$MANY_THREADS" -ge 1 ] || die "MANY_THREADS must be at least 1"
[ "$MANY_THREADS" -le "$MANY_CLIENTS" ] || MANY_THREADS="$MANY_CLIENTS"
case "$MANY_MODE" in simple|extended) ;; *) die "MANY_MODE must be simple or extended (PgBouncer $PGB_VERSION has no prepared statements in transaction mode)";; esac
check_prereqs
# Only the two pools (and a psql or two) reach PostgreSQL.
PG_MAX_CONNECTIONS="${PG_MAX_CONNECTIONS:-$(( 2 * MANY_POOL_SIZE + 20 ))}"

# pgbench's sockets, the proxies' client and server sockets, the log files.
raise_nofile $(( MANY_CLIENTS + 1024 ))

start_pg "$MANY_SCALE"
say "starting sluice (transaction pool, size $MANY_POOL_SIZE, $MANY_WORKERS workers, observation on)"
# shellcheck disable=SC2086
start_sluice "$MANY_POOL_SIZE" "$MANY_WORKERS" --max-client-conn $(( MANY_CLIENTS + 100 )) $MANY_SLUICE_ARGS
smoke sluice "$SLUICE_PORT" "$WORK/sluice.log"
say "starting PgBouncer $PGB_VERSION (transaction pool, size $MANY_POOL_SIZE, max_client_conn $(( MANY_CLIENTS + 100 )))"
start_pgbouncer "$MANY_POOL_SIZE" $(( MANY_CLIENTS + 100 ))
smoke pgbouncer "$PGB_PORT" "$WORK/pgbouncer/pgbouncer.log"

target_port() { case "$1" in sluice) echo "$SLUICE_PORT" ;; pgbouncer) echo "$PGB_PORT" ;; esac; }
target_pid() { case "$1" in sluice) echo "$SLUICE_PID" ;; pgbouncer) echo "$PGB_PID" ;; esac; }

# One pgbench run; appends to $WORK/runs.tsv:
#   round target status tps lat_avg_ms p50_ms p99_ms max_ms txs conn_ms cpu_per_1k
#   cmin cp1 cmed cmax starved clients_seen note
RUN_SEQ=0
LAST=""
run_one() {  # $1 = round (0: warm-up), $2 = target, $3 = clients, $4 = seconds
  local round="$1" target="$2" clients="$3" secs="$4"
  local port pid dir out rc t0 t1 tps avg txs conn cpu status note threads
  RUN_SEQ=$((RUN_SEQ + 1))
  dir="$WORK/runs/$RUN_SEQ"
  mkdir -p "$dir"
  kill -0 "$(target_pid "$target")" 2>/dev/null || die "$target is no longer running"
  port="$(target_port "$target")"
  pid="$(target_pid "$target")"
  threads=$(( MANY_THREADS < clients ? MANY_THREADS : clients ))
  t0="$(cpu_ticks "$pid")"
  rc=0
  timeout -k 10 $(( secs + 120 )) "$PGBENCH" -h 127.0.0.1 -p "$port" -U postgres -n -S -M "$MANY_MODE" \
    -c "$clients" -j "$threads" -T "$secs" --log --log-prefix="$dir/tx" \
    postgres >"$dir/out" 2>&1 &
  # In the background, so that a signal to this script is handled at once (timeout puts
  # pgbench in its own process group, out of reach of the terminal's Ctrl-C).
  EXTRA_PIDS=("$!")
  wait "$!" || rc=$?
  EXTRA_PIDS=()
  t1="$(cpu_ticks "$pid")"
  out="$dir/out"
  tps="$(awk '/^tps = / {print $3; exit}' "$out")"
  avg="$(awk '/^latency average = / {print $4; exit}' "$out")"
  conn="$(awk '/^initial connection time = / {print $5; exit}' "$out")"
  txs="$(awk -F': ' '/^number of transactions actually processed/ {split($2, a, "/"); print a[1]; exit}' "$out")"
  status=ok
  note=""
  if [ "$rc" -ne 0 ] || [ -z "$tps" ]; then
    status=fail
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
      note="pgbench timed out"
    else
      note="$(grep -m1 -iE 'error|fatal|abort' "$out" | cut -c1-160 | tr '\t' ' ' || true)"
      [ -n "$note" ] || note="pgbench exited with $rc and printed no tps"
    fi
    LAST="FAILED: $note"
    log_tail "$out" "pgbench output" 8
  fi
  cpu="-"
  if [ -n "$t0" ] && [ -n "$t1" ] && [ -n "${txs:-}" ] && [ "${txs:-0}" -gt 0 ]; then
    cpu="$(awk -v d=$(( t1 - t0 )) -v hz="$CLK_TCK" -v n="$txs" 'BEGIN { printf "%.4f", (d / hz) / (n / 1000) }')"
  fi
  # Per-transaction log lines: client_id transaction_no latency_us script_no epoch_s epoch_us.
  # A latency that is not a number (failed, skipped) is left out.
  local lat spread
  lat="$(cat "$dir"/tx.* 2>/dev/null | awk '$3 ~ /^[0-9]+$/ {print $3 / 1000}' | percentiles 50 99)"
  spread="$(cat "$dir"/tx.* 2>/dev/null | awk -v c="$clients" '
      $3 ~ /^[0-9]+$/ { n[$1]++ }
      END { for (i = 0; i < c; i++) print n[i] + 0 }' | percentiles 1 50)"
  local seen starved
  seen="$(cat "$dir"/tx.* 2>/dev/null | awk '$3 ~ /^[0-9]+$/ && !($1 in s) { s[$1] = 1; k++ } END { print k + 0 }')"
  starved=$(( clients - seen ))
  rm -f "$dir"/tx.*  # large
  # lat:    n p50 p99 min max   spread: n p1 p50 min max
  local p50 p99 lmax cp1 cmed cmin cmax
  read -r _ p50 p99 _ lmax <<<"$lat"
  read -r _ cp1 cmed cmin cmax <<<"$spread"
  if [ "$status" = ok ]; then
    LAST="$(printf '%.0f tps, p50 %s ms, p99 %s ms, per client min %s / p1 %s / median %s / max %s tx, %s starved, logins %.0f ms' \
      "$tps" "$(fmt "$p50" '%.2f')" "$(fmt "$p99" '%.2f')" "$cmin" "$cp1" "$cmed" "$cmax" "$starved" "${conn:-0}")"
  fi
  if [ "$round" -gt 0 ]; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$target" "$status" \
      "${tps:--}" "${avg:--}" "${p50:--}" "${p99:--}" "${lmax:--}" "${txs:--}" "${conn:--}" "$cpu" \
      "${cmin:--}" "${cp1:--}" "${cmed:--}" "${cmax:--}" "$starved" "$seen" "$note" >>"$WORK/runs.tsv"
  fi
}

: >"$WORK/runs.tsv"
TARGETS=(sluice pgbouncer)
say "$(( MANY_ROUNDS * 2 )) runs of pgbench -S -M $MANY_MODE -c $MANY_CLIENTS -j $MANY_THREADS -T $MANY_SECONDS, about $(( (MANY_ROUNDS * 2 * (MANY_SECONDS + 6) + 2 * MANY_WARMUP + 59) / 60 )) min"
if [ "$MANY_WARMUP" -gt 0 ]; then
  wc_clients=$(( MANY_CLIENTS < 100 ? MANY_CLIENTS : 100 ))
  for t in "${TARGETS[@]}"; do
    run_one 0 "$t" "$wc_clients" "$MANY_WARMUP"
    say "warm-up $t -c $wc_clients ... $LAST"
  done
fi
for (( r = 1; r <= MANY_ROUNDS; r++ )); do
  if (( r % 2 )); then order=(sluice pgbouncer); else order=(pgbouncer sluice); fi
  for t in "${order[@]}"; do
    run_one "$r" "$t" "$MANY_CLIENTS" "$MANY_SECONDS"
    say "round $r/$MANY_ROUNDS $t -c $MANY_CLIENTS ... $LAST"
  done
done

# --- report -----------------------------------------------------------------------------
col() {  # $1 target, $2 column of runs.tsv (ok runs)
  awk -F'\t' -v t="$1" -v k="$2" '$2 == t && $3 == "ok" {print $k}' "$WORK/runs.tsv" | median
}
colmax() {  # $1 target, $2 column: the largest over the ok runs
  awk -F'\t' -v t="$1" -v k="$2" '$2 == t && $3 == "ok" && $k ~ /^[0-9.]+$/ { if (!seen || $k > m) m = $k; seen = 1 } END { print (seen ? m : "-") }' "$WORK/runs.tsv"
}
report_path "$MANY_OUT" many
{
  echo "# 1,000 active clients on a pool of $MANY_POOL_SIZE, $(date '+%Y-%m-%d %H:%M %Z') on $HOST"
  echo
  machine_lines
  echo "- workload: \`pgbench -n -S -M $MANY_MODE -c $MANY_CLIENTS -j $MANY_THREADS -T $MANY_SECONDS --log\` (every transaction logged), scale $MANY_SCALE, $MANY_ROUNDS round(s), the two targets alternating first, ${MANY_WARMUP} s warm-up at 100 clients per target"
  echo "- PostgreSQL: throwaway cluster on 127.0.0.1, fsync=off, max_connections=$PG_MAX_CONNECTIONS (only the pools connect)"
  echo "- sluice: transaction pooling, pool size $MANY_POOL_SIZE, $MANY_WORKERS workers, observation on${MANY_SLUICE_ARGS:+, extra args \`$MANY_SLUICE_ARGS\`}"
  echo "- pgbouncer: pool_mode=transaction, default_pool_size=$MANY_POOL_SIZE, max_client_conn=$(( MANY_CLIENTS + 100 )), auth_type=scram-sha-256"
  echo "- latencies and per-client counts from the per-transaction logs (nearest-rank percentiles); TPS is pgbench's, without the initial connection time; logins = pgbench's initial connection time for all $MANY_CLIENTS clients; CPU = proxy utime+stime over the run per 1,000 transactions"
  echo "- command: \`MANY_CLIENTS=$MANY_CLIENTS MANY_THREADS=$MANY_THREADS MANY_SECONDS=$MANY_SECONDS MANY_ROUNDS=$MANY_ROUNDS MANY_MODE=$MANY_MODE MANY_POOL_SIZE=$MANY_POOL_SIZE MANY_WORKERS=$MANY_WORKERS bench/many_clients.sh\`"
  echo
  echo "## Median over rounds"
  echo
  echo "| target | TPS | p50 latency ms | p99 latency ms | max latency ms | tx per client: min | p1 | median | max | starved clients (most in a run) | logins ms | CPU s / 1000 tx | runs ok |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for t in "${TARGETS[@]}"; do
    ok="$(awk -F'\t' -v t="$t" '$2 == t && $3 == "ok"' "$WORK/runs.tsv" | wc -l)"
    echo "| $t | $(fmt "$(col "$t" 4)" '%.0f') | $(fmt "$(col "$t" 6)" '%.2f') | $(fmt "$(col "$t" 7)" '%.2f') | $(fmt "$(col "$t" 8)" '%.1f') | $(fmt "$(col "$t" 12)" '%.0f') | $(fmt "$(col "$t" 13)" '%.0f') | $(fmt "$(col "$t" 14)" '%.0f') | $(fmt "$(col "$t" 15)" '%.0f') | $(colmax "$t" 16) | $(fmt "$(col "$t" 10)" '%.0f') | $(fmt "$(col "$t" 11)" '%.4f') | $ok/$MANY_ROUNDS |"
  done
  echo
  s99="$(col sluice 7)"; b99="$(col pgbouncer 7)"
  st="$(colmax sluice 16)"
  verdict_p99="$(awk -v s="$s99" -v b="$b99" 'BEGIN { if (s == "-" || b == "-") print "not measured"; else printf "%s (sluice %.2f ms, pgbouncer %.2f ms, %.2fx)", (s <= b ? "met" : "missed"), s, b, s / b }')"
  if [ "$st" = - ]; then
    verdict_starve="not measured"
  elif [ "$st" = 0 ]; then
    verdict_starve="met (no Sluice client finished 0 transactions in any run)"
  else
    verdict_starve="missed ($st Sluice clients finished 0 transactions in one run)"
  fi
  echo "Issue 7's targets at $MANY_CLIENTS clients: p99 latency no worse than PgBouncer's (medians over rounds): $verdict_p99. No client starved: $verdict_starve."
  echo "Run-to-run spread is large on a shared 2-CPU machine with $MANY_CLIENTS clients: compare the rounds below before trusting a difference."
  if grep -q $'\tfail\t' "$WORK/runs.tsv"; then
    echo
    echo "## Notes"
    echo
    awk -F'\t' '$3 == "fail" {printf "- round %s %s failed: %s\n", $1, $2, $18}' "$WORK/runs.tsv"
  fi
  echo
  echo "## Every run"
  echo
  echo "| round | target | status | TPS | avg ms | p50 ms | p99 ms | max ms | transactions | tx per client: min | p1 | median | max | starved | logins ms | CPU s / 1000 tx |"
  echo "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '{ tps = ($4 ~ /^[0-9.]+$/) ? sprintf("%.1f", $4) : $4
    f = "%.2f"
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, tps, $5,
      ($6 ~ /^[0-9.]+$/ ? sprintf(f, $6) : $6), ($7 ~ /^[0-9.]+$/ ? sprintf(f, $7) : $7), ($8 ~ /^[0-9.]+$/ ? sprintf("%.1f", $8) : $8),
      $9, $12, $13, $14, $15, $16, ($10 ~ /^[0-9.]+$/ ? sprintf("%.0f", $10) : $10), $11 }' "$WORK/runs.tsv"
} >"$REPORT"

finish_report
