# shellcheck shell=bash
# The registries' processes as provision.sh starts them (sourced by provision.sh and teardown.sh, after
# ci/lib.sh): each runs `docker-registry serve $HARNESS_STATE/NAME/config.yml`, its pid in
# $HARNESS_STATE/NAME/registry.pid. A pid counts only while its command line is still that registry's,
# so a pid the kernel has since given to another process is never signalled.

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
