#!/usr/bin/env bash
# Online verification against its physical limit (issue 4 §2). See bench/README.md.
#
#   bench/online.sh            10,000 and 1,000,000 licenses: 30 s warm-up, 3 alternating rounds of 15 s per endpoint
#   bench/online.sh --quick    1,000 and 2,000 licenses, 1 round of 2 s: proves it works, judges nothing
#
# Options: --sizes 10000,1000000  --duration SECONDS  --warmup SECONDS  --rounds N
# For every size: a fresh data folder seeded straight into SQLite, the Release server on a free loopback port
# (HTTPS, enterprise plan: no rate limit), a verify-only key, then wrk (2 threads, 64 keep-alive connections)
# on POST /api/v1/licenses/verify with random seeded keys, alternating with the bare Kestrel baseline.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quick=0 sizes="" duration="" warmup="" rounds=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --sizes) sizes=$2; shift ;;
    --duration) duration=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    *) die "unknown option $1 (see the top of $0)" ;;
  esac
  shift
done
if [ "$quick" = 1 ]; then
  : "${sizes:=1000,2000}" "${duration:=2}" "${warmup:=2}" "${rounds:=1}"
else
  : "${sizes:=10000,1000000}" "${duration:=15}" "${warmup:=30}" "${rounds:=3}"
fi
command -v wrk >/dev/null || die "wrk is needed (Debian: apt-get install -y wrk)"

bench_init online
bench_build

results=$(results_dir "$quick")
mkdir -p "$results"
summary="$BENCH_WORK/summary.txt"
: >"$summary"
header=$(results_header "Online verification" "bench/online.sh$([ "$quick" = 1 ] && echo ' --quick')")

# median_round FILE: the line (rps p50 p99) of the median round by throughput; sets M_RPS M_P50 M_P99 M_RANGE.
median_round() {
  local n line
  n=$(wc -l <"$1")
  line=$(sort -g "$1" | sed -n "$(((n + 1) / 2))p")
  read -r M_RPS M_P50 M_P99 <<<"$line"
  M_RANGE="$(fmt_int "$(sort -g "$1" | head -n 1 | cut -d' ' -f1)")–$(fmt_int "$(sort -g "$1" | tail -n 1 | cut -d' ' -f1)")"
}

IFS=',' read -r -a size_list <<<"$sizes"
for size in "${size_list[@]}"; do
  dir="$BENCH_WORK/$size"
  mkdir -p "$dir"
  use_data_folder "$dir/data"
  seed_licenses "$size" "$dir/seed"
  . "$dir/seed/seed.env"
  verify_key=$(create_api_key verify-only)
  start_server "$dir/server.log"
  start_bare "$dir/bare.log"
  log "$size licenses: server $SERVER_URL (pid $SERVER_PID), bare $BARE_URL (pid $BARE_PID)"
  for key in $(sed -n '1p;$p' "$dir/seed/keys.txt"); do check_verify "$SERVER_URL" "$verify_key" "$key"; done

  keys="$dir/seed/keys.txt"
  run_wrk "warmup-verify-$size" "$warmup" "$SERVER_URL/licenses/verify" verify.lua "$keys" "$verify_key" random "$WRK_THREADS"
  run_wrk "warmup-bare-$size" "$warmup" "$BARE_URL/licenses/verify" verify.lua "$keys" "$verify_key" random "$WRK_THREADS"
  : >"$dir/verify.rounds"
  : >"$dir/bare.rounds"
  for round in $(seq 1 "$rounds"); do
    # Alternating, so a burst of other work on the machine hits both sides alike.
    run_wrk "bare-$size-$round" "$duration" "$BARE_URL/licenses/verify" verify.lua "$keys" "$verify_key" random "$WRK_THREADS"
    echo "$RPS $P50_MS $P99_MS" >>"$dir/bare.rounds"
    run_wrk "verify-$size-$round" "$duration" "$SERVER_URL/licenses/verify" verify.lua "$keys" "$verify_key" random "$WRK_THREADS"
    echo "$RPS $P50_MS $P99_MS" >>"$dir/verify.rounds"
  done
  read -r rss peak < <(process_memory "$SERVER_PID")
  read -r bare_rss _ < <(process_memory "$BARE_PID")
  stop_process "$BARE_PID"
  stop_process "$SERVER_PID"

  median_round "$dir/verify.rounds"
  v_rps=$M_RPS v_p50=$M_P50 v_p99=$M_P99 v_range=$M_RANGE
  median_round "$dir/bare.rounds"
  b_rps=$M_RPS b_p50=$M_P50 b_p99=$M_P99 b_range=$M_RANGE
  echo "$size $v_rps $v_p50 $v_p99 $v_range $b_rps $b_p50 $b_p99 $b_range $rss $peak $bare_rss $SEED_SECONDS" >>"$summary"
done

# --- the table --------------------------------------------------------------------------------------------

out="$results/online.md"
{
  printf '%s\n\n' "$header"
  printf 'wrk: %s threads, %s keep-alive connections, %s s warm-up, then %s alternating round(s) of %s s per endpoint; ' \
    "$WRK_THREADS" "$WRK_CONNECTIONS" "$warmup" "$rounds" "$duration"
  printf 'the median round by throughput is shown, with the range over the rounds.\n\n'
  printf '| licenses | endpoint | requests/s (range) | p50 | p99 | verify ÷ bare | server memory after the run (peak) | seeded in |\n'
  printf '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n'
  while read -r size v_rps v_p50 v_p99 v_range b_rps b_p50 b_p99 b_range rss peak bare_rss seed_s; do
    printf '| %s | verify | %s (%s) | %s ms | %s ms | %s | %s MiB (%s MiB) | %s s |\n' \
      "$(fmt_int "$size")" "$(fmt_int "$v_rps")" "$v_range" "$v_p50" "$v_p99" "$(ratio "$v_rps" "$b_rps")" "$rss" "$peak" "$seed_s"
    printf '| | bare Kestrel | %s (%s) | %s ms | %s ms | | %s MiB | |\n' \
      "$(fmt_int "$b_rps")" "$b_range" "$b_p50" "$b_p99" "$bare_rss"
  done <"$summary"
  printf '\n| target | measured | result |\n| --- | --- | --- |\n'
  judge() { if [ "$quick" = 1 ]; then echo "not judged (quick)"; else verdict "$@"; fi; }
  read -r size v_rps v_p50 v_p99 _ b_rps _ <"$summary"
  printf '| verify ÷ bare ≥ 0.50 (%s licenses) | %s | %s |\n' "$(fmt_int "$size")" "$(ratio "$v_rps" "$b_rps")" "$(judge "$(ratio "$v_rps" "$b_rps")" '>=' 0.5)"
  printf '| verify p99 ≤ 10 ms (%s licenses) | %s ms | %s |\n' "$(fmt_int "$size")" "$v_p99" "$(judge "$v_p99" '<=' 10)"
  if [ "$(wc -l <"$summary")" -gt 1 ]; then
    read -r large l_rps _ _ _ lb_rps _ < <(tail -n 1 "$summary")
    printf '| verify throughput, %s ÷ %s licenses ≥ 0.80 | %s (each ÷ its own bare run: %s) | %s |\n' \
      "$(fmt_int "$large")" "$(fmt_int "$size")" "$(ratio "$l_rps" "$v_rps")" \
      "$(awk -v l="$l_rps" -v lb="$lb_rps" -v v="$v_rps" -v b="$b_rps" 'BEGIN { printf "%.2f", (l / lb) / (v / b) }')" \
      "$(judge "$(ratio "$l_rps" "$v_rps")" '>=' 0.8)"
  fi
} >"$out"
publish_results online "$out" "$quick"
