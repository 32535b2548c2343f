#!/usr/bin/env bash
# Writes on SQLite (issue 4 §4): license creation, and verification when every request validates another
# license, so the background last-validated writer has one row to update per request; then the writer's flush
# alone, CPU time per row. For regressions: no target.
#
#   bench/writes.sh            200,000 seeded licenses: 20 s warm-up, then 15 s per measurement
#   bench/writes.sh --quick    1,000 licenses, 2 s: proves it works
#
# Options: --licenses N  --duration SECONDS  --warmup SECONDS
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quick=0 licenses="" duration="" warmup=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --licenses) licenses=$2; shift ;;
    --duration) duration=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    *) die "unknown option $1 (see the top of $0)" ;;
  esac
  shift
done
if [ "$quick" = 1 ]; then
  : "${licenses:=1000}" "${duration:=2}" "${warmup:=2}"
  flush_rows=500 flush_rounds=1
else
  : "${licenses:=200000}" "${duration:=15}" "${warmup:=20}"
  # About what one 5-second flush finds at 11,000 verifications a second spread over a large set of licenses.
  flush_rows=55000 flush_rounds=6
fi
command -v wrk >/dev/null || die "wrk is needed (Debian: apt-get install -y wrk)"

bench_init writes
bench_build

results=$(results_dir "$quick")
mkdir -p "$results"
header=$(results_header "Writes on SQLite" "bench/writes.sh$([ "$quick" = 1 ] && echo ' --quick')")

use_data_folder "$BENCH_WORK/data"
seed_licenses "$licenses" "$BENCH_WORK/seed"
. "$BENCH_WORK/seed/seed.env"
keys="$BENCH_WORK/seed/keys.txt"
admin_key=$(create_api_key admin)
verify_key=$(create_api_key verify-only)
start_server "$BENCH_WORK/server.log"
log "server $SERVER_URL (pid $SERVER_PID), $LICENSES licenses"
check_verify "$SERVER_URL" "$verify_key" "$(head -n 1 "$keys")"

count_validated() {
  dotnet "$(published Licenz.Bench.Seed)" count-validated --since "$1" 2>/dev/null || die "count-validated failed"
}

# 1. License creation.
run_wrk warmup-create "$warmup" "$SERVER_URL/licenses" create.lua "$admin_key" "$PRODUCT_ID"
run_wrk create "$duration" "$SERVER_URL/licenses" create.lua "$admin_key" "$PRODUCT_ID"
c_rps=$RPS c_p50=$P50_MS c_p99=$P99_MS c_requests=$REQUESTS

# 2. Verification walking the seeded set (warmed up on random keys, so the walk meets licenses not yet validated).
run_wrk warmup-verify "$warmup" "$SERVER_URL/licenses/verify" verify.lua "$keys" "$verify_key" random "$WRK_THREADS"
sleep 2 # the writer flushes about once a second: what the warm-up noted is written before the mark
# Whole seconds: the server may keep last-validated times to the second, and the warm-up ended 2 s earlier.
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
run_wrk verify-walk "$duration" "$SERVER_URL/licenses/verify" verify.lua "$keys" "$verify_key" walk "$WRK_THREADS"
v_rps=$RPS v_p50=$P50_MS v_p99=$P99_MS v_requests=$REQUESTS
written_at_end=$(count_validated "$since")
distinct=$((v_requests < LICENSES ? v_requests : LICENSES))

# How long the writer needs, after the load stops, to have written every validated license.
drained_after=""
waited=0
written=$written_at_end
while [ "$waited" -lt 120 ]; do
  sleep 2
  waited=$((waited + 2))
  now_written=$(count_validated "$since")
  if [ "$now_written" -ge "$distinct" ] || [ "$now_written" -eq "$written" ]; then
    written=$now_written
    drained_after=$waited
    break
  fi
  written=$now_written
done
read -r rss peak anon file < <(process_memory "$SERVER_PID")
stop_process "$SERVER_PID"

# The writer alone, in-process on the same folder: the CPU time a flush costs per row it writes.
log "timing the activity writer's flush ($flush_rows rows a round, $flush_rounds rounds)"
flush_line=$(dotnet "$(published Licenz.Bench.Seed)" flush --rows "$flush_rows" --rounds "$flush_rounds" 2>"$BENCH_WORK/flush.log") \
  || { cat "$BENCH_WORK/flush.log" >&2; die "flush failed"; }
cat "$BENCH_WORK/flush.log" >&2
eval "$(printf '%s\n' "$flush_line" | tr ' ' '\n' | grep '=' | sed 's/^/FLUSH_/')"

out="$results/writes.md"
{
  printf '%s\n\n' "$header"
  printf 'wrk: %s threads, %s keep-alive connections, %s s warm-up, then %s s. %s licenses seeded. ' \
    "$WRK_THREADS" "$WRK_CONNECTIONS" "$warmup" "$duration" "$(fmt_int "$LICENSES")"
  printf 'For regressions: no target.\n\n'
  printf '| operation | requests/s | p50 | p99 | requests |\n| --- | ---: | ---: | ---: | ---: |\n'
  printf '| create a license (`POST /licenses`, admin key) | %s | %s ms | %s ms | %s |\n' \
    "$(fmt_int "$c_rps")" "$c_p50" "$c_p99" "$(fmt_int "$c_requests")"
  printf '| verify, every request another license (`POST /licenses/verify`, walk) | %s | %s ms | %s ms | %s |\n\n' \
    "$(fmt_int "$v_rps")" "$v_p50" "$v_p99" "$(fmt_int "$v_requests")"
  printf 'Last-validated writer: %s of the %s licenses validated had their row written when the load stopped ' \
    "$(fmt_int "$written_at_end")" "$(fmt_int "$distinct")"
  printf '(%s rows/s over the %s s run)' "$(fmt_int "$(awk -v w="$written_at_end" -v d="$duration" 'BEGIN { print w / d }')")" "$duration"
  if [ "$written" -ge "$distinct" ]; then
    printf '; all of them %s s later.' "$drained_after"
  else
    printf '; %s after %s s more (the writer stopped gaining).' "$(fmt_int "$written")" "${drained_after:-$waited}"
  fi
  printf ' Server memory after the run: %s MiB resident, of it %s MiB anonymous and %s MiB file-backed (peak %s MiB).\n\n' "$rss" "$anon" "$file" "$peak"
  printf 'One flush of the writer, in-process (`Licenz.Bench.Seed flush`): %s CPU per row written, fastest of %s rounds of %s licenses drawn at random (median %s µs).\n' \
    "$FLUSH_min_us_per_row µs" "$flush_rounds" "$(fmt_int "$flush_rows")" "$FLUSH_median_us_per_row"
} >"$out"
publish_results writes "$out" "$quick"
