#!/usr/bin/env bash
# Two builds, or two settings, of the server side by side on one machine: did a change make verification cheaper?
#
#   bench/compare.sh --base REV                 git revision REV (a) against the working tree (b)
#   bench/compare.sh --env-b 'NAME=value …'     one build (a and b), b with extra environment
#   bench/compare.sh --quick                    one build, 1 round of 2 s: proves it works, judges nothing
#
# Options: --size N (10000)  --rounds N (6)  --duration SECONDS (8)  --warmup SECONDS (20)  --env-a '…'  --env-b '…'
# Both servers run at once, over copies of one seeded data folder (with --base, REV seeds its own folder alike with its
# own seeder, so it may have another schema), and are warmed alike; wrk then alternates rounds between them, so a machine that slows down or speeds up mid-run
# touches both. Per round: requests/s, p50, p99 and the server's CPU time per request (from /proc), the steadiest
# figure on a shared machine. See bench/README.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quick=0 base="" size="" rounds="" duration="" warmup="" env_a="" env_b=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --base) base=$2; shift ;;
    --size) size=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --duration) duration=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --env-a) env_a=$2; shift ;;
    --env-b) env_b=$2; shift ;;
    *) die "unknown option $1 (see the top of $0)" ;;
  esac
  shift
done
if [ "$quick" = 1 ]; then
  [ -z "$base" ] || die "--quick compares one build; leave out --base"
  : "${size:=1000}" "${rounds:=1}" "${duration:=2}" "${warmup:=2}"
else
  : "${size:=10000}" "${rounds:=6}" "${duration:=8}" "${warmup:=20}"
fi
command -v wrk >/dev/null || die "wrk is needed (Debian: apt-get install -y wrk)"
for setting in $env_a $env_b; do
  [[ $setting =~ ^[A-Za-z_][A-Za-z0-9_]*=.*$ ]] || die "--env-a/--env-b take NAME=value words, not '$setting'"
done

bench_init compare
bench_build
worktree=""
remove_worktree() {
  if [ -n "$worktree" ]; then
    git -C "$REPO_DIR" worktree remove --force "$worktree" 2>/dev/null || true
    git -C "$REPO_DIR" worktree prune 2>/dev/null || true
  fi
}
trap 'remove_worktree; bench_cleanup' EXIT

server_a=$(published Licenz.Server) label_a="working tree"
if [ -n "$base" ]; then
  revision=$(git -C "$REPO_DIR" rev-parse --short "$base^{commit}") || die "no such revision: $base"
  worktree="$BENCH_WORK/base-source"
  git -C "$REPO_DIR" worktree add --detach "$worktree" "$revision" >/dev/null 2>&1 || die "could not check out $revision"
  log "building the server at $revision"
  dotnet publish "$worktree/src/Licenz.Server" -c Release --artifacts-path "$BENCH_WORK/base-artifacts" -nologo -v quiet -clp:ErrorsOnly \
    || die "the build of $revision failed"
  server_a="$BENCH_WORK/base-artifacts/publish/Licenz.Server/release/Licenz.Server.dll"
  dotnet publish "$worktree/bench/Licenz.Bench.Seed" -c Release --artifacts-path "$BENCH_WORK/base-artifacts" -nologo -v quiet -clp:ErrorsOnly \
    || die "the build of $revision's seeder failed"
  seeder_a="$BENCH_WORK/base-artifacts/publish/Licenz.Bench.Seed/release/Licenz.Bench.Seed.dll"
  label_a=$revision
fi
label_a="$label_a${env_a:+ with $env_a}"
label_b="working tree${env_b:+ with $env_b}"

dir="$BENCH_WORK/data"
mkdir -p "$dir"
use_data_folder "$dir/b"
seed_licenses "$size" "$dir/seed-b"
key_b=$(create_api_key verify-only)
keys_b="$dir/seed-b/keys.txt"
if [ -n "$base" ]; then
  # REV may store licenses another way (another schema): it seeds a folder of its own with its own seeder, the same
  # number of the same licenses, and has its own keys list and verify-only key.
  log "seeding $size licenses with $revision's seeder"
  Licenz__DataDirectory="$dir/a" dotnet "$seeder_a" seed --licenses "$size" --out "$dir/seed-a" >&2 || die "seeding with $revision failed"
  key_a=$(Licenz__DataDirectory="$dir/a" dotnet "$server_a" create-api-key --type verify-only --name "bench verify-only" 2>/dev/null \
    | sed -n 's/^.* API key: //p' | head -n 1)
  [ -n "$key_a" ] || die "create-api-key with $revision failed"
  keys_a="$dir/seed-a/keys.txt"
else
  cp -a "$dir/b" "$dir/a"
  key_a=$key_b keys_a=$keys_b
fi

# start_side NAME DLL ENV: a server over its own copy of the data folder; sets <NAME>_PID and <NAME>_URL.
start_side() {
  # shellcheck disable=SC2086 # the settings are NAME=value words, checked above
  Licenz__DataDirectory="$dir/$1" start_server "$dir/$1.log" "$2" $3
  printf -v "${1}_PID" '%s' "$SERVER_PID"
  printf -v "${1}_URL" '%s' "$SERVER_URL"
}
start_side a "$server_a" "$env_a"
start_side b "$(published Licenz.Server)" "$env_b"
log "a: $label_a ($a_URL); b: $label_b ($b_URL)"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
for side in a b; do
  url_var="${side}_URL"
  keys_var="keys_$side" key_var="key_$side"
  run_wrk "warmup-$side" "$warmup" "${!url_var}/licenses/verify" verify.lua "${!keys_var}" "${!key_var}" random "$WRK_THREADS"
done

rows="$BENCH_WORK/rounds.txt"
: >"$rows"
for round in $(seq 1 "$rounds"); do
  for side in a b; do
    url_var="${side}_URL" pid_var="${side}_PID" keys_var="keys_$side" key_var="key_$side"
    before=$(cpu_ticks "${!pid_var}")
    run_wrk "$side-$round" "$duration" "${!url_var}/licenses/verify" verify.lua "${!keys_var}" "${!key_var}" random "$WRK_THREADS"
    after=$(cpu_ticks "${!pid_var}")
    cpu=$(awk -v a="$before" -v b="$after" -v n="$REQUESTS" -v hz="$hz" 'BEGIN { printf "%.1f", (b - a) / hz * 1e6 / n }')
    printf '%s %s %s %s %s %s\n' "$side" "$round" "$RPS" "$P50_MS" "$P99_MS" "$cpu" >>"$rows"
  done
done

# median SIDE COLUMN: the median of one column over a side's rounds.
median() { awk -v s="$1" -v c="$2" '$1 == s { print $c }' "$rows" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

results_header "Side by side" "bench/compare.sh$([ "$quick" = 1 ] && echo ' --quick')${base:+ --base $base}"
printf 'a: %s. b: %s. %s licenses; wrk: 2 threads, 64 keep-alive connections, %s s warm-up each, then %s alternating round(s) of %s s.\n\n' \
  "$label_a" "$label_b" "$(fmt_int "$size")" "$warmup" "$rounds" "$duration"
printf '| round | side | requests/s | p50 | p99 | server CPU per request |\n| ---: | --- | ---: | ---: | ---: | ---: |\n'
awk '{ printf "| %s | %s | %.0f | %.2f ms | %.2f ms | %.1f µs |\n", $2, $1, $3, $4, $5, $6 }' "$rows"
printf '\n| median over the rounds | a | b | b ÷ a |\n| --- | ---: | ---: | ---: |\n'
for column in "3 %.0f requests/s" "5 %.2f p99 (ms)" "6 %.1f server CPU per request (µs)"; do
  read -r index format name <<<"$column"
  a=$(median a "$index") b=$(median b "$index")
  # shellcheck disable=SC2059 # the format is one of the three above
  printf "| %s | $format | $format | %s |\n" "$name" "$a" "$b" "$(ratio "$b" "$a")"
done
printf '\nPaired rounds where b used less CPU per request than a: %s of %s.\n' \
  "$(awk '$1 == "a" { a[$2] = $6 } $1 == "b" { b[$2] = $6 } END { n = 0; for (r in b) if (b[r] < a[r]) n++; print n }' "$rows")" "$rounds"
