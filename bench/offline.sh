#!/usr/bin/env bash
# Offline verification against its physical limit (issue 4 §3): BenchmarkDotNet compares LicenseFile.Verify
# (plain and encrypted files) with a raw NSec Ed25519 verify of the same signed bytes. See bench/README.md.
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
log "running BenchmarkDotNet$([ "$quick" = 1 ] && echo ' (dry job)'); its log: $BENCH_WORK/benchmarkdotnet.log"
args=(--out "$BENCH_WORK/table.md" --artifacts "$BENCH_WORK/artifacts")
[ "$quick" = 1 ] && args+=(--quick)
if ! dotnet "$(published Licenz.Bench.Offline)" "${args[@]}" >"$BENCH_WORK/benchmarkdotnet.log" 2>&1; then
  tail -n 60 "$BENCH_WORK/benchmarkdotnet.log" >&2
  die "the offline benchmark failed"
fi

out="$results/offline.md"
{
  printf '%s\n\n' "$header"
  printf 'BenchmarkDotNet %s, in-process; %s. ' "$(grep -oE 'BenchmarkDotNet v[0-9.]+' "$BENCH_WORK/benchmarkdotnet.log" | head -n 1 | cut -c18-)" \
    "$([ "$quick" = 1 ] && echo 'dry job (one call each: no real timing)' || echo '3 passes, each with 5 warm-up and 20 measured iterations of 250 ms per benchmark; each row shows the pass with the median ratio')"
  printf 'Fixed clock, in-memory trusted-time store: no file I/O. Allocations by the memory diagnoser.\n\n'
  cat "$BENCH_WORK/table.md"
} >"$out"
publish_results offline "$out" "$quick"
