#!/usr/bin/env bash
# Writes (issue 4 §4, issue 10 §10). See bench/README.md. License creation and machine activation against the write
# path's physical limit: single-row transactions from as many writers into the same database, measured by this script
# (Licenz.Bench.Seed raw-inserts) before the server starts and after it stops. Then verification when every request
# validates another license (the background last-validated writer has a row to update per request), and the writer's
# flush alone, CPU time per row.
#
#   bench/writes.sh            SQLite, 200,000 seeded licenses: 20 s warm-up, then 15 s per measurement (about 4 minutes)
#   bench/writes.sh --quick    1,000 licenses, 2 s: proves it works, judges nothing
#   bench/writes.sh --database postgresql [--quick]   the same on a fresh PostgreSQL database at $LICENZ_BENCH_POSTGRES
#
# Options: --licenses N  --duration SECONDS  --warmup SECONDS  --database sqlite|postgresql
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quick=0 licenses="" duration="" warmup="" database=sqlite
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --database) database=$2; shift ;;
    --licenses) licenses=$2; shift ;;
    --duration) duration=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    *) die "unknown option $1 (see the top of $0)" ;;
  esac
  shift
done
case $database in
  sqlite) ;;
  postgresql | postgres) database=postgresql ;;
  *) die "--database is sqlite or postgresql, not $database" ;;
esac
if [ "$quick" = 1 ]; then
  # A cold server's first writes take a second or two each (on PostgreSQL above all, with the machine busy): the
  # warm-up is long enough that the 2-second measurement always finishes some.
  : "${licenses:=1000}" "${duration:=2}" "${warmup:=6}"
  activation_licenses=100 raw_warmup=1 drain_limit=120
  flush_rows=500 flush_rounds=1
else
  : "${licenses:=200000}" "${duration:=15}" "${warmup:=20}"
  activation_licenses=1000 raw_warmup=3 drain_limit=180
  # About what one 5-second flush finds at 11,000 verifications a second spread over a large set of licenses.
  flush_rows=55000 flush_rounds=6
fi
command -v wrk >/dev/null || die "wrk is needed (Debian: apt-get install -y wrk)"

bench_init writes
bench_build

results=$(results_dir "$quick")
mkdir -p "$results"
command_line=bench/writes.sh
if [ "$database" = postgresql ]; then command_line="$command_line --database postgresql"; fi
if [ "$quick" = 1 ]; then command_line="$command_line --quick"; fi
if [ "$database" = postgresql ]; then
  name=writes-postgresql
  header=$(results_header "Writes on PostgreSQL" "$command_line")
else
  name=writes
  header=$(results_header "Writes on SQLite" "$command_line")
fi

use_data_folder "$BENCH_WORK/data"
# PostgreSQL: the data folder still holds the certificate and the signing keys; the database is fresh, migrated by the
# seeder. The run's process id keeps two runs on one PostgreSQL apart.
if [ "$database" = postgresql ]; then use_postgresql "licenz_bench_writes_$$"; fi
seed_licenses "$licenses" "$BENCH_WORK/seed" "$activation_licenses"
. "$BENCH_WORK/seed/seed.env"
keys="$BENCH_WORK/seed/keys.txt"
activation_keys="$BENCH_WORK/seed/activation-keys.txt"
admin_key=$(create_api_key admin)
verify_key=$(create_api_key verify-only)

seed_tool() { dotnet "$(published Licenz.Bench.Seed)" "$@"; }
count_validated() { seed_tool count-validated --since "$1" 2>/dev/null || die "count-validated failed"; }

# raw_round NAME: the physical limit, with the server not running: as many writers as wrk has connections, each inserting
# one row per transaction into a table of the same database, opened as the server opens it. Sets RAW_RPS RAW_P50_MS RAW_P99_MS.
raw_round() {
  local line
  line=$(seed_tool raw-inserts --writers "$WRK_CONNECTIONS" --seconds "$duration" --warmup "$raw_warmup" 2>"$BENCH_WORK/raw-$1.log") \
    || { cat "$BENCH_WORK/raw-$1.log" >&2; die "raw-inserts failed ($1)"; }
  eval "$(printf '%s\n' "$line" | tr ' ' '\n' | grep '=' | sed 's/^/RAW_/')"
  RAW_RPS=$(awk -v r="$RAW_transactions" -v d="$RAW_duration_us" 'BEGIN { printf "%.1f", r / (d / 1e6) }')
  RAW_P50_MS=$(awk -v v="$RAW_p50_us" 'BEGIN { printf "%.2f", v / 1000 }')
  RAW_P99_MS=$(awk -v v="$RAW_p99_us" 'BEGIN { printf "%.2f", v / 1000 }')
  log "$1: $(fmt_int "$RAW_RPS") single-row transactions/s, p50 $RAW_P50_MS ms, p99 $RAW_P99_MS ms ($WRK_CONNECTIONS writers)"
}

# wait_for_activity SINCE LIMIT: waits until the server's activity writer has written everything noted before SINCE (epoch
# seconds), as its lag on /metrics says (licenz_activity_lag_seconds: now less the start of its last flush); sets WAITED
# (seconds), or fails after LIMIT seconds. The writer flushes every 5 s and paces a large flush (parts of 5,000 licenses,
# each followed by a pause of 19 times its length): a flush of a few seconds' writing lasts up to a minute.
wait_for_activity() {
  local since=$1 limit=$2 started lag written
  started=$(date +%s.%N)
  while :; do
    lag=$(curl -sS --cacert "$CA_FILE" "${SERVER_URL%/api/v1}/metrics" | awk '/^licenz_activity_lag_seconds[ {]/ { sub(/\{[^}]*\}/, ""); print $2; exit }')
    [ -n "$lag" ] || die "no licenz_activity_lag_seconds on the server's /metrics"
    written=$(awk -v now="$(date +%s.%N)" -v lag="$lag" 'BEGIN { printf "%.3f", now - lag }')
    if awk -v w="$written" -v s="$since" 'BEGIN { exit !(w >= s) }'; then break; fi
    if awk -v n="$(date +%s.%N)" -v s="$started" -v l="$limit" 'BEGIN { exit !(n - s > l) }'; then
      die "the activity writer had not written what was noted before $(date -u -d "@$since" +%H:%M:%S) after ${limit}s"
    fi
    sleep 0.5
  done
  WAITED=$(awk -v n="$(date +%s.%N)" -v s="$started" 'BEGIN { printf "%.0f", n - s }')
}

# 1. The physical limit, before the server starts.
raw_round raw-before
raw_before_rps=$RAW_RPS raw_before_p50=$RAW_P50_MS raw_before_p99=$RAW_P99_MS

start_server "$BENCH_WORK/server.log"
log "server $SERVER_URL (pid $SERVER_PID), $LICENSES licenses to verify, $ACTIVATION_LICENSES to activate machines on"
check_verify "$SERVER_URL" "$verify_key" "$(head -n 1 "$keys")"

# 2. License creation: a transaction of three rows (the license, its activity row, its event).
run_wrk warmup-create "$warmup" "$SERVER_URL/licenses" create.lua "$admin_key" "$PRODUCT_ID"
run_wrk create "$duration" "$SERVER_URL/licenses" create.lua "$admin_key" "$PRODUCT_ID"
c_rps=$RPS c_p50=$P50_MS c_p99=$P99_MS c_requests=$REQUESTS

# 3. Machine activation: a seat taken by a conditional write, the machine and its event, in one transaction; a new
# fingerprint per request (the round's tag keeps the warm-up's apart), with the application's verify-only key.
run_wrk warmup-activate "$warmup" "$SERVER_URL/machines" activate.lua "$activation_keys" "$verify_key" warmup "$WRK_THREADS"
activations=$REQUESTS
run_wrk activate "$duration" "$SERVER_URL/machines" activate.lua "$activation_keys" "$verify_key" measured "$WRK_THREADS"
a_rps=$RPS a_p50=$P50_MS a_p99=$P99_MS a_requests=$REQUESTS
activations=$((activations + REQUESTS))

# 4. Verification walking the seeded set (warmed up on random keys, so the walk meets licenses not yet validated).
run_wrk warmup-verify "$warmup" "$SERVER_URL/licenses/verify" verify.lua "$keys" "$verify_key" random "$WRK_THREADS"
warmup_end=$(date +%s.%N)
# What the warm-up noted is written before the mark, so the count after the walk is the walk's alone; and the mark is a
# whole second after the warm-up's last validation (the server keeps last-validated times to the second).
wait_for_activity "$warmup_end" "$drain_limit"
sleep "$(awk -v n="$(date +%s.%N)" -v e="$warmup_end" 'BEGIN { w = e + 1.1 - n; printf "%.2f", (w > 0 ? w : 0) }')"
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
run_wrk verify-walk "$duration" "$SERVER_URL/licenses/verify" verify.lua "$keys" "$verify_key" walk "$WRK_THREADS"
walk_end=$(date +%s.%N)
v_rps=$RPS v_p50=$P50_MS v_p99=$P99_MS v_requests=$REQUESTS
written_at_end=$(count_validated "$since")
distinct=$((v_requests < LICENSES ? v_requests : LICENSES))

# How long the writer needs, after the load stops, to have written every license validated during it.
wait_for_activity "$walk_end" "$drain_limit"
drained_after=$(awk -v n="$(date +%s.%N)" -v e="$walk_end" 'BEGIN { printf "%.0f", n - e }')
written=$(count_validated "$since")
read -r rss peak anon file < <(process_memory "$SERVER_PID")
stop_process "$SERVER_PID"

# Every activation took a seat of its own: a fingerprint used twice would have answered 200 with the machine it had.
machines=$(seed_tool count-machines 2>/dev/null) || die "count-machines failed"
[ "$machines" -ge "$activations" ] || die "$activations activations answered, but only $machines machines activated"

# 5. The physical limit again, after the server stopped: the table judges against the higher of the two rounds (on a
# shared machine other work only ever slows a round down).
raw_round raw-after
raw_after_rps=$RAW_RPS raw_after_p50=$RAW_P50_MS raw_after_p99=$RAW_P99_MS
raw_rps=$(awk -v a="$raw_before_rps" -v b="$raw_after_rps" 'BEGIN { print (a > b ? a : b) }')

# 6. The writer alone, in-process on the same database: the CPU time a flush costs per row it writes.
log "timing the activity writer's flush ($flush_rows rows a round, $flush_rounds rounds)"
flush_line=$(seed_tool flush --rows "$flush_rows" --rounds "$flush_rounds" 2>"$BENCH_WORK/flush.log") \
  || { cat "$BENCH_WORK/flush.log" >&2; die "flush failed"; }
cat "$BENCH_WORK/flush.log" >&2
eval "$(printf '%s\n' "$flush_line" | tr ' ' '\n' | grep '=' | sed 's/^/FLUSH_/')"

# --- the table --------------------------------------------------------------------------------------------

spread() { awk -v p99="$1" -v p50="$2" 'BEGIN { printf "%.1f", (p50 > 0 ? p99 / p50 : 0) }'; }
judge() { if [ "$quick" = 1 ]; then echo "not judged (quick)"; else verdict "$@"; fi; }
out="$results/$name.md"
{
  printf '%s\n\n' "$header"
  printf 'wrk: %s threads, %s keep-alive connections, %s s warm-up, then %s s. %s licenses seeded to verify, %s to activate machines on (a policy allowing %s machines each). ' \
    "$WRK_THREADS" "$WRK_CONNECTIONS" "$warmup" "$duration" "$(fmt_int "$LICENSES")" "$(fmt_int "$ACTIVATION_LICENSES")" "$(fmt_int "$ACTIVATION_MAX_MACHINES")"
  printf 'Raw inserts: %s writers, %s s warm-up, then %s s, before the server started and after it stopped; the ratios are to the higher round.\n\n' \
    "$WRK_CONNECTIONS" "$raw_warmup" "$duration"
  if [ "$database" = postgresql ]; then
    printf 'Database: PostgreSQL %s at %s, a fresh database, on the same machine (its CPU time competes with the server'"'"'s and wrk'"'"'s).\n\n' \
      "$PG_VERSION" "$(printf '%s' "$LICENZ_BENCH_POSTGRES" | tr ';' '\n' | grep -iE '^(host|port)=' | cut -d= -f2 | paste -sd: -)"
  else
    printf 'Database: SQLite (WAL), in the data folder.\n\n'
  fi
  printf '| operation | requests/s | p50 | p99 | p99 ÷ p50 | ÷ raw inserts | requests |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n'
  printf '| raw single-row insert transactions, before the server | %s | %s ms | %s ms | %s | %s | |\n' \
    "$(fmt_int "$raw_before_rps")" "$raw_before_p50" "$raw_before_p99" "$(spread "$raw_before_p99" "$raw_before_p50")" "$(ratio "$raw_before_rps" "$raw_rps")"
  printf '| raw single-row insert transactions, after the server | %s | %s ms | %s ms | %s | %s | |\n' \
    "$(fmt_int "$raw_after_rps")" "$raw_after_p50" "$raw_after_p99" "$(spread "$raw_after_p99" "$raw_after_p50")" "$(ratio "$raw_after_rps" "$raw_rps")"
  printf '| create a license (`POST /licenses`, admin key) | %s | %s ms | %s ms | %s | %s | %s |\n' \
    "$(fmt_int "$c_rps")" "$c_p50" "$c_p99" "$(spread "$c_p99" "$c_p50")" "$(ratio "$c_rps" "$raw_rps")" "$(fmt_int "$c_requests")"
  printf '| activate a machine (`POST /machines`, verify-only key, a new fingerprint each) | %s | %s ms | %s ms | %s | %s | %s |\n' \
    "$(fmt_int "$a_rps")" "$a_p50" "$a_p99" "$(spread "$a_p99" "$a_p50")" "$(ratio "$a_rps" "$raw_rps")" "$(fmt_int "$a_requests")"
  printf '| verify, every request another license (`POST /licenses/verify`, walk) | %s | %s ms | %s ms | %s | | %s |\n\n' \
    "$(fmt_int "$v_rps")" "$v_p50" "$v_p99" "$(spread "$v_p99" "$v_p50")" "$(fmt_int "$v_requests")"
  printf '| target | measured | result |\n| --- | --- | --- |\n'
  printf '| create: p99 ÷ p50 ≤ 5 | %s | %s |\n' "$(spread "$c_p99" "$c_p50")" "$(judge "$(spread "$c_p99" "$c_p50")" '<=' 5)"
  printf '| create: requests/s ÷ raw inserts ≥ 0.50 | %s | %s |\n' "$(ratio "$c_rps" "$raw_rps")" "$(judge "$(ratio "$c_rps" "$raw_rps")" '>=' 0.5)"
  printf '| activate: p99 ÷ p50 ≤ 5 | %s | %s |\n' "$(spread "$a_p99" "$a_p50")" "$(judge "$(spread "$a_p99" "$a_p50")" '<=' 5)"
  printf '| activate: requests/s ÷ raw inserts ≥ 0.50 | %s | %s |\n\n' "$(ratio "$a_rps" "$raw_rps")" "$(judge "$(ratio "$a_rps" "$raw_rps")" '>=' 0.5)"
  printf 'Every activation took a seat: %s answered, %s machines activated afterwards. ' "$(fmt_int "$activations")" "$(fmt_int "$machines")"
  printf 'Last-validated writer: %s of the %s licenses validated had their row written when the load stopped ' \
    "$(fmt_int "$written_at_end")" "$(fmt_int "$distinct")"
  printf '(%s rows/s over the %s s run)' "$(fmt_int "$(awk -v w="$written_at_end" -v d="$duration" 'BEGIN { print w / d }')")" "$duration"
  if [ "$written" -ge "$distinct" ]; then
    printf '; all of them %s s later.' "$drained_after"
  else
    printf '; %s once the writer had caught up, %s s later.' "$(fmt_int "$written")" "$drained_after"
  fi
  printf ' Server memory after the run: %s MiB resident, of it %s MiB anonymous and %s MiB file-backed (peak %s MiB).\n\n' "$rss" "$anon" "$file" "$peak"
  printf 'One flush of the writer, in-process (`Licenz.Bench.Seed flush`): %s CPU per row written, fastest of %s rounds of %s licenses drawn at random (median %s µs).\n' \
    "$FLUSH_min_us_per_row µs" "$flush_rounds" "$(fmt_int "$flush_rows")" "$FLUSH_median_us_per_row"
} >"$out"
publish_results "$name" "$out" "$quick"
