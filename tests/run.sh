#!/usr/bin/env bash
# The test command (README): on a fresh Debian 12 machine with the .NET SDK and Node 20 or newer,
# as root, it provisions the offline harness (packages, binfmt, registries, Debian base images)
# and runs every tier: unit, contract (Dagger schema, workflow linters), then end-to-end on the
# local engine. The harness's packages come first; the rest of the provisioning (the Debian base
# images, the registries, the real tools) runs in the background while the projects build and the
# unit and contract tiers run. Each tier writes a TRX file; imagetool-harness test-report reads
# them (never dotnet test's console text) and ends the command with the failed tests, the timing
# table and the counts. A tier whose project is missing, or that ran no test, fails the command.
#
#   bash tests/run.sh [--platform linux/amd64|linux/arm64] [--skip-end-to-end | --only-end-to-end]
#
#   --platform P        the end-to-end tier for this platform only (repeatable; default: every
#                       platform of the catalog, the foreign one under qemu): CI runs one leg per
#                       platform, each on a runner of that architecture, so no job emulates.
#   --skip-end-to-end   leaves the end-to-end tier out and says so (also IMAGE_TOOLING_SKIP_END_TO_END=1).
#   --only-end-to-end   the build and the end-to-end tier only (CI's platform legs; another job runs
#                       the formatting check and the unit and contract tiers once).
set -euo pipefail
cd "$(dirname "$0")/.."

skip_e2e=${IMAGE_TOOLING_SKIP_END_TO_END:-0}
only_e2e=0
platforms=()
while (($#)); do
  case $1 in
    --platform) platforms+=("${2:?--platform takes linux/amd64 or linux/arm64}"); shift 2 ;;
    --platform=*) platforms+=("${1#*=}"); shift ;;
    --skip-end-to-end) skip_e2e=1; shift ;;
    --only-end-to-end) only_e2e=1; shift ;;
    -h | --help) sed -n '2,21s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "tests/run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
((skip_e2e && only_e2e)) && { echo "tests/run.sh: --skip-end-to-end and --only-end-to-end leave nothing to run" >&2; exit 2; }
for p in "${platforms[@]}"; do
  [[ $p == linux/amd64 || $p == linux/arm64 ]] || { echo "tests/run.sh: --platform takes linux/amd64 or linux/arm64, got '$p'" >&2; exit 2; }
done
if ((${#platforms[@]})); then
  HARNESS_PLATFORMS=$(IFS=,; echo "${platforms[*]}")
  export HARNESS_PLATFORMS
fi

results=artifacts/test-results
phases=$results/phases.tsv
rm -rf "$results" artifacts/e2e/release-report.json
mkdir -p "$results"
now() { date +%s.%N; }
# record NAME START: the phase NAME ran from START until now.
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$(now)" >>"$phases"; }
step() { printf '\n==> %s\n' "$*"; }

# What the command needs before it can provision anything: one line per missing piece.
step "Checking what the test command needs (root, .NET SDK, git, Node >= 20 with npm)"
start=$(now)
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
record "checks" "$start"

step "Provisioning the harness's packages (tests/harness/provision.sh --packages)"
start=$(now)
bash tests/harness/provision.sh --packages
record "provisioning: packages" "$start"

# The rest of the provisioning waits on the network and on emulated package scripts (the arm64 base image):
# it runs beside the build and the unit and contract tiers, which need none of it.
if ((skip_e2e == 0)); then
  step "Provisioning the rest of the harness in the background (log: $results/provision.log)"
  provision_start=$(now)
  (
    rc=0
    bash tests/harness/provision.sh >"$results/provision.log" 2>&1 || rc=$?
    now >"$results/provision.end"
    exit "$rc"
  ) &
  provision=$!
  # A build that fails ends the command: the provisioning it would have waited for stops with it.
  trap 'kill "$provision" 2>/dev/null || true' EXIT
fi

step "Building (warnings are errors) and checking formatting"
start=$(now)
dotnet build ImageTooling.sln --nologo -v quiet
((only_e2e)) || dotnet format ImageTooling.sln --verify-no-changes --no-restore
record "build and format" "$start"

status=0
tiers=()
# run_tests NAME PROJECT VERBOSITY: one tier, its results in $results/NAME.trx.
run_tests() {
  local name=$1 project=$2 verbosity=$3 start rc=0
  step "$name tests ($project)"
  tiers+=("$name=$results/${name// /-}.trx")
  if [[ ! -d $project ]]; then
    echo "FAILED: the $name tier's project $project is missing" >&2
    return 1
  fi
  start=$(now)
  dotnet test "$project" --no-build --nologo --logger "console;verbosity=$verbosity" \
    --logger "trx;LogFileName=$(pwd)/$results/${name// /-}.trx" || rc=$?
  record "$name tests" "$start"
  return "$rc"
}
if ((only_e2e)); then
  step "Unit and contract tiers SKIPPED (--only-end-to-end): another job runs them"
else
  run_tests "unit" tests/ImageTooling.Tests minimal || status=1
  run_tests "contract (Dagger)" tests/ImageTooling.Dagger.Tests minimal || status=1
  run_tests "contract (workflows)" tests/ImageTooling.Workflow.Tests minimal || status=1
fi

if ((skip_e2e == 1)); then
  step "End-to-end tests SKIPPED (--skip-end-to-end): this run does not show the local engine end to end"
else
  step "Waiting for the provisioning (tests/harness/provision.sh)"
  provisioned=0
  wait "$provision" || provisioned=$?
  trap - EXIT
  sed 's/^/  /' "$results/provision.log"
  printf '%s\t%s\t%s\n' "provisioning: harness (in the background)" "$provision_start" "$(cat "$results/provision.end")" >>"$phases"
  if ((provisioned != 0)); then
    echo "FAILED: provisioning the harness (exit $provisioned; log above: $results/provision.log)" >&2
    status=1
  else
    # Detailed: the end-to-end log shows every build, smoke test and registry read-back.
    run_tests "end-to-end" tests/ImageTooling.EndToEnd detailed || status=1
  fi
fi

step "Results"
report=(dotnet tests/ImageTooling.Harness/bin/Debug/net10.0/imagetool-harness.dll test-report "$phases"
  --release-report artifacts/e2e/release-report.json --markdown "$results/timing.md" "${tiers[@]}")
"${report[@]}" || status=1
exit $status
