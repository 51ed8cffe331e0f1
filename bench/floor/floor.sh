#!/usr/bin/env bash
# Floor of a read/write proxy (`make bench-floor`): the least CPU a TCP proxy spends per
# pgbench transaction on this machine. Two minimal 1:1 forwarders (no pooling, no parsing),
# bench/floor/epoll_forward.cc (read/write on epoll) and bench/floor/uring_forward.cc
# (io_uring), are built with g++ into the temporary folder and run against one throwaway
# PostgreSQL next to direct PostgreSQL and PgBouncer (transaction pooling, as in
# bench/run.sh), pgbench select-only, interleaved over FLOOR_ROUNDS rounds. Reported per
# target: TPS and the proxy process's CPU (utime + stime) per 1,000 transactions, and that
# CPU relative to PgBouncer's. See bench/README.md ("Floor of a read/write proxy").
#
# Knobs (environment):
#   FLOOR_SECONDS=10        pgbench -T of each recorded run
#   FLOOR_ROUNDS=3          rounds; the target order rotates every round
#   FLOOR_CLIENTS="16"      pgbench client counts (-c)
#   FLOOR_THREADS=2         pgbench -j (capped at the client count)
#   FLOOR_MODE=simple       pgbench -M (simple or extended; PgBouncer 1.18 cannot do prepared)
#   FLOOR_SCALE=10          pgbench -i -s
#   FLOOR_WARMUP=2          seconds of unrecorded warm-up per target; 0 skips it
#   FLOOR_POOL_SIZE=20      PgBouncer default_pool_size
#   FLOOR_URING_MODE=defer  uring_forward's ring: defer (SINGLE_ISSUER|DEFER_TASKRUN), coop
#                           (COOP_TASKRUN) or plain; a mode the kernel refuses falls back
#   FLOOR_SYSCALLS=auto     after the rounds, one extra run per proxy with
#                           `perf stat -e raw_syscalls:sys_enter` attached, for syscalls per
#                           transaction (not used for TPS or CPU); auto: when perf works, 0: off
#   FLOOR_SYSCALL_SECONDS=3 pgbench -T of those runs
#   FLOOR_OUT=bench/results where the report goes
#   FLOOR_KEEP=1            keep the temporary folder (binaries, logs) at exit
#   FLOOR_SLUICE=auto       also run build/sluice (as bench/run.sh does) when it exists; 1: must; 0: never
#   FLOOR_SLUICE_WORKERS=nproc/2  its --workers (Sluice's default: one per two cores)
#   CXX=g++, PGBOUNCER_BIN, PG_BIN, SLUICE_BIN   compiler and binaries
set -Eeuo pipefail
trap 'echo "bench-floor: error: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR

ME=bench-floor
KEEP="${FLOOR_KEEP:-0}"
# shellcheck source=bench/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

FLOOR_SECONDS="${FLOOR_SECONDS:-10}"
FLOOR_ROUNDS="${FLOOR_ROUNDS:-3}"
FLOOR_CLIENTS="${FLOOR_CLIENTS:-16}"
FLOOR_THREADS="${FLOOR_THREADS:-2}"
FLOOR_MODE="${FLOOR_MODE:-simple}"
FLOOR_SCALE="${FLOOR_SCALE:-10}"
FLOOR_WARMUP="${FLOOR_WARMUP:-2}"
FLOOR_POOL_SIZE="${FLOOR_POOL_SIZE:-20}"
FLOOR_URING_MODE="${FLOOR_URING_MODE:-defer}"
FLOOR_SYSCALLS="${FLOOR_SYSCALLS:-auto}"
FLOOR_SYSCALL_SECONDS="${FLOOR_SYSCALL_SECONDS:-3}"
FLOOR_OUT="${FLOOR_OUT:-$ROOT/bench/results}"
CXX="${CXX:-g++}"

for v in FLOOR_SECONDS FLOOR_ROUNDS FLOOR_THREADS FLOOR_SCALE FLOOR_WARMUP FLOOR_POOL_SIZE FLOOR_SYSCALL_SECONDS; do
  is_uint "${!v}" || die "$v must be a whole number (got '${!v}')"
done
[ "$FLOOR_SECONDS" -ge 1 ] || die "FLOOR_SECONDS must be at least 1"
[ "$FLOOR_ROUNDS" -ge 1 ] || die "FLOOR_ROUNDS must be at least 1"
[ "$FLOOR_THREADS" -ge 1 ] || die "FLOOR_THREADS must be at least 1"
[ "$FLOOR_SYSCALL_SECONDS" -ge 1 ] || die "FLOOR_SYSCALL_SECONDS must be at least 1 (FLOOR_SYSCALLS=0 turns the syscall runs off)"
[ -n "${FLOOR_CLIENTS// /}" ] || die "FLOOR_CLIENTS is empty"
max_clients=0
for c in $FLOOR_CLIENTS; do
  if ! is_uint "$c" || [ "$c" -lt 1 ]; then die "FLOOR_CLIENTS must list whole numbers (got '$c')"; fi
  [ "$c" -gt "$max_clients" ] && max_clients="$c"
done
case "$FLOOR_MODE" in simple|extended) ;; *) die "FLOOR_MODE must be simple or extended (got '$FLOOR_MODE')";; esac
case "$FLOOR_URING_MODE" in defer|coop|plain) ;; *) die "FLOOR_URING_MODE must be defer, coop or plain (got '$FLOOR_URING_MODE')";; esac
case "$FLOOR_SYSCALLS" in auto|0|1) ;; *) die "FLOOR_SYSCALLS must be auto, 1 or 0 (got '$FLOOR_SYSCALLS')";; esac

# No Sluice here, so not check_prereqs.
[ -x "$PGBENCH" ] || die "$PGBENCH not found: run scripts/install-deps.sh (or set PG_BIN)"
[ -x "$PSQL" ] || die "$PSQL not found: run scripts/install-deps.sh (or set PG_BIN)"
[ -x "$THROWAWAY" ] || die "$THROWAWAY is missing or not executable"
[ -x "$PGBOUNCER_BIN" ] || die "$PGBOUNCER_BIN not found: run scripts/install-deps.sh (or set PGBOUNCER_BIN)"
command -v ss >/dev/null || die "ss (iproute2) not found"
command -v "$CXX" >/dev/null || die "$CXX not found: run scripts/install-deps.sh (or set CXX)"
[ -f /usr/include/liburing.h ] || die "liburing.h not found: run scripts/install-deps.sh (package liburing-dev)"
raise_nofile $(( 4 * max_clients + 1024 ))

# --- the forwarders ---------------------------------------------------------------------
BIN="$WORK/bin"
mkdir -p "$BIN"
CXXFLAGS=(-std=c++20 -O2 -Wall -Wextra)
say "building epoll_forward and uring_forward ($CXX ${CXXFLAGS[*]}) in $BIN"
"$CXX" "${CXXFLAGS[@]}" -o "$BIN/epoll_forward" "$ROOT/bench/floor/epoll_forward.cc" || die "could not build epoll_forward"
"$CXX" "${CXXFLAGS[@]}" -o "$BIN/uring_forward" "$ROOT/bench/floor/uring_forward.cc" -luring || die "could not build uring_forward"
CXX_VERSION="$("$CXX" --version | head -n 1)"

# The forwarders hold one server connection per client; PgBouncer up to the pool size.
need=$(( 2 * max_clients + FLOOR_POOL_SIZE + 20 ))
PG_MAX_CONNECTIONS="${PG_MAX_CONNECTIONS:-$(( need > 400 ? need : 400 ))}"
start_pg "$FLOOR_SCALE"

declare -A PORT PID
PORT[direct]="$PGPORT"
start_forwarder() {  # $1 = epoll_forward or uring_forward, $2... = extra arguments
  local name="$1" port
  shift
  port="$(free_port)"
  "$BIN/$name" "$port" "$PGPORT" "$@" >>"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  PORT[$name]="$port"
  EXTRA_PIDS+=("$!")  # stopped with SIGTERM by common.sh's cleanup
  wait_listen "$port" "$!" "$name" "$WORK/$name.log"
  smoke "$name" "$port" "$WORK/$name.log"
}
say "starting epoll_forward"
start_forwarder epoll_forward
say "starting uring_forward (mode $FLOOR_URING_MODE)"
start_forwarder uring_forward "$FLOOR_URING_MODE"
URING_MODE="$(sed -n 's/^uring_forward: io_uring mode //p' "$WORK/uring_forward.log" | tail -n 1)"
say "uring_forward runs in mode ${URING_MODE:-?}"
say "starting PgBouncer $PGB_VERSION (transaction pool, size $FLOOR_POOL_SIZE)"
start_pgbouncer "$FLOOR_POOL_SIZE" 1000
smoke pgbouncer "$PGB_PORT" "$WORK/pgbouncer/pgbouncer.log"
PORT[pgbouncer]="$PGB_PORT"
PID[pgbouncer]="$PGB_PID"
PID[direct]=""

TARGETS=(direct epoll_forward uring_forward pgbouncer)
PROXIES=(epoll_forward uring_forward pgbouncer)
# Sluice itself beside the floor, as bench/run.sh runs it (observation on), when it is built.
SLUICE_BIN="${SLUICE_BIN:-$ROOT/build/sluice}"
FLOOR_SLUICE="${FLOOR_SLUICE:-auto}"
FLOOR_SLUICE_WORKERS="${FLOOR_SLUICE_WORKERS:-$SLUICE_DEFAULT_WORKERS}"
if [ "$FLOOR_SLUICE" = 1 ] || { [ "$FLOOR_SLUICE" = auto ] && [ -x "$SLUICE_BIN" ]; }; then
  [ -x "$SLUICE_BIN" ] || die "$SLUICE_BIN not found: build it first (make build), or FLOOR_SLUICE=0"
  say "starting sluice (transaction pool, size $FLOOR_POOL_SIZE, $FLOOR_SLUICE_WORKERS workers)"
  start_sluice "$FLOOR_POOL_SIZE" "$FLOOR_SLUICE_WORKERS"
  smoke sluice "$SLUICE_PORT" "$WORK/sluice.log"
  PORT[sluice]="$SLUICE_PORT"
  PID[sluice]="$SLUICE_PID"
  TARGETS+=(sluice)
  PROXIES+=(sluice)
fi

# One run; appends to $WORK/runs.tsv (round 0, the warm-up, is not recorded):
# round clients target status tps avg_ms cpu_ticks wall_s cpu_s_per_1k txs note
RUN_SEQ=0
LAST=""
run_one() {  # $1 = round, $2 = target, $3 = clients, $4 = seconds
  local round="$1" target="$2" clients="$3" secs="$4" dir out rc pid t0="" t1="" w0 w1 tps avg txs
  local ticks="-" wall cpu="-" status=ok note=""
  RUN_SEQ=$((RUN_SEQ + 1))
  dir="$WORK/runs/$RUN_SEQ"
  mkdir -p "$dir"
  pid="${PID[$target]}"
  if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then die "$target is no longer running"; fi
  [ -n "$pid" ] && t0="$(cpu_ticks "$pid")"
  w0="$EPOCHREALTIME"
  rc=0
  timeout -k 10 $(( secs + 60 )) "$PGBENCH" -h 127.0.0.1 -p "${PORT[$target]}" -U postgres -n -S -M "$FLOOR_MODE" \
    -c "$clients" -j $(( FLOOR_THREADS < clients ? FLOOR_THREADS : clients )) -T "$secs" postgres >"$dir/out" 2>&1 &
  EXTRA_PIDS+=("$!")  # in the background, so that a signal to this script is handled at once
  wait "$!" || rc=$?
  unset 'EXTRA_PIDS[${#EXTRA_PIDS[@]}-1]'
  w1="$EPOCHREALTIME"
  [ -n "$pid" ] && t1="$(cpu_ticks "$pid")"
  out="$dir/out"
  tps="$(awk '/^tps = / {print $3; exit}' "$out")"
  avg="$(awk '/^latency average = / {print $4; exit}' "$out")"
  txs="$(awk -F': ' '/^number of transactions actually processed/ {split($2, a, "/"); print a[1]; exit}' "$out")"
  wall="$(awk -v a="$w0" -v b="$w1" 'BEGIN { printf "%.2f", b - a }')"
  if [ "$rc" -ne 0 ] || [ -z "$tps" ] || [ "${txs:-0}" = 0 ]; then
    status=fail
    note="$(grep -m1 -iE 'error|fatal|abort' "$out" | cut -c1-160 | tr '\t' ' ' || true)"
    [ -n "$note" ] || note="pgbench exited with $rc, tps '${tps:-}', ${txs:-no} transactions"
    LAST="FAILED: $note"
    log_tail "$out" "pgbench output" 8
  fi
  if [ -n "$t0" ] && [ -n "$t1" ]; then
    ticks=$(( t1 - t0 ))
    [ "$status" = ok ] && cpu="$(awk -v d="$ticks" -v hz="$CLK_TCK" -v n="$txs" 'BEGIN { printf "%.4f", (d / hz) / (n / 1000) }')"
  fi
  [ "$status" = ok ] && LAST="$(printf '%.0f tps, avg %s ms%s' "$tps" "$avg" "$([ "$cpu" != - ] && echo ", $cpu CPU s/1k tx")")"
  if [ "$round" -gt 0 ]; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$clients" "$target" "$status" "${tps:--}" \
      "${avg:--}" "$ticks" "$wall" "$cpu" "${txs:--}" "$note" >>"$WORK/runs.tsv"
  fi
}

: >"$WORK/runs.tsv"
: >"$WORK/notes"
n_clients=$(wc -w <<<"$FLOOR_CLIENTS")
total=$(( FLOOR_ROUNDS * n_clients * ${#TARGETS[@]} ))
say "$total runs of pgbench -S -M $FLOOR_MODE -T $FLOOR_SECONDS ($FLOOR_ROUNDS rounds x clients [$FLOOR_CLIENTS] x [${TARGETS[*]}]), about $(( (total * (FLOOR_SECONDS + 2) + 4 * FLOOR_WARMUP + 59) / 60 )) min"
first_clients="${FLOOR_CLIENTS%% *}"
if [ "$FLOOR_WARMUP" -gt 0 ]; then
  for t in "${TARGETS[@]}"; do
    run_one 0 "$t" "$first_clients" "$FLOOR_WARMUP"
    say "warm-up $t -c $first_clients ... $LAST"
  done
fi
for (( r = 1; r <= FLOOR_ROUNDS; r++ )); do
  order=()
  for (( i = 0; i < ${#TARGETS[@]}; i++ )); do order+=("${TARGETS[$(( (i + r - 1) % ${#TARGETS[@]} ))]}"); done
  for c in $FLOOR_CLIENTS; do
    for t in "${order[@]}"; do
      run_one "$r" "$t" "$c" "$FLOOR_SECONDS"
      say "round $r/$FLOOR_ROUNDS $t -c $c ... $LAST"
    done
  done
done

# --- syscalls per transaction (separate runs: perf attached costs CPU itself) ----------
: >"$WORK/syscalls.tsv"  # clients target syscalls txs
SYSCALLS_NOTE=""
if [ "$FLOOR_SYSCALLS" != 0 ]; then
  if ! command -v perf >/dev/null; then
    SYSCALLS_NOTE="not counted: perf not found (Debian package linux-perf)"
  elif ! perf stat -e raw_syscalls:sys_enter -x, -o /dev/null -p "${PID[epoll_forward]}" -- sleep 0.1 >/dev/null 2>&1; then
    SYSCALLS_NOTE="not counted: \`perf stat -e raw_syscalls:sys_enter -p <pid>\` does not work here (permissions, tracefs?)"
  fi
  if [ -n "$SYSCALLS_NOTE" ] && [ "$FLOOR_SYSCALLS" = 1 ]; then die "syscalls $SYSCALLS_NOTE"; fi
fi
if [ "$FLOOR_SYSCALLS" = 0 ]; then
  SYSCALLS_NOTE="not counted (FLOOR_SYSCALLS=0)"
elif [ -z "$SYSCALLS_NOTE" ]; then
  SYSCALLS_NOTE="all syscalls the proxy process makes (\`perf stat -e raw_syscalls:sys_enter -p <pid>\`) during one extra $FLOOR_SYSCALL_SECONDS s run per proxy, not one of the runs above (perf costs CPU itself), logins included, per transaction"
  for c in $FLOOR_CLIENTS; do
    for t in "${PROXIES[@]}"; do
      perf stat -e raw_syscalls:sys_enter -x, -o "$WORK/perf.$t.$c" -p "${PID[$t]}" >/dev/null 2>&1 &
      perf_pid=$!
      EXTRA_PIDS+=("$perf_pid")
      sleep 0.2  # attached before the first login
      run_one 0 "$t" "$c" "$FLOOR_SYSCALL_SECONDS"
      kill -INT "$perf_pid" 2>/dev/null || true
      wait "$perf_pid" 2>/dev/null || true
      unset 'EXTRA_PIDS[${#EXTRA_PIDS[@]}-1]'
      n="$(awk -F, '$3 ~ /raw_syscalls:sys_enter/ {print $1; exit}' "$WORK/perf.$t.$c" 2>/dev/null || true)"
      txs="$(awk -F': ' '/^number of transactions actually processed/ {split($2, a, "/"); print a[1]; exit}' "$WORK/runs/$RUN_SEQ/out")"
      if is_uint "${n:-}" && is_uint "${txs:-}" && [ "$txs" -gt 0 ]; then
        printf '%s\t%s\t%s\t%s\n' "$c" "$t" "$n" "$txs" >>"$WORK/syscalls.tsv"
        say "syscalls $t -c $c ... $n syscalls, $txs transactions ($(awk -v a="$n" -v b="$txs" 'BEGIN { printf "%.2f", a / b }') per transaction)"
      else
        say "syscalls $t -c $c ... not counted ($LAST)"
      fi
    done
  done
fi
# Whatever the forwarders said besides the ring mode (a mode the kernel refused, failed connects).
for t in epoll_forward uring_forward; do
  grep -v '^uring_forward: io_uring mode ' "$WORK/$t.log" | sort | uniq -c | head -n 5 \
    | awk -v t="$t" '{ n = $1; sub(/^ *[0-9]+ /, ""); printf "%s log (%d x): %s\n", t, n, $0 }' >>"$WORK/notes" || true
done

# --- report -----------------------------------------------------------------------------
col() {  # $1 clients, $2 target, $3 column of runs.tsv (ok runs only)
  awk -F'\t' -v c="$1" -v t="$2" -v k="$3" '$2 == c && $3 == t && $4 == "ok" {print $k}' "$WORK/runs.tsv" | median
}
ratio() {  # $1 / $2 as "0.42x"
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 <= 0) print "-"; else printf "%.2fx", a / b }'
}
cpu_pct() {  # median over ok runs of the proxy's CPU as % of one core over the run's wall time
  awk -F'\t' -v c="$1" -v t="$2" -v hz="$CLK_TCK" '$2 == c && $3 == t && $4 == "ok" && $7 ~ /^[0-9]+$/ && $8 > 0 {print 100 * $7 / hz / $8}' \
    "$WORK/runs.tsv" | median
}
per_tx() {  # syscalls per transaction of the perf run, "-" when not counted
  awk -F'\t' -v c="$1" -v t="$2" '$1 == c && $2 == t {printf "%.2f", $3 / $4; found = 1} END { if (!found) print "-" }' "$WORK/syscalls.tsv"
}
report_path "$FLOOR_OUT" floor
: >"$WORK/verdicts"
{
  echo "# Floor of a read/write proxy, $(date '+%Y-%m-%d %H:%M %Z') on $HOST"
  echo
  machine_lines
  echo "- compiler: $CXX_VERSION, \`${CXXFLAGS[*]}\`; liburing $(dpkg-query -W -f='${Version}' liburing-dev 2>/dev/null || echo '?')"
  echo "- workload: \`pgbench -n -S -M $FLOOR_MODE -c <clients> -j min($FLOOR_THREADS, clients) -T $FLOOR_SECONDS\`, scale $FLOOR_SCALE, SCRAM logins, $FLOOR_ROUNDS round(s), targets interleaved and rotated each round, ${FLOOR_WARMUP} s warm-up per target"
  echo "- epoll_forward: 1:1 (one server connection per client, no pooling), nonblocking read()/write() on one level-triggered epoll loop, one thread, TCP_NODELAY"
  echo "- uring_forward: the same on io_uring, one thread, ring mode ${URING_MODE:-?} (asked for $FLOOR_URING_MODE); recv per socket, send (MSG_WAITALL) linked to the next recv, one io_uring_enter per loop iteration"
  echo "- pgbouncer: pool_mode=transaction, default_pool_size=$FLOOR_POOL_SIZE, max_client_conn=1000, auth_type=scram-sha-256 (as in bench/run.sh): pooling and protocol work the forwarders do not do"
  if [ -n "${PID[sluice]:-}" ]; then
    echo "- sluice: \`sluice proxy\` as in bench/run.sh (transaction pooling, pool size $FLOOR_POOL_SIZE, $FLOOR_SLUICE_WORKERS workers, observation on), $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  fi
  echo "- CPU: the proxy process's utime + stime (all threads, /proc/<pid>/stat, $CLK_TCK ticks/s) over the whole pgbench run, logins included, per 1,000 transactions; \"CPU % of a core\" is the same over the run's wall time"
  echo "- syscalls / tx: $SYSCALLS_NOTE"
  echo "- command: \`FLOOR_SECONDS=$FLOOR_SECONDS FLOOR_ROUNDS=$FLOOR_ROUNDS FLOOR_CLIENTS=\"$FLOOR_CLIENTS\" FLOOR_THREADS=$FLOOR_THREADS FLOOR_MODE=$FLOOR_MODE FLOOR_URING_MODE=$FLOOR_URING_MODE bench/floor/floor.sh\`"
  echo
  echo "## Median over rounds"
  echo
  echo "| clients | target | TPS | avg latency ms | CPU s / 1000 tx | CPU / pgbouncer's | CPU % of a core | syscalls / tx | runs ok |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
  for c in $FLOOR_CLIENTS; do
    pgb_cpu="$(col "$c" pgbouncer 9)"
    for t in "${TARGETS[@]}"; do
      ok="$(awk -F'\t' -v c="$c" -v t="$t" '$2 == c && $3 == t && $4 == "ok"' "$WORK/runs.tsv" | wc -l)"
      cpu="$(col "$c" "$t" 9)"
      vs=""; pct=""; sc=""
      if [ "$t" != direct ]; then
        vs="$(ratio "$cpu" "$pgb_cpu")"
        pct="$(fmt "$(cpu_pct "$c" "$t")" '%.0f')"
        sc="$(per_tx "$c" "$t")"
        [ "$t" != pgbouncer ] && printf '%s\t%s\t%s\n' "$c" "$t" "$vs" >>"$WORK/verdicts"
      fi
      echo "| $c | $t | $(fmt "$(col "$c" "$t" 5)" '%.0f') | $(fmt "$(col "$c" "$t" 6)" '%.3f') | $(fmt "$cpu" '%.4f') | $vs | $pct | $sc | $ok/$FLOOR_ROUNDS |"
    done
  done
  echo
  echo "The question: can any proxy get to at most 0.70x PgBouncer's CPU per 1,000 transactions at each client count? These forwarders do the least a proxy can (2 reads + 2 writes per transaction, or their io_uring equivalent), so their ratio is the floor:"
  echo
  awk -F'\t' '{ printf "- \x60-c %s\x60, %s: %s of PgBouncer'\''s CPU per transaction\n", $1, $2, $3 }' "$WORK/verdicts"
  echo
  echo "PgBouncer's figure includes its SCRAM work for each client login (one PBKDF2 per client per run); the forwarders pass logins through to PostgreSQL. Longer runs weigh that less."
  if grep -q $'\tfail\t' "$WORK/runs.tsv" || [ -s "$WORK/notes" ]; then
    echo
    echo "## Notes"
    echo
    sed 's/^/- /' "$WORK/notes"
    awk -F'\t' '$4 == "fail" {printf "- round %s %s -c %s failed: %s\n", $1, $3, $2, $11}' "$WORK/runs.tsv"
  fi
  echo
  echo "## Every run"
  echo
  echo "| round | clients | target | status | TPS | avg ms | proxy CPU s | wall s | CPU s / 1000 tx | transactions |"
  echo "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' -v hz="$CLK_TCK" '{ tps = ($5 ~ /^[0-9.]+$/) ? sprintf("%.1f", $5) : $5
    s = ($7 ~ /^[0-9]+$/) ? sprintf("%.2f", $7 / hz) : "-"
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, tps, $6, s, $8, $9, $10 }' "$WORK/runs.tsv"
} >"$REPORT"

finish_report
