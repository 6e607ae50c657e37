#!/usr/bin/env bash
# The test command (README): on a fresh Debian 12 machine with the .NET SDK and Node 20 or newer,
# as root, it provisions the offline harness (packages, binfmt, registries, Debian base images)
# and runs every tier: unit, contract (Dagger schema, workflow linters), then end-to-end on the
# local engine. A tier whose project is missing, or that ran no test, fails the command.
#
# IMAGE_TOOLING_SKIP_END_TO_END=1 leaves the end-to-end tier out and says so (tests/ci-container/run.sh
# --skip-end-to-end); nothing else skips a tier.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
started=$SECONDS

# What the command needs before it can provision anything: one line per missing piece.
step "Checking what the test command needs (root, .NET SDK, git, Node >= 20 with npm)"
missing=0
need() { printf 'MISSING: %s\n' "$*" >&2; missing=1; }
[[ $(id -u) -eq 0 ]] || need "root: provisioning installs packages and starts registries"
command -v dotnet >/dev/null || need "dotnet: the .NET SDK of global.json (CI: actions/setup-dotnet)"
command -v git >/dev/null || need "git (apt-get install git)"
if ! command -v node >/dev/null; then
  need "node >= 20 (CI: actions/setup-node; Debian 12's nodejs is 18, too old for tests/workflows and tests/module)"
elif ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
  need "node >= 20, found $(node --version) (CI: actions/setup-node; Debian 12's nodejs is 18)"
fi
command -v npm >/dev/null || need "npm (comes with Node; the linters and contract tests install their lockfiles with it)"
((missing == 0)) || exit 1
echo "root, dotnet $(dotnet --version), $(git --version), node $(node --version), npm $(npm --version)"

step "Provisioning the offline harness (tests/harness/provision.sh)"
bash tests/harness/provision.sh

step "Building (warnings are errors) and checking formatting"
dotnet build ImageTooling.sln --nologo -v quiet
dotnet format ImageTooling.sln --verify-no-changes --no-restore

# Totals of one project's log: `Passed!  - Failed: 0, Passed: 150, ...` (minimal logger) or the
# `Total tests:` block with `Passed: 6` lines (detailed logger). Prints "passed failed skipped".
count() {
  awk '
  /^(Passed|Failed)! +- / { for (i = 1; i <= NF; i++) { k = $i; v = $(i + 1) + 0
      if (k == "Passed:") p += v; else if (k == "Failed:") f += v; else if (k == "Skipped:") s += v } next }
  /^Total tests:/ { block = 1; next }
  block && /^ +Passed: +[0-9]+$/ { p += $2 } block && /^ +Failed: +[0-9]+$/ { f += $2 } block && /^ +Skipped: +[0-9]+$/ { s += $2 }
  block && !/^ +[A-Za-z ]+: / { block = 0 }
  END { print p + 0, f + 0, s + 0 }' "$1"
}

results=$(mktemp -d)
rm -f artifacts/e2e/smoke-counts.txt # written by the end-to-end tier from its shared release
status=0 passed=0 failed=0 skipped=0
run_tests() {
  local name=$1 project=$2 verbosity=$3 log p f s
  step "$name tests ($project)"
  if [[ ! -d $project ]]; then
    echo "FAILED: the $name tier's project $project is missing" >&2
    return 1
  fi
  log=$results/$(basename "$project").log
  local rc=0
  dotnet test "$project" --no-build --nologo --logger "console;verbosity=$verbosity" 2>&1 | tee "$log" || rc=$?
  read -r p f s < <(count "$log")
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  if ((p + f == 0)); then
    echo "FAILED: the $name tier ($project) ran no test" >&2
    return 1
  fi
  return "$rc"
}
run_tests "Unit and CLI" tests/ImageTooling.Tests minimal || status=1
run_tests "Contract (Dagger)" tests/ImageTooling.Dagger.Tests minimal || status=1
run_tests "Contract (workflows)" tests/ImageTooling.Workflow.Tests minimal || status=1
# Detailed: the end-to-end log shows every build, smoke test and registry read-back.
if [[ ${IMAGE_TOOLING_SKIP_END_TO_END:-0} == 1 ]]; then
  step "End-to-end tests SKIPPED (IMAGE_TOOLING_SKIP_END_TO_END=1): this run does not show the local engine end to end"
else
  run_tests "End-to-end (local engine, offline harness)" tests/ImageTooling.EndToEnd detailed || status=1
fi
# The failed tests and the first lines of their messages, here at the end, where a long log is read.
if ((failed > 0)); then
  printf '\nFailed tests:\n'
  awk '/^ +Failed [A-Za-z_][A-Za-z0-9_.]* \[/ { print; shown = 0; want = 1; next }
       want && /Error Message:/ { grab = 1; next }
       grab && (shown >= 4 || /Stack Trace:/) { grab = 0; want = 0; next }
       grab && NF { print "     " $0; shown++ }' "$results"/*.log
fi
rm -rf "$results"
# What the shared end-to-end release ran its smoke tests on (Debian's real builds of kubectl, kustomize,
# docker and buildx; stand-ins for the downloads nothing here can build).
[ -f artifacts/e2e/smoke-counts.txt ] && printf '\nShared release %s' "$(cat artifacts/e2e/smoke-counts.txt)"
printf '\nTests took %d s.\n' $((SECONDS - started))
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0 && passed > 0)) || status=1
exit $status
