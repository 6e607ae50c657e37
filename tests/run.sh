#!/usr/bin/env bash
# The test command (README): on a fresh Debian 12 machine with the .NET SDK, as root, it provisions
# the offline harness (packages, binfmt, registries, Debian base images) and runs every tier:
# unit, contract (Dagger schema, workflow linters), then end-to-end on the local engine.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
started=$SECONDS

step "Provisioning the offline harness (tests/harness/provision.sh)"
bash tests/harness/provision.sh

step "Building (warnings are errors) and checking formatting"
dotnet build ImageTooling.sln --nologo -v quiet
dotnet format ImageTooling.sln --verify-no-changes --no-restore

results=$(mktemp -d)
rm -f artifacts/e2e/smoke-counts.txt # written by the end-to-end tier from its shared release
run_tests() {
  local name=$1 project=$2 verbosity=$3
  step "$name tests ($project)"
  dotnet test "$project" --no-build --nologo --logger "console;verbosity=$verbosity" 2>&1 | tee "$results/$(basename "$project").log"
}
status=0
run_tests "Unit and CLI" tests/ImageTooling.Tests minimal || status=1
for project in tests/ImageTooling.Dagger.Tests tests/ImageTooling.Workflow.Tests; do
  [ -d "$project" ] && { run_tests "Contract" "$project" minimal || status=1; }
done
# Detailed: the end-to-end log shows every build, smoke test and registry read-back.
run_tests "End-to-end (local engine, offline harness)" tests/ImageTooling.EndToEnd detailed || status=1

# Totals from each project's summary: `Passed!  - Failed: 0, Passed: 150, ...` (minimal logger) or
# the `Total tests:` block with `Passed: 6` lines (detailed logger).
read -r passed failed skipped < <(awk '
  /^(Passed|Failed)! +- / { for (i = 1; i <= NF; i++) { k = $i; v = $(i + 1) + 0
      if (k == "Passed:") p += v; else if (k == "Failed:") f += v; else if (k == "Skipped:") s += v } next }
  /^Total tests:/ { block = 1; next }
  block && /^ +Passed: +[0-9]+$/ { p += $2 } block && /^ +Failed: +[0-9]+$/ { f += $2 } block && /^ +Skipped: +[0-9]+$/ { s += $2 }
  block && !/^ +[A-Za-z ]+: / { block = 0 }
  END { print p + 0, f + 0, s + 0 }' "$results"/*.log)
rm -rf "$results"
# What the shared end-to-end release ran its smoke tests on (Debian's real builds of kubectl, kustomize,
# docker and buildx; stand-ins for the downloads nothing here can build).
[ -f artifacts/e2e/smoke-counts.txt ] && printf '\nShared release %s' "$(cat artifacts/e2e/smoke-counts.txt)"
printf '\nTests took %d s.\n' $((SECONDS - started))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] || status=1
exit $status
