#!/usr/bin/env bash
# Every benchmark, one after the other, after one build: bench/run-all.sh [--quick]
# --quick is what CI runs (.ci/run): each script must still work and write its table; no timing is judged.
# The exit status is non-zero when any of them failed (a missed target is not a failure).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

for option in "$@"; do
  [ "$option" = --quick ] || die "unknown option $option: run-all.sh takes only --quick (the scripts take more)"
done
command -v wrk >/dev/null || die "wrk is needed (Debian: apt-get install -y wrk)"
started=$(date +%s)
bench_build

status=0
for script in online writes offline; do
  if ! bash "$BENCH_DIR/$script.sh" "$@"; then
    log "$script.sh FAILED"
    status=1
  fi
done
log "done in $(($(date +%s) - started)) s$([ "$status" -ne 0 ] && echo ', with failures')"
exit "$status"
