# Shared by the benchmark scripts (sourced, not run). See bench/README.md.
# shellcheck shell=bash

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
# Release builds go here, never into the projects' own bin/obj (others may be building those).
ARTIFACTS=${LICENZ_BENCH_ARTIFACTS:-$BENCH_DIR/.artifacts}

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- processes: everything started here is stopped on exit -----------------------------------------------

BENCH_PIDS=()
BENCH_WORK=""
BENCH_DATABASES=()   # connection strings of the PostgreSQL databases this run created: dropped on exit

bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  BENCH_PIDS=()
  local database
  for database in "${BENCH_DATABASES[@]}"; do
    ConnectionStrings__Licenz=$database dotnet "$(published Licenz.Bench.Seed)" drop-database >&2 \
      || log "could not drop the database ${database##*Database=}"
  done
  BENCH_DATABASES=()
  if [ -n "$BENCH_WORK" ] && [ -z "${LICENZ_BENCH_KEEP:-}" ]; then
    rm -rf "$BENCH_WORK"
  elif [ -n "$BENCH_WORK" ]; then
    log "kept $BENCH_WORK"
  fi
}

# A fresh work folder (data folders, logs, key lists), removed on exit unless LICENZ_BENCH_KEEP is set.
bench_init() {
  BENCH_WORK=$(mktemp -d "${TMPDIR:-/tmp}/licenz-bench-$1.XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

# A process that has ended and been waited for: its id may be reused, so cleanup must never signal it.
forget_process() {
  local kept=() p
  for p in "${BENCH_PIDS[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
  BENCH_PIDS=("${kept[@]}")
}

# Stops one process started by this script (SIGTERM: the server flushes and exits), then forgets it.
stop_process() {
  local pid=$1
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  forget_process "$pid"
}

# wait_for_line FILE REGEX PID SECONDS: waits until a line of FILE matches, or fails if PID dies first.
wait_for_line() {
  local file=$1 pattern=$2 pid=$3 seconds=$4
  for _ in $(seq 1 $((seconds * 10))); do
    if grep -qE "$pattern" "$file" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$file" >&2
      die "the process died before printing /$pattern/"
    fi
    sleep 0.1
  done
  tail -n 30 "$file" >&2
  die "no line /$pattern/ after ${seconds}s"
}

# --- builds -----------------------------------------------------------------------------------------------

# bench_build: Release publish of bench/Licenz.Bench.slnx into $ARTIFACTS, once per run (run-all.sh builds first).
bench_build() {
  [ -n "${LICENZ_BENCH_BUILT:-}" ] && return 0
  command -v dotnet >/dev/null || die "the .NET SDK is needed (dotnet)"
  log "building bench/Licenz.Bench.slnx (Release) into ${ARTIFACTS#"$REPO_DIR"/}"
  dotnet publish "$BENCH_DIR/Licenz.Bench.slnx" -c Release --artifacts-path "$ARTIFACTS" -nologo -v quiet -clp:ErrorsOnly \
    || die "the build failed"
  export LICENZ_BENCH_BUILT=1
}

# The published entry assembly of a project, by name.
published() { printf '%s/publish/%s/release/%s.dll' "$ARTIFACTS" "$1" "$1"; }

# --- the server -------------------------------------------------------------------------------------------

# use_data_folder DIR: the server's settings for this folder (environment, so every command sees them).
use_data_folder() {
  export Licenz__DataDirectory=$1
  export Licenz__Plan=enterprise
  export Licenz__KeyEncryption__Key
  Licenz__KeyEncryption__Key=$(head -c 32 /dev/urandom | base64)
  export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
}

# use_postgresql DATABASE: the server (and the seeder, and every command) on a fresh PostgreSQL database of that name
# at $LICENZ_BENCH_POSTGRES (a role that may create databases), dropped when the script ends, however it ends.
# Sets PG_VERSION (the PostgreSQL server's).
LICENZ_BENCH_POSTGRES=${LICENZ_BENCH_POSTGRES:-Host=127.0.0.1;Port=5432;Username=licenz;Password=licenz}
use_postgresql() {
  export Licenz__Database__Provider=postgresql
  export ConnectionStrings__Licenz="$LICENZ_BENCH_POSTGRES;Database=$1"
  BENCH_DATABASES+=("$ConnectionStrings__Licenz")
  PG_VERSION=$(dotnet "$(published Licenz.Bench.Seed)" create-database) || die "could not create the PostgreSQL database $1 (LICENZ_BENCH_POSTGRES)"
}

# seed_licenses COUNT OUT_DIR [ACTIVATION_COUNT]: seeds the current data folder (or database) with COUNT licenses to verify
# and ACTIVATION_COUNT (default none) to activate machines on; OUT_DIR gets keys.txt, activation-keys.txt and seed.env.
seed_licenses() {
  log "seeding $1 licenses${3:+ and $3 to activate machines on}"
  dotnet "$(published Licenz.Bench.Seed)" seed --licenses "$1" --activation-licenses "${3:-0}" --out "$2" >&2 || die "seeding failed"
}

# create_api_key TYPE: a new key of the current data folder's default account, through the server's own command.
create_api_key() {
  local out
  out=$(dotnet "$(published Licenz.Server)" create-api-key --type "$1" --name "bench $1" 2>/dev/null) \
    || die "create-api-key --type $1 failed"
  printf '%s\n' "$out" | sed -n 's/^.* API key: //p' | head -n 1
}

# start_server LOG [DLL [NAME=value …]]: starts the server (the Release build, or DLL, with that extra environment)
# over the current data folder on a free loopback port; sets SERVER_PID and SERVER_URL (…/api/v1).
start_server() {
  local logfile=$1 dll=${2:-$(published Licenz.Server)}
  shift $(($# < 2 ? $# : 2))
  (cd "$(dirname "$Licenz__DataDirectory")" && exec env "$@" dotnet "$dll" --urls https://127.0.0.1:0) >"$logfile" 2>&1 &
  SERVER_PID=$!
  BENCH_PIDS+=("$SERVER_PID")
  wait_for_line "$logfile" '^Licenz API: https://' "$SERVER_PID" 120
  SERVER_URL=$(sed -n 's/^Licenz API: //p' "$logfile" | head -n 1)
  CA_FILE="$Licenz__DataDirectory/tls/licenz-localhost.crt"
}

# start_bare LOG: the baseline app with the server's certificate; sets BARE_PID and BARE_URL (…/api/v1).
start_bare() {
  local logfile=$1
  (cd "$BENCH_WORK" && Kestrel__Certificates__Default__Path="$Licenz__DataDirectory/tls/licenz-localhost.pfx" \
    exec dotnet "$(published Licenz.Bench.Bare)" --urls https://127.0.0.1:0) >"$logfile" 2>&1 &
  BARE_PID=$!
  BENCH_PIDS+=("$BARE_PID")
  wait_for_line "$logfile" '^Listening: https://' "$BARE_PID" 60
  BARE_URL="$(sed -n 's/^Listening: //p' "$logfile" | head -n 1)/api/v1"
}

# check_verify URL API_KEY KEY: one verification with curl; fails unless the answer is "valid".
check_verify() {
  local answer
  answer=$(curl -sS --cacert "$CA_FILE" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -d "{\"key\":\"$3\",\"nonce\":\"check0000000001\"}" "$1/licenses/verify") || die "verify request failed"
  case $answer in
    *'"valid":true'*) ;;
    *) die "verify of a seeded key did not answer valid: $answer" ;;
  esac
}

# process_memory PID: "RSS_MiB PEAK_MiB ANON_MiB FILE_MiB" from /proc/PID/status: the resident set (VmRSS), its peak
# (VmHWM), and the two parts of the resident set that matter here: anonymous memory (RssAnon: the heap, the caches, the
# stacks; what the process itself holds) and file-backed pages (RssFile: the mapped assemblies and the SQLite database's
# memory map, which are the operating system's file cache and can be dropped and read again at any time).
process_memory() {
  awk '/^VmRSS:/ { rss = $2 } /^VmHWM:/ { hwm = $2 } /^RssAnon:/ { anon = $2 } /^RssFile:/ { file = $2 }
       END { printf "%.0f %.0f %.0f %.0f\n", rss / 1024, hwm / 1024, anon / 1024, file / 1024 }' "/proc/$1/status"
}

# --- wrk --------------------------------------------------------------------------------------------------

WRK_THREADS=2
WRK_CONNECTIONS=64

# run_wrk NAME SECONDS URL SCRIPT ARGS...: sets RPS P50_MS P99_MS REQUESTS ERRORS_STATUS ERRORS_SOCKET.
run_wrk() {
  local name=$1 seconds=$2 url=$3 script=$4 out
  shift 4
  out="$BENCH_WORK/wrk-$name.txt"
  timeout $((seconds + 60)) wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${seconds}s" --timeout 5s \
    -s "$BENCH_DIR/wrk/$script" "$url" -- "$@" >"$out" 2>&1 &
  local pid=$!
  BENCH_PIDS+=("$pid")
  local rc=0
  wait "$pid" || rc=$?
  forget_process "$pid"
  [ "$rc" -eq 0 ] || { cat "$out" >&2; die "wrk failed ($name)"; }
  local line
  line=$(grep '^wrk-result ' "$out" | tail -n 1) || { cat "$out" >&2; die "no result from wrk ($name)"; }
  eval "$(printf '%s\n' "$line" | tr ' ' '\n' | grep '=' | sed 's/^/WRK_/')"
  REQUESTS=$WRK_requests
  RPS=$(awk -v r="$WRK_requests" -v d="$WRK_duration_us" 'BEGIN { printf "%.1f", r / (d / 1e6) }')
  P50_MS=$(awk -v v="$WRK_p50_us" 'BEGIN { printf "%.2f", v / 1000 }')
  P99_MS=$(awk -v v="$WRK_p99_us" 'BEGIN { printf "%.2f", v / 1000 }')
  ERRORS_STATUS=$WRK_errors_status
  ERRORS_SOCKET=$((WRK_errors_connect + WRK_errors_read + WRK_errors_write + WRK_errors_timeout))
  log "$name: $(fmt_int "$RPS") requests/s, p50 $P50_MS ms, p99 $P99_MS ms, $REQUESTS requests, errors: $ERRORS_STATUS status, $ERRORS_SOCKET socket"
  # A cold warm-up may finish nothing (the first writes are slow); a measurement must, and nothing may fail.
  if [ "$ERRORS_STATUS" -ne 0 ] || { [ "$REQUESTS" -eq 0 ] && [ "${name#warmup}" = "$name" ]; }; then
    cat "$out" >&2
    die "$name: failed requests (HTTP status ≥ 400) or none at all"
  fi
}

# --- numbers and results ----------------------------------------------------------------------------------

# fmt_int NUMBER: rounded, with thousands separators (12,345).
fmt_int() {
  awk -v n="$1" 'BEGIN { s = sprintf("%.0f", n); out = ""; while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) } print s out }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# verdict VALUE OP LIMIT: PASS or MISS (targets are reported, never enforced).
verdict() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == ">=" ? v >= l : v <= l); print (ok ? "PASS" : "MISS") }'; }

# results_header TITLE COMMAND: the heading every results file starts with (machine, date, load, commit).
results_header() {
  local cpu os sdk commit load
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
  os=$(. /etc/os-release 2>/dev/null && printf '%s' "${PRETTY_NAME:-Linux}")
  sdk=$(dotnet --version 2>/dev/null || echo unknown)
  commit=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [ -n "$(git -C "$REPO_DIR" status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit with uncommitted changes"; fi
  load=$(cut -d' ' -f1 /proc/loadavg)
  printf '### %s\n\n' "$1"
  printf 'Machine: %s, %s cores, %s, .NET SDK %s. Date: %s. Commit: %s. Load average at the start: %s.  \n' \
    "${cpu:-unknown CPU}" "$(nproc)" "$os" "$sdk" "$(date -u +%Y-%m-%d)" "$commit" "$load"
  printf 'Command: `%s`\n\n' "$2"
}

# Quick runs write beside the real results, in a folder git ignores, and leave the README alone.
results_dir() {
  if [ "$1" = 1 ]; then printf '%s/results/quick' "$BENCH_DIR"; else printf '%s/results' "$BENCH_DIR"; fi
}

# publish_results NAME FILE QUICK: prints the table; a full run also puts it into bench/README.md between
# the markers <!-- results:NAME --> and <!-- /results:NAME -->.
publish_results() {
  local name=$1 file=$2 quick=$3 readme="$BENCH_DIR/README.md"
  cat "$file"
  [ "$quick" = 1 ] && return 0
  grep -qs "^<!-- results:$name -->\$" "$readme" || { log "README has no results:$name markers; left alone"; return 0; }
  awk -v name="$name" -v file="$file" '
    $0 == "<!-- results:" name " -->" { print; while ((getline line < file) > 0) print line; skipping = 1; next }
    $0 == "<!-- /results:" name " -->" { skipping = 0 }
    !skipping { print }
  ' "$readme" >"$readme.tmp" && mv "$readme.tmp" "$readme"
  log "results written to ${file#"$REPO_DIR"/} and bench/README.md"
}
