#!/usr/bin/env bash
# Every benchmark, one after the other, after one build: bench/run-all.sh [--quick]
# --quick is what CI runs (.ci/run): each script must still work and write its table; no timing is judged.
# online.sh and writes.sh run twice, on SQLite and on PostgreSQL ($LICENZ_BENCH_POSTGRES). Without a PostgreSQL server
# listening there the second runs are skipped with a line saying so, unless LICENZ_REQUIRE_POSTGRES is set (CI sets it):
# then they fail.
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
# Is anything listening where LICENZ_BENCH_POSTGRES points (Host=…;Port=…)?
postgres_listening() {
  local host port
  host=$(printf '%s' "$LICENZ_BENCH_POSTGRES" | tr ';' '\n' | sed -n 's/^[Hh]ost=//p' | head -n 1)
  port=$(printf '%s' "$LICENZ_BENCH_POSTGRES" | tr ';' '\n' | sed -n 's/^[Pp]ort=//p' | head -n 1)
  (exec 3<>"/dev/tcp/${host:-127.0.0.1}/${port:-5432}") 2>/dev/null
}
if [ -n "${LICENZ_REQUIRE_POSTGRES:-}" ] || postgres_listening; then
  for script in online writes; do
    if ! bash "$BENCH_DIR/$script.sh" --database postgresql "$@"; then
      log "$script.sh --database postgresql FAILED"
      status=1
    fi
  done
else
  log "online.sh and writes.sh --database postgresql skipped: no PostgreSQL listening at $LICENZ_BENCH_POSTGRES (set LICENZ_BENCH_POSTGRES)"
fi
log "done in $(($(date +%s) - started)) s$([ "$status" -ne 0 ] && echo ', with failures')"
exit "$status"
