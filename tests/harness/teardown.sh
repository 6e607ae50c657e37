#!/usr/bin/env bash
# Stop the registries that provision.sh started (by their pid files).
#   teardown.sh          stop them; keep state, password, caches and configuration
#   teardown.sh --purge  also delete the state dir, the cache dir (rootfs tarballs,
#                        mirror registry data), the harness' registries.conf.d
#                        drop-in and the harness-local podman images
# Installed packages, containers.conf and storage.conf are left in place.
set -euo pipefail

HARNESS_STATE=${HARNESS_STATE:-/var/lib/image-tooling-harness}
HARNESS_CACHE=${HARNESS_CACHE:-/var/cache/image-tooling-harness}
readonly REGISTRIES_DROPIN=/etc/containers/registries.conf.d/50-image-tooling-harness.conf
readonly MANAGED_MARK='# Managed by image-tooling-harness (tests/harness/provision.sh).'

log() { printf '[harness] %s\n' "$*"; }
die() { printf '[harness] ERROR: %s\n' "$*" >&2; exit 1; }

purge=0
for arg in "$@"; do
  case $arg in
    --purge) purge=1 ;;
    -h | --help)
      sed -n '2,7s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *) die "unknown argument: $arg (use --purge or --help)" ;;
  esac
done
for d in "$HARNESS_STATE" "$HARNESS_CACHE"; do
  [[ $d == /* && $d != / ]] || die "state/cache dirs must be absolute and not /: '$d'"
done

stop_registry() { # NAME
  local dir=$HARNESS_STATE/$1 pid i
  local pidfile=$dir/registry.pid
  if [[ ! -f $pidfile ]]; then
    log "registry $1: not running (no pid file)"
    return
  fi
  pid=$(<"$pidfile")
  # Only signal the process if it is still our registry (pid reuse guard).
  if [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] &&
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "serve $dir/config.yml"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      [[ -d /proc/$pid ]] || break
      sleep 0.2
    done
    if [[ -d /proc/$pid ]]; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "registry $1: stopped (pid $pid)"
  else
    log "registry $1: stale pid file (pid $pid is not our registry)"
  fi
  rm -f "$pidfile"
}

stop_registry target
stop_registry mirror

if ((purge)); then
  if command -v podman >/dev/null; then
    podman manifest rm localhost/image-tooling-harness/debian:trixie-slim >/dev/null 2>&1 || true
    for arch in amd64 arm64; do
      podman rmi -f "localhost/image-tooling-harness/debian:trixie-slim-$arch" >/dev/null 2>&1 || true
    done
  fi
  if [[ -f $REGISTRIES_DROPIN ]] && grep -qF "$MANAGED_MARK" "$REGISTRIES_DROPIN"; then
    rm -f "$REGISTRIES_DROPIN"
    log "removed $REGISTRIES_DROPIN"
  fi
  rm -rf -- "$HARNESS_STATE" "$HARNESS_CACHE"
  log "purged $HARNESS_STATE and $HARNESS_CACHE"
else
  log "kept $HARNESS_STATE and $HARNESS_CACHE (use --purge to delete them)"
fi
