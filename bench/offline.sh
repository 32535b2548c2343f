#!/usr/bin/env bash
# Offline verification against its physical limit (issue 4 §3): BenchmarkDotNet compares LicenseFile.Verify
# (plain and encrypted files) with a raw NSec Ed25519 verify of the same signed bytes, for the SDK's net10.0 build and,
# beside it, its netstandard2.0 build (issue 11 §1). See bench/README.md.
#
#   bench/offline.sh           3 passes, each 20 iterations of 250 ms per benchmark (about a minute and a half)
#   bench/offline.sh --quick   BenchmarkDotNet's dry job: proves it runs, judges nothing
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quick=0
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    *) die "unknown option $1 (see the top of $0)" ;;
  esac
  shift
done

bench_init offline
bench_build

results=$(results_dir "$quick")
mkdir -p "$results"
header=$(results_header "Offline verification" "bench/offline.sh$([ "$quick" = 1 ] && echo ' --quick')")
# run_offline PROJECT TABLE [--no-target]: the benchmark against one build of the SDK.
run_offline() {
  local project=$1 table=$2
  shift 2
  log "running BenchmarkDotNet on $project$([ "$quick" = 1 ] && echo ' (dry job)'); its log: $BENCH_WORK/$project.log"
  local args=(--out "$table" --artifacts "$BENCH_WORK/artifacts-$project" "$@")
  [ "$quick" = 1 ] && args+=(--quick)
  if ! dotnet "$(published "$project")" "${args[@]}" >"$BENCH_WORK/$project.log" 2>&1; then
    tail -n 60 "$BENCH_WORK/$project.log" >&2
    die "the offline benchmark ($project) failed"
  fi
}
run_offline Licenz.Bench.Offline "$BENCH_WORK/table.md"
run_offline Licenz.Bench.OfflineStandard "$BENCH_WORK/table-standard.md" --no-target

# cold_start PROJECT: a process that starts, verifies the format document's plain file with the default options and
# exits, started RUNS times; prints "median fastest" in milliseconds of wall time.
awk 'BEGIN { RS = "```" } /^vector plain\n/ { sub(/^vector plain\n/, ""); printf "%s", $0 }' docs/license-file-format.md >"$BENCH_WORK/plain.lic"
awk 'BEGIN { RS = "```" } /^vector jwks\n/ { sub(/^vector jwks\n/, ""); printf "%s", $0 }' docs/license-file-format.md >"$BENCH_WORK/jwks.json"
cold_runs=$([ "$quick" = 1 ] && echo 2 || echo 21)
cold_start() {
  local dll times=() i start end
  dll=$(published "$1")
  dotnet "$dll" verify-once "$BENCH_WORK/plain.lic" "$BENCH_WORK/jwks.json" || die "$1 verify-once did not verify the plain vector"
  for i in $(seq 1 "$cold_runs"); do
    start=$(date +%s%N)
    dotnet "$dll" verify-once "$BENCH_WORK/plain.lic" "$BENCH_WORK/jwks.json" || die "$1 verify-once failed"
    end=$(date +%s%N)
    times+=($(((end - start) / 1000000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 } END { printf "%d %d\n", t[int((NR + 1) / 2)], t[1] }'
}
log "timing the cold start of a process that verifies one file ($cold_runs runs per build)"
read -r cold_median cold_fastest < <(cold_start Licenz.Bench.Offline)
read -r cold_standard_median cold_standard_fastest < <(cold_start Licenz.Bench.OfflineStandard)

out="$results/offline.md"
{
  printf '%s\n\n' "$header"
  printf 'BenchmarkDotNet %s, in-process; %s. ' "$(grep -oE 'BenchmarkDotNet v[0-9.]+' "$BENCH_WORK/Licenz.Bench.Offline.log" | head -n 1 | cut -c18-)" \
    "$([ "$quick" = 1 ] && echo 'dry job (one call each: no real timing)' || echo '3 passes, each with 5 warm-up and 20 measured iterations of 250 ms per benchmark; each row shows the pass with the median ratio')"
  printf 'The format document'"'"'s plain and encrypted test vectors; fixed clock, in-memory trusted-time store: no file I/O. Allocations by the memory diagnoser.\n\n'
  printf '**The net10.0 build** (NSec: libsodium), as .NET 10 applications load it:\n\n'
  cat "$BENCH_WORK/table.md"
  printf '\n**The netstandard2.0 build** (BouncyCastle for Ed25519, HKDF and AES-GCM), as .NET Framework, Mono and Unity applications load it, here run on .NET 10 in a process of its own (the raw verify is still NSec'"'"'s):\n\n'
  cat "$BENCH_WORK/table-standard.md"
  printf '\n**Cold start**: `dotnet <bench>.dll verify-once plain.lic jwks.json`, a process that starts, verifies the plain vector with the default options (the trusted clock'"'"'s file read and written) and exits; wall time of %s runs after one unmeasured:\n\n' "$cold_runs"
  printf '| build | median | fastest |\n| --- | ---: | ---: |\n'
  printf '| net10.0 | %s ms | %s ms |\n' "$cold_median" "$cold_fastest"
  printf '| netstandard2.0 (on .NET 10) | %s ms | %s ms |\n' "$cold_standard_median" "$cold_standard_fastest"
} >"$out"
publish_results offline "$out" "$quick"
