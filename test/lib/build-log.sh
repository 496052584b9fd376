# shellcheck shell=bash
# The logging, step, usage and Go environment helpers of the test build scripts (test/e2e/images/build-images.sh,
# test/engine/build-pulumi.sh, test/engine/providers/*/build-*.sh). Sourced, not run:
#   source "$SCRIPT_DIR/<relative path>/lib/build-log.sh"
# The sourcing script owns the state the helpers use, and sets it before it calls them:
#   T_START        when the script started (date +%s): log prints the seconds since then
#   TIMINGS=()     step appends one line per step; log_timings prints them
#   BUILD_LOG_DIR  where logged keeps its logs ($BUILD_LOG_DIR/<name>.log)
#   STEP_WIDTH     the width of a step's name in TIMINGS (default 34)

# [HH:MM:SS +  Ns] message
log() { printf '[%s +%4ss] %s\n' "$(date +%H:%M:%S)" "$(( $(date +%s) - T_START ))" "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }

# step NAME CMD...: runs CMD between ==> and <== lines and records its time in TIMINGS.
step() {
  local name=$1 s d; shift
  s=$(date +%s); log "==> $name"
  "$@"
  d=$(( $(date +%s) - s )); TIMINGS+=("$(printf "%-${STEP_WIDTH:-34}s %5ss" "$name" "$d")"); log "<== $name done in ${d}s"
}

# logged NAME CMD...: runs CMD with its output in $BUILD_LOG_DIR/NAME.log, the tail shown on failure.
logged() {
  local name=$1; shift
  "$@" >"$BUILD_LOG_DIR/$name.log" 2>&1 || { tail -n 40 "$BUILD_LOG_DIR/$name.log" >&2; die "$name failed (log $BUILD_LOG_DIR/$name.log)"; }
}

# The timings of the steps run so far.
log_timings() {
  log "timings:"
  printf '    %s\n' "${TIMINGS[@]}"
}

# usage SCRIPT: prints the script's header comment (after the #! line, up to the first non-comment) as its --help.
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$1"; }

# use_go_module_proxy: /usr/local/go first on PATH, GOFLAGS defaulting to -buildvcs=false, and the module proxy
# only: GOPROXY without its `direct` fallback to the modules' VCS hosts (a version the proxy lacks fails there).
use_go_module_proxy() {
  export PATH=/usr/local/go/bin:$PATH
  export GOFLAGS=${GOFLAGS:--buildvcs=false}
  GOPROXY=$(go env GOPROXY 2>/dev/null || true); GOPROXY=${GOPROXY%[,|]direct}
  export GOPROXY=${GOPROXY:-https://proxy.golang.org}
}
