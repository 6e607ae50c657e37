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

# The harness's own program (tests/ImageTooling.Harness), which keeps its registries: built with an artifacts folder of
# its own in $HARNESS_STATE, so that it shares no obj/ folder with the test command's build running beside it.
harness_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HARNESS_TOOL=$HARNESS_STATE/harness-tool/bin/ImageTooling.Harness/debug/imagetool-harness.dll
build_harness_tool() {
  command -v dotnet >/dev/null || die "dotnet is not installed: the harness's registries are kept by tests/ImageTooling.Harness"
  mkdir -p "$HARNESS_STATE/logs"
  if ! dotnet build "$harness_root/tests/ImageTooling.Harness" --artifacts-path "$HARNESS_STATE/harness-tool" --nologo -v quiet \
    >"$HARNESS_STATE/logs/harness-tool.log" 2>&1 9>&-; then
    tail -n 20 "$HARNESS_STATE/logs/harness-tool.log" >&2
    die "building tests/ImageTooling.Harness failed (log: $HARNESS_STATE/logs/harness-tool.log)"
  fi
}

# registry NAME start ADDRESS DATA STATUS [HTPASSWD] | registry NAME stop: one registry's process (HarnessRegistry),
# its configuration, pid file and log in $HARNESS_STATE/NAME. The provisioning lock (fd 9) is not handed down.
registry() {
  local line
  line=$(dotnet "$HARNESS_TOOL" registry "$HARNESS_STATE" "$@" 9>&-) || die "registry $1: see the lines above"
  log "$line"
}
