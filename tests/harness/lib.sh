# shellcheck shell=bash
# What provision.sh and teardown.sh share (sourced, not run): ci/lib.sh's helpers, the harness's folders, the mark
# on the files it manages, and its registries' processes.
# shellcheck source-path=SCRIPTDIR source=../../ci/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/ci/lib.sh"
LOG_TAG=harness
HARNESS_STATE=${HARNESS_STATE:-/var/lib/image-tooling-harness}
HARNESS_CACHE=${HARNESS_CACHE:-/var/cache/image-tooling-harness}
for d in "$HARNESS_STATE" "$HARNESS_CACHE"; do
  [[ $d == /* && $d != / ]] || die "state/cache dirs must be absolute and not /: '$d'"
done
# shellcheck disable=SC2034 # used by the scripts that source this
readonly MANAGED_MARK='# Managed by image-tooling-harness (tests/harness/provision.sh).'

# The registries run as provision.sh starts them: `docker-registry serve $HARNESS_STATE/NAME/config.yml`, the pid
# in $HARNESS_STATE/NAME/registry.pid. A pid counts only while its command line is still that registry's, so a pid
# the kernel has since given to another process is never signalled.

# registry_pid NAME: prints the pid of our running registry NAME; fails when there is none.
registry_pid() {
  local dir=$HARNESS_STATE/$1 pid
  [[ -f $dir/registry.pid ]] || return 1
  pid=$(<"$dir/registry.pid")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "serve $dir/config.yml" || return 1
  printf '%s\n' "$pid"
}

# stop_registry NAME: stops our registry NAME (TERM, then KILL after 10 s) and removes its pid file.
stop_registry() {
  local pidfile=$HARNESS_STATE/$1/registry.pid pid i
  if [[ ! -f $pidfile ]]; then
    log "registry $1: not running (no pid file)"
    return
  fi
  if pid=$(registry_pid "$1"); then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      [[ -d /proc/$pid ]] || break
      sleep 0.2
    done
    [[ -d /proc/$pid ]] && { kill -KILL "$pid" 2>/dev/null || true; }
    log "registry $1: stopped (pid $pid)"
  else
    log "registry $1: stale pid file ($(<"$pidfile") is not our registry)"
  fi
  rm -f "$pidfile"
}
