#!/usr/bin/env bash
# Stop the registries that provision.sh started (by their pid files).
#   teardown.sh          stop them; keep state, password, caches and configuration
#   teardown.sh --purge  also delete the state dir, the cache dir (rootfs tarballs,
#                        mirror registry data), the harness' registries.conf.d
#                        drop-in and the harness-local podman images
# Installed packages, containers.conf and storage.conf are left in place.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$repo/tests/harness/lib.sh"
readonly REGISTRIES_DROPIN=/etc/containers/registries.conf.d/50-image-tooling-harness.conf

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

# The program is built only when a registry may still run (a pid file without it), not to find that none does.
if [[ -f $HARNESS_TOOL ]] || compgen -G "$HARNESS_STATE/*/registry.pid" >/dev/null; then
  [[ -f $HARNESS_TOOL ]] || build_harness_tool
  registry target stop
  registry mirror stop
else
  log "registries: not running (no pid file)"
fi

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
