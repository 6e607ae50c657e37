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

passed=0 failed=0 skipped=0
while read -r line; do
  p=$(sed -n 's/.*Passed: *\([0-9]*\).*/\1/p' <<<"$line"); f=$(sed -n 's/.*Failed: *\([0-9]*\),.*/\1/p' <<<"$line"); s=$(sed -n 's/.*Skipped: *\([0-9]*\).*/\1/p' <<<"$line")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
done < <(grep -hE '^(Passed|Failed)! +- ' "$results"/*.log)
rm -rf "$results"
printf '\nTests took %d s.\n' $((SECONDS - started))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] || status=1
exit $status
