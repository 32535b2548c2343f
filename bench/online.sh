#!/usr/bin/env bash
# Online verification against its physical limit (issue 4 §2). See bench/README.md.
#
#   bench/online.sh            10,000 and 1,000,000 licenses: 30 s warm-up, 3 rounds of 15 s per endpoint, in turn
#   bench/online.sh --quick    1,000 and 2,000 licenses, 1 round of 2 s: proves it works, judges nothing
#   bench/online.sh --database postgresql [--quick]   the same on PostgreSQL: 10,000 licenses (--quick: 1,000)
#
# Options: --sizes 10000,1000000  --duration SECONDS  --warmup SECONDS  --rounds N  --database sqlite|postgresql
# For every size: a fresh data folder seeded straight into SQLite (or a fresh PostgreSQL database at
# $LICENZ_BENCH_POSTGRES, dropped at the end), the Release server on a free loopback port
# (HTTPS, enterprise plan: no rate limit) and a verify-only key. All of them run at once beside the bare Kestrel
# baseline; wrk (2 threads, 64 keep-alive connections) sends POST /api/v1/licenses/verify with random seeded keys
# to each in turn, round after round.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quick=0 sizes="" sizes_given="" duration="" warmup="" rounds="" database=sqlite
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --database) database=$2; shift ;;
    --sizes) sizes=$2 sizes_given=1; shift ;;
    --duration) duration=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    *) die "unknown option $1 (see the top of $0)" ;;
  esac
  shift
done
case $database in
  sqlite) ;;
  postgresql | postgres) database=postgresql
    # One size by default: each size is a database of its own on a server that shares the cores.
    if [ "$quick" = 1 ]; then : "${sizes:=1000}"; else : "${sizes:=10000}"; fi ;;
  *) die "--database is sqlite or postgresql, not $database" ;;
esac
if [ "$quick" = 1 ]; then
  : "${sizes:=1000,2000}" "${duration:=2}" "${warmup:=2}" "${rounds:=1}"
  settle=0
else
  : "${sizes:=10000,1000000}" "${duration:=15}" "${warmup:=30}" "${rounds:=3}"
  settle=6
fi
command -v wrk >/dev/null || die "wrk is needed (Debian: apt-get install -y wrk)"

bench_init online
bench_build

results=$(results_dir "$quick")
mkdir -p "$results"
summary="$BENCH_WORK/summary.txt"
: >"$summary"
if [ "$database" = postgresql ]; then
  # The results of each engine are a file (and a README section) of their own.
  name=online-postgresql
  header=$(results_header "Online verification on PostgreSQL" "bench/online.sh --database postgresql$([ "$quick" = 1 ] && echo ' --quick')$([ -n "$sizes_given" ] && echo " --sizes $sizes")")
else
  name=online
  header=$(results_header "Online verification" "bench/online.sh$([ "$quick" = 1 ] && echo ' --quick')$([ -n "$sizes_given" ] && echo " --sizes $sizes")")
fi

# median_round FILE: the line (rps p50 p99) of the median round by throughput; sets M_RPS M_P50 M_P99 M_RANGE.
median_round() {
  local n line
  n=$(wc -l <"$1")
  line=$(sort -g "$1" | sed -n "$(((n + 1) / 2))p")
  read -r M_RPS M_P50 M_P99 <<<"$line"
  M_RANGE="$(fmt_int "$(sort -g "$1" | head -n 1 | cut -d' ' -f1)")–$(fmt_int "$(sort -g "$1" | tail -n 1 | cut -d' ' -f1)")"
}

IFS=',' read -r -a size_list <<<"$sizes"

# Every size's server runs from the start, beside one bare app, and the rounds go round all of them: bare, then
# each size, round after round. The sizes are compared within the same minutes, so a machine that slows down or
# speeds up part-way (shared hosts do) touches all of them alike.
declare -A server_pid server_url server_key seed_seconds
for size in "${size_list[@]}"; do
  dir="$BENCH_WORK/$size"
  mkdir -p "$dir"
  use_data_folder "$dir/data"
  # PostgreSQL: the data folder still holds the certificate and the signing keys; the database is fresh, migrated by
  # the seeder (as the migrate command does). The run's process id keeps two runs on one PostgreSQL apart.
  if [ "$database" = postgresql ]; then use_postgresql "licenz_bench_${size}_$$"; fi
  seed_licenses "$size" "$dir/seed"
  . "$dir/seed/seed.env"
  server_key[$size]=$(create_api_key verify-only)
  start_server "$dir/server.log"
  server_pid[$size]=$SERVER_PID server_url[$size]=$SERVER_URL seed_seconds[$size]=$SEED_SECONDS
  for key in $(sed -n '1p;$p' "$dir/seed/keys.txt"); do check_verify "$SERVER_URL" "${server_key[$size]}" "$key"; done
  log "$size licenses: server $SERVER_URL (pid $SERVER_PID)"
done
start_bare "$BENCH_WORK/bare.log"
log "bare: $BARE_URL (pid $BARE_PID)"

# verify_round NAME SIZE SECONDS: wrk against one size's server with its own keys; then a pause a second longer
# than the server's activity flush interval (5 s), so that its last batched writes are not done in the next round.
verify_round() {
  run_wrk "$1" "$3" "${server_url[$2]}/licenses/verify" verify.lua "$BENCH_WORK/$2/seed/keys.txt" "${server_key[$2]}" random "$WRK_THREADS"
  sleep "$settle"
}
bare_keys="$BENCH_WORK/${size_list[0]}/seed/keys.txt" bare_key=${server_key[${size_list[0]}]}
for size in "${size_list[@]}"; do
  verify_round "warmup-verify-$size" "$size" "$warmup"
done
run_wrk "warmup-bare" "$warmup" "$BARE_URL/licenses/verify" verify.lua "$bare_keys" "$bare_key" random "$WRK_THREADS"
: >"$BENCH_WORK/bare.rounds"
for size in "${size_list[@]}"; do : >"$BENCH_WORK/$size/verify.rounds"; done
for round in $(seq 1 "$rounds"); do
  run_wrk "bare-$round" "$duration" "$BARE_URL/licenses/verify" verify.lua "$bare_keys" "$bare_key" random "$WRK_THREADS"
  echo "$RPS $P50_MS $P99_MS" >>"$BENCH_WORK/bare.rounds"
  for size in "${size_list[@]}"; do
    verify_round "verify-$size-$round" "$size" "$duration"
    echo "$RPS $P50_MS $P99_MS" >>"$BENCH_WORK/$size/verify.rounds"
  done
done

read -r bare_rss _ bare_anon _ < <(process_memory "$BARE_PID")
median_round "$BENCH_WORK/bare.rounds"
b_rps=$M_RPS b_p50=$M_P50 b_p99=$M_P99 b_range=$M_RANGE
for size in "${size_list[@]}"; do
  read -r rss peak anon file < <(process_memory "${server_pid[$size]}")
  median_round "$BENCH_WORK/$size/verify.rounds"
  echo "$size $M_RPS $M_P50 $M_P99 $M_RANGE $b_rps $b_p50 $b_p99 $b_range $rss $peak $bare_rss ${seed_seconds[$size]} $anon $file $bare_anon" >>"$summary"
done
stop_process "$BARE_PID"
for size in "${size_list[@]}"; do stop_process "${server_pid[$size]}"; done

# --- the table --------------------------------------------------------------------------------------------

out="$results/$name.md"
{
  printf '%s\n\n' "$header"
  printf 'wrk: %s threads, %s keep-alive connections, %s s warm-up each, then %s round(s) of %s s per endpoint, ' \
    "$WRK_THREADS" "$WRK_CONNECTIONS" "$warmup" "$rounds" "$duration"
  printf 'going round the bare app and every size in turn; the median round by throughput is shown, with the range over the rounds.\n\n'
  if [ "$database" = postgresql ]; then
    printf 'Database: PostgreSQL %s at %s, a fresh database per size, on the same machine (its CPU time competes with the server'"'"'s and wrk'"'"'s; its memory is not in the table).\n\n' \
      "$PG_VERSION" "$(printf '%s' "$LICENZ_BENCH_POSTGRES" | tr ';' '\n' | grep -iE '^(host|port)=' | cut -d= -f2 | paste -sd: -)"
  else
    printf 'Database: SQLite, in each server'"'"'s data folder.\n\n'
  fi
  printf '| endpoint | requests/s (range) | p50 | p99 | ÷ bare | anonymous memory | resident (peak) | file-backed | seeded in |\n'
  printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
  while read -r size v_rps v_p50 v_p99 v_range b_rps _ _ _ rss peak _ seed_s anon file _; do
    printf '| verify, %s licenses | %s (%s) | %s ms | %s ms | %s | %s MiB | %s MiB (%s MiB) | %s MiB | %s s |\n' \
      "$(fmt_int "$size")" "$(fmt_int "$v_rps")" "$v_range" "$v_p50" "$v_p99" "$(ratio "$v_rps" "$b_rps")" "$anon" "$rss" "$peak" "$file" "$seed_s"
  done <"$summary"
  read -r _ _ _ _ _ b_rps b_p50 b_p99 b_range _ _ bare_rss _ _ _ bare_anon <"$summary"
  printf '| bare Kestrel | %s (%s) | %s ms | %s ms | | %s MiB | %s MiB | | |\n' "$(fmt_int "$b_rps")" "$b_range" "$b_p50" "$b_p99" "$bare_anon" "$bare_rss"
  printf '\n| target | measured | result |\n| --- | --- | --- |\n'
  judge() { if [ "$quick" = 1 ]; then echo "not judged (quick)"; else verdict "$@"; fi; }
  read -r size v_rps v_p50 v_p99 _ b_rps _ <"$summary"
  printf '| verify ÷ bare ≥ 0.50 (%s licenses) | %s | %s |\n' "$(fmt_int "$size")" "$(ratio "$v_rps" "$b_rps")" "$(judge "$(ratio "$v_rps" "$b_rps")" '>=' 0.5)"
  printf '| verify p99 ≤ 10 ms (%s licenses) | %s ms | %s |\n' "$(fmt_int "$size")" "$v_p99" "$(judge "$v_p99" '<=' 10)"
  if [ "$(wc -l <"$summary")" -gt 1 ]; then
    read -r large l_rps _ < <(tail -n 1 "$summary")
    printf '| verify throughput, %s ÷ %s licenses ≥ 0.85 | %s | %s |\n' \
      "$(fmt_int "$large")" "$(fmt_int "$size")" "$(ratio "$l_rps" "$v_rps")" "$(judge "$(ratio "$l_rps" "$v_rps")" '>=' 0.85)"
  fi
  # 400 MB is 381.5 MiB: judged in the unit the table shows.
  read -r large _ _ _ _ _ _ _ _ _ _ _ _ l_anon _ < <(tail -n 1 "$summary")
  printf '| server anonymous memory ≤ 400 MB (381 MiB), %s licenses | %s MiB | %s |\n' \
    "$(fmt_int "$large")" "$l_anon" "$(judge "$l_anon" '<=' 381.5)"
} >"$out"
publish_results "$name" "$out" "$quick"
