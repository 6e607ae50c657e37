#!/usr/bin/env bash
# Provision the offline image-build test harness on a Debian 12 (bookworm) host.
#
#   tests/harness/provision.sh [--packages]
#
# Stands up, on loopback only:
#   - a "mirror" registry (127.0.0.1:5001, no auth) that stands in for docker.io and
#     holds library/debian:trixie-slim as a multi-arch index (amd64 + arm64, or the
#     platforms of HARNESS_PLATFORMS) built locally with mmdebstrap;
#   - a "target" registry (127.0.0.1:5000, htpasswd auth, plain HTTP) to push to.
# It first runs ci/install-local-engine.sh (podman, buildah, skopeo, qemu binfmt when a
# platform is foreign to the host, containers.conf, storage.conf), then adds what only the
# tests need: their packages, a probe of binfmt, registries.conf.d, the two registries,
# the base image and Debian's real builds of some tools.
#
# --packages installs the packages only (the engine's and the tests'; the unit tier passes
# the images' scripts through shellcheck) and stops: tests/run.sh runs it first, then the rest in
# the background.
#
# Run as root. Idempotent: a second run only checks and prints the summary.
# See README.md for the environment variables.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$repo/tests/harness/lib.sh"
HARNESS_PLATFORMS=${HARNESS_PLATFORMS:-linux/amd64,linux/arm64}

packages_only=0
case ${1:-} in
  "") ;;
  --packages) packages_only=1 ;;
  *) die "unknown argument: $1 (use --packages or nothing)" ;;
esac

readonly SUITE=trixie
readonly MIRROR_ADDR=127.0.0.1:5001
readonly TARGET_ADDR=127.0.0.1:5000
readonly REGISTRY_USER=harness
readonly DEBIAN_REPO=library/debian
readonly DEBIAN_TAG=trixie-slim
readonly LOCAL_PREFIX=localhost/image-tooling-harness/debian
NATIVE=$(dpkg --print-architecture)
readonly NATIVE
# The architectures of HARNESS_PLATFORMS, and those of them this host runs only under emulation.
ARCHES=()
FOREIGN=()
IFS=, read -r -a platform_list <<<"$HARNESS_PLATFORMS"
for platform in "${platform_list[@]}"; do
  case $platform in
    linux/amd64 | linux/arm64) ARCHES+=("${platform#linux/}") ;;
    *) die "HARNESS_PLATFORMS: unknown platform '$platform' (linux/amd64, linux/arm64)" ;;
  esac
  [[ ${platform#linux/} == "$NATIVE" ]] || FOREIGN+=("${platform#linux/}")
done
readonly ARCHES FOREIGN
((${#ARCHES[@]})) || die "HARNESS_PLATFORMS names no platform"
# On top of the local engine's packages (ci/install-local-engine.sh). PACKAGE:COMMAND counts
# as present when COMMAND is on PATH. A debian:12 container lacks three things the tests use:
# kill (procps: the interrupt test and the registries' stop signal with it),
# stdio.h (libc6-dev, only a Recommends of gcc, which compiles the native stand-in binaries) and
# python3 (the unit tier runs images/common/python-bytecode with it).
# Node is not here: Debian 12's nodejs is 18 and the lockfiles need 20 (check_node). A cross
# compiler (for the stand-in binaries and the binfmt probe) only for a foreign platform.
PACKAGES=(mmdebstrap arch-test docker-registry apache2-utils jq curl gcc libc6-dev zip unzip shellcheck procps:kill python3)
for arch in "${FOREIGN[@]}"; do
  case $arch in
    arm64) PACKAGES+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross) ;;
    amd64) PACKAGES+=(gcc-x86-64-linux-gnu libc6-dev-amd64-cross) ;;
  esac
done
readonly PACKAGES

[[ $(id -u) -eq 0 ]] || die "run as root"
mkdir -p "$HARNESS_STATE/logs" "$HARNESS_STATE/tmp" "$HARNESS_CACHE"
chmod 755 "$HARNESS_STATE"

# One provision at a time. Registries are started with this fd closed (9>&-).
exec 9>"$HARNESS_STATE/provision.lock"
flock -n 9 || die "another provision.sh holds $HARNESS_STATE/provision.lock"

# ---------------------------------------------------------------- packages
install_packages() {
  local missing
  missing=$(missing_packages "${PACKAGES[@]}")
  if [[ -z $missing ]]; then
    log "packages: all ${#PACKAGES[@]} test packages present"
    return
  fi
  log "packages: installing $missing"
  # shellcheck disable=SC2086 # a list of package names
  apt_install "$HARNESS_STATE/logs/apt.log" "$HARNESS_STATE/apt-archives" $missing
  log "packages: installed (log: $HARNESS_STATE/logs/apt.log)"
}

# Node >= 20 with npm, checked before anything is installed: tests/workflows and tests/module lock
# packages that need it (CI: actions/setup-node). Debian 12's nodejs (18) would not do.
check_node() {
  command -v node >/dev/null ||
    die "node is not installed: the tests need Node >= 20 with npm (CI: actions/setup-node; Debian 12's nodejs is 18)"
  node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' ||
    die "node $(node --version) is too old: the tests need Node >= 20 (CI: actions/setup-node)"
  command -v npm >/dev/null || die "npm is not installed (it comes with Node >= 20)"
  log "node: $(node --version), npm $(npm --version)"
}

# The distribution's own docker-registry service must not hold our ports.
disable_distro_registry() {
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
    if systemctl is-enabled --quiet docker-registry.service 2>/dev/null ||
      systemctl is-active --quiet docker-registry.service 2>/dev/null; then
      log "registry: disabling the distribution's docker-registry.service"
      systemctl disable --now docker-registry.service >/dev/null 2>&1 || true
    fi
  elif [[ -x /etc/init.d/docker-registry ]]; then
    if /etc/init.d/docker-registry status >/dev/null 2>&1; then
      log "registry: stopping the distribution's docker-registry init service"
      /etc/init.d/docker-registry stop >/dev/null 2>&1 || true
    fi
  fi
}

# ---------------------------------------------------------------- binfmt / qemu
# ci/install-local-engine.sh registered the emulator of each foreign platform; prove it: run a
# static binary of that platform that prints uname's machine field.
probe_foreign() {
  local arch machine expected probe src
  for arch in "${FOREIGN[@]}"; do
    probe=$HARNESS_STATE/bin/uname-m-$arch
    expected=$([[ $arch == arm64 ]] && echo aarch64 || echo x86_64)
    if [[ ! -x $probe ]]; then
      mkdir -p "$HARNESS_STATE/bin"
      src=$HARNESS_STATE/tmp/uname-m.c
      cat >"$src" <<'EOF'
#include <stdio.h>
#include <sys/utsname.h>
int main(void) {
  struct utsname u;
  if (uname(&u) != 0) return 1;
  puts(u.machine);
  return 0;
}
EOF
      "$expected-linux-gnu-gcc" -static -O2 -o "$probe" "$src"
      rm -f "$src"
    fi
    machine=$("$probe") || die "binfmt: the $arch probe binary did not run"
    [[ $machine == "$expected" ]] || die "binfmt: $arch probe printed '$machine', expected $expected"
    log "binfmt: $arch probe binary runs (uname -m: $machine)"
  done
}

# ---------------------------------------------------------------- registries.conf.d
configure_registries() {
  local conf=/etc/containers/registries.conf.d/50-image-tooling-harness.conf
  if write_if_changed "$conf" 644 <<EOF; then
$MANAGED_MARK
# docker.io is served by the local mirror registry (no internet here).
unqualified-search-registries = ["docker.io"]

[aliases]
"debian" = "docker.io/library/debian"

[[registry]]
prefix = "docker.io"
location = "$MIRROR_ADDR"
insecure = true

[[registry]]
location = "$MIRROR_ADDR"
insecure = true

[[registry]]
location = "localhost:${MIRROR_ADDR##*:}"
insecure = true

[[registry]]
location = "$TARGET_ADDR"
insecure = true

[[registry]]
location = "localhost:${TARGET_ADDR##*:}"
insecure = true
EOF
    log "registries: wrote $conf"
  else
    log "registries: $conf up to date"
  fi
}

# ---------------------------------------------------------------- registries
# Kept by the harness's program (tests/ImageTooling.Harness, HarnessRegistry): see registry in lib.sh.

setup_target_credentials() {
  local dir=$HARNESS_STATE/target pwfile=$HARNESS_STATE/registry-password
  mkdir -p "$dir"
  local password
  if [[ -n ${HARNESS_REGISTRY_PASSWORD:-} ]]; then
    password=$HARNESS_REGISTRY_PASSWORD
  elif [[ -s $pwfile ]]; then
    password=$(<"$pwfile")
  else
    password=$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n' | cut -c1-32)
    log "target registry: generated a new password"
  fi
  (umask 077 && write_if_changed "$pwfile" 600 <<<"$password") || true
  chmod 600 "$pwfile"
  if [[ -f $dir/htpasswd ]] && htpasswd -v -i "$dir/htpasswd" "$REGISTRY_USER" <<<"$password" >/dev/null 2>&1; then
    return
  fi
  htpasswd -c -B -i "$dir/htpasswd" "$REGISTRY_USER" <<<"$password" >/dev/null 2>&1 ||
    die "htpasswd failed"
  chmod 600 "$dir/htpasswd"
  log "target registry: wrote htpasswd for user $REGISTRY_USER"
}

# ---------------------------------------------------------------- debian base image
# What makes Docker Hub's debian:*-slim images slim, so that sizes measured on the stand-in base are
# the sizes users pull: dpkg leaves documentation (copyright files excepted), manuals and
# translations out of every install, and apt keeps no package caches, translations or downloaded
# packages after a run. And what every Docker Hub debian image sets for builds on it: dpkg writes
# without an fsync per file (force-unsafe-io: debuerreotype's scripts/debuerreotype-minimizing-config,
# lines 49-58 at 7de510f, writes it to /etc/dpkg/dpkg.cfg.d/docker-apt-speedup), so that the
# package installs of the images' builds cost here what they cost on the real base.
readonly SLIM_DPKG_OPTS=(
  'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright'
  'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/groff/*' 'path-exclude=/usr/share/info/*'
  'path-exclude=/usr/share/lintian/*' 'path-exclude=/usr/share/linda/*' 'path-exclude=/usr/share/locale/*'
  'force-unsafe-io'
)
readonly SLIM_APT_OPTS=(
  'Dir::Cache::pkgcache ""' 'Dir::Cache::srcpkgcache ""'
  'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; }'
  'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; }'
  'Acquire::Languages "none"' 'Acquire::GzipIndexes "true"' 'APT::AutoRemove::SuggestsImportant "false"'
)
# The recipe's identity: a changed recipe builds new tarballs and replaces the mirror's image.
# The apt sources of Docker Hub's debian image: the release, its security archive and its point-release
# updates (debuerreotype's scripts/debuerreotype-debian-sources-list, lines 157-184 at 7de510f, writes them to
# /etc/apt/sources.list.d/debian.sources), so that the images' builds upgrade to the same fixes on the
# stand-in as on the real base, and their security check asks the same archive.
security_mirror() {
  if [[ -n ${HARNESS_DEBIAN_SECURITY_MIRROR:-} ]]; then
    printf '%s\n' "$HARNESS_DEBIAN_SECURITY_MIRROR"
  else
    local mirror
    mirror=$(apt_mirror)
    printf '%s\n' "${mirror%/debian}/debian-security"
  fi
}
SOURCES=("deb $(apt_mirror) $SUITE main" "deb $(apt_mirror) $SUITE-updates main" "deb $(security_mirror) $SUITE-security main")
readonly SOURCES
RECIPE=$(printf '%s\n' "$SUITE" minbase ca-certificates "${SLIM_DPKG_OPTS[@]}" "${SLIM_APT_OPTS[@]}" "${SOURCES[@]}" | sha256sum | cut -c1-12)
readonly RECIPE

build_rootfs_tarballs() {
  local arch pids=() failed=0 opts=()
  local opt
  for opt in "${SLIM_DPKG_OPTS[@]}"; do opts+=(--dpkgopt="$opt"); done
  for opt in "${SLIM_APT_OPTS[@]}"; do opts+=(--aptopt="$opt"); done
  for arch in "${ARCHES[@]}"; do
    local tar=$HARNESS_CACHE/debian-$SUITE-$arch-$RECIPE.tar
    if [[ -s $tar ]]; then
      log "debian: reusing $tar"
      continue
    fi
    log "debian: mmdebstrap $SUITE/$arch from ${SOURCES[*]} (log: $HARNESS_STATE/logs/mmdebstrap-$arch.log)"
    (
      exec 9>&-
      rm -f "$tar.partial"
      # The distribution's own tools only: mmdebstrap runs its helpers (mmtarfilter, a Python script) once per
      # package, and a python3 earlier on PATH (a version manager's shim) would start them through its wrapper.
      PATH=/usr/sbin:/usr/bin:/sbin:/bin mmdebstrap --variant=minbase --arch="$arch" --include=ca-certificates --format=tar "${opts[@]}" \
        "$SUITE" "$tar.partial" "${SOURCES[@]}" >"$HARNESS_STATE/logs/mmdebstrap-$arch.log" 2>&1
      mv -f "$tar.partial" "$tar"
    ) &
    pids+=("$!:$arch")
  done
  local entry
  for entry in "${pids[@]}"; do
    if wait "${entry%%:*}"; then
      log "debian: built $HARNESS_CACHE/debian-$SUITE-${entry#*:}-$RECIPE.tar"
    else
      tail -n 20 "$HARNESS_STATE/logs/mmdebstrap-${entry#*:}.log" >&2 || true
      failed=1
    fi
  done
  ((failed == 0)) || die "mmdebstrap failed (logs in $HARNESS_STATE/logs)"
}

# mirror_index_digest: digest of the multi-arch index on the mirror, if it is
# complete (amd64 + arm64 manifests present); fails otherwise.
mirror_index_digest() {
  local body=$HARNESS_STATE/tmp/index.json base=http://$MIRROR_ADDR/v2/$DEBIAN_REPO/manifests
  local accept='application/vnd.oci.image.index.v1+json,application/vnd.docker.distribution.manifest.list.v2+json'
  curl -fsS -o "$body" -H "Accept: $accept" "$base/$DEBIAN_TAG" 2>/dev/null || return 1
  local arch child
  for arch in "${ARCHES[@]}"; do
    child=$(jq -r --arg a "$arch" \
      '[.manifests[]? | select(.platform.os == "linux" and .platform.architecture == $a)][0].digest // empty' "$body")
    [[ -n $child ]] || return 1
    curl -fsS -o /dev/null -I -H 'Accept: application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json' \
      "$base/$child" 2>/dev/null || return 1
  done
  printf 'sha256:%s\n' "$(sha256sum "$body" | cut -d' ' -f1)"
}

import_and_push_debian() {
  build_rootfs_tarballs
  local list=$LOCAL_PREFIX:$DEBIAN_TAG arch ref got
  podman manifest rm "$list" >/dev/null 2>&1 || podman rmi -f "$list" >/dev/null 2>&1 || true
  podman manifest create "$list" >/dev/null
  for arch in "${ARCHES[@]}"; do
    ref=$LOCAL_PREFIX:$DEBIAN_TAG-$arch
    local variant=()
    [[ $arch == arm64 ]] && variant=(--variant v8)
    podman rmi -f "$ref" >/dev/null 2>&1 || true
    podman import --quiet --os linux --arch "$arch" "${variant[@]}" \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' \
      "$HARNESS_CACHE/debian-$SUITE-$arch-$RECIPE.tar" "$ref" >/dev/null
    got=$(podman image inspect --format '{{.Os}}/{{.Architecture}}' "$ref")
    if [[ $got != "linux/$arch" ]]; then
      log "debian: podman import recorded $got; re-creating $ref with buildah"
      podman rmi -f "$ref" >/dev/null 2>&1 || true
      local ctr
      ctr=$(buildah from scratch)
      buildah add "$ctr" "$HARNESS_CACHE/debian-$SUITE-$arch-$RECIPE.tar" / >/dev/null
      buildah config --os linux --arch "$arch" "${variant[@]}" \
        --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --cmd '["bash"]' "$ctr"
      buildah commit --rm "$ctr" "$ref" >/dev/null
      got=$(podman image inspect --format '{{.Os}}/{{.Architecture}}' "$ref")
      [[ $got == "linux/$arch" ]] || die "debian: $ref has platform $got, expected linux/$arch"
    fi
    podman manifest add --os linux --arch "$arch" "${variant[@]}" "$list" "containers-storage:$ref" >/dev/null
    log "debian: imported $ref ($got)"
  done
  local digestfile=$HARNESS_STATE/tmp/push.digest
  podman manifest push --all --format oci --tls-verify=false --digestfile "$digestfile" --quiet \
    "$list" "docker://$MIRROR_ADDR/$DEBIAN_REPO:$DEBIAN_TAG"
  log "debian: pushed $MIRROR_ADDR/$DEBIAN_REPO:$DEBIAN_TAG ($(<"$digestfile"))"
  # Builds must pull the base from the mirror like they would from Docker Hub.
  podman manifest rm "$list" >/dev/null 2>&1 || true
  for arch in "${ARCHES[@]}"; do podman rmi -f "$LOCAL_PREFIX:$DEBIAN_TAG-$arch" >/dev/null 2>&1 || true; done
}

ensure_debian_image() {
  local digest recipe_file=$HARNESS_CACHE/debian-recipe
  if digest=$(mirror_index_digest) && [[ $(cat "$recipe_file" 2>/dev/null) == "$RECIPE" ]]; then
    log "debian: mirror already has $DEBIAN_REPO:$DEBIAN_TAG ($digest, recipe $RECIPE)"
  else
    import_and_push_debian
    digest=$(mirror_index_digest) || die "debian: the mirror does not serve a complete index after the push"
    printf '%s\n' "$RECIPE" >"$recipe_file"
  fi
  printf '%s\n' "$digest" >"$HARNESS_STATE/debian-trixie-slim.digest"
  # Resolution check through registries.conf (docker.io -> mirror), per arch.
  local arch got
  for arch in "${ARCHES[@]}"; do
    got=$(skopeo inspect --no-tags --override-os linux --override-arch "$arch" \
      --format '{{.Os}}/{{.Architecture}}' "docker://docker.io/$DEBIAN_REPO:$DEBIAN_TAG") ||
      die "debian: skopeo could not resolve docker.io/$DEBIAN_REPO:$DEBIAN_TAG via the mirror"
    [[ $got == "linux/$arch" ]] || die "debian: docker.io/$DEBIAN_REPO:$DEBIAN_TAG for $arch resolved to $got"
  done
  log "debian: docker.io/$DEBIAN_REPO:$DEBIAN_TAG resolves via the mirror for ${ARCHES[*]}"
  DEBIAN_DIGEST=$digest
}

# ---------------------------------------------------------------- real tools from Debian
# The upstream tools Debian trixie builds (tests/harness/real-tools.tsv): each package is downloaded
# for amd64 and arm64 through a private apt state (the host's own sources, status and locks are left
# alone) and the binary extracted to $HARNESS_CACHE/real-tools/ARCH/TOOL, beside TOOL.deb-version.
# The end-to-end harness serves them as those tools' downloads. Kept across runs like the base image.
ensure_real_tools() {
  local table=$repo/tests/harness/real-tools.tsv dir=$HARNESS_CACHE/real-tools
  local apt=$HARNESS_STATE/trixie-apt mirror tool package path arch missing=()
  while IFS=$'\t' read -r tool package path _; do
    [[ -z $tool || $tool == \#* ]] && continue
    for arch in "${ARCHES[@]}"; do
      [[ -x $dir/$arch/$tool && -s $dir/$arch/$tool.deb-version ]] || missing+=("$tool:$package:$path:$arch")
    done
  done <"$table"
  if ((${#missing[@]} == 0)); then
    log "real tools: $(find "$dir" -name '*.deb-version' | wc -l) Debian binaries cached in $dir"
    return
  fi
  mirror=$(apt_mirror)
  mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/extract"
  printf 'deb [arch=%s] %s %s main\n' "$(IFS=,; echo "${ARCHES[*]}")" "$mirror" "$SUITE" >"$apt/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt" -o "Dir::Cache::Archives=$apt/archives"
    -o Dir::State::status=/dev/null -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  for arch in "${ARCHES[@]}"; do opts+=(-o "APT::Architectures::=$arch"); done
  apt-get "${opts[@]}" update >"$HARNESS_STATE/logs/real-tools.log" 2>&1 ||
    die "real tools: apt-get update for $SUITE failed (log: $HARNESS_STATE/logs/real-tools.log)"
  local entry deb
  for entry in "${missing[@]}"; do
    IFS=: read -r tool package path arch <<<"$entry"
    rm -rf "$apt/extract" && mkdir -p "$apt/extract"
    (cd "$apt/archives" && apt-get "${opts[@]}" download "$package:$arch") >>"$HARNESS_STATE/logs/real-tools.log" 2>&1 ||
      die "real tools: downloading $package:$arch from $mirror failed (log: $HARNESS_STATE/logs/real-tools.log)"
    deb=$(find "$apt/archives" -maxdepth 1 -name "${package}_*_$arch.deb" | head -n1)
    dpkg-deb -x "$deb" "$apt/extract"
    [[ -f $apt/extract/$path ]] || die "real tools: $package:$arch has no $path"
    mkdir -p "$dir/$arch"
    install -m 0755 "$apt/extract/$path" "$dir/$arch/$tool"
    dpkg-deb -f "$deb" Version >"$dir/$arch/$tool.deb-version"
    rm -f "$deb"
    log "real tools: $tool $(<"$dir/$arch/$tool.deb-version") for $arch from $package"
  done
  rm -rf "$apt/extract"
}

# ---------------------------------------------------------------- main
log "state $HARNESS_STATE, cache $HARNESS_CACHE"
engine_options=()
((${#FOREIGN[@]})) || engine_options+=(--native-only)
bash "$repo/ci/install-local-engine.sh" "${engine_options[@]}" 9>&- # podman, buildah, skopeo, binfmt, containers.conf
check_node
install_packages
if ((packages_only)); then
  log "packages ready in ${SECONDS}s (platforms: ${ARCHES[*]})"
  exit 0
fi
# The registries' program builds while the quick steps below run (and while the test command builds beside it).
build_harness_tool &
harness_tool=$!
disable_distro_registry
probe_foreign
configure_registries
setup_target_credentials
wait "$harness_tool" || die "the harness's program did not build (see the lines above)"
registry mirror start "$MIRROR_ADDR" "$HARNESS_CACHE/mirror-registry" 200
registry target start "$TARGET_ADDR" "$HARNESS_STATE/target/data" 401 "$HARNESS_STATE/target/htpasswd"
DEBIAN_DIGEST=""
# The real tools are downloads, the base images mostly emulated package scripts: one beside the other.
ensure_real_tools &
real_tools=$!
ensure_debian_image
wait "$real_tools" || die "real tools: see the lines above"

write_if_changed "$HARNESS_STATE/env" 644 <<EOF || true
HARNESS_STATE=$HARNESS_STATE
HARNESS_CACHE=$HARNESS_CACHE
HARNESS_MIRROR=$MIRROR_ADDR
HARNESS_REGISTRY=$TARGET_ADDR
HARNESS_REGISTRY_USER=$REGISTRY_USER
HARNESS_REGISTRY_PASSWORD_FILE=$HARNESS_STATE/registry-password
HARNESS_DEBIAN_IMAGE=docker.io/$DEBIAN_REPO:$DEBIAN_TAG@$DEBIAN_DIGEST
HARNESS_DEBIAN_DIGEST=$DEBIAN_DIGEST
HARNESS_REAL_TOOLS=$HARNESS_CACHE/real-tools
HARNESS_PLATFORMS=$HARNESS_PLATFORMS
EOF
rm -rf "${HARNESS_STATE:?}/tmp"

cat <<EOF
[harness] ready in ${SECONDS}s
  mirror (docker.io stand-in): http://$MIRROR_ADDR (no auth)
  target registry:             http://$TARGET_ADDR (htpasswd)
  user:                        $REGISTRY_USER
  password file:               $HARNESS_STATE/registry-password
  debian image:                docker.io/$DEBIAN_REPO:$DEBIAN_TAG@$DEBIAN_DIGEST
  platforms:                   $HARNESS_PLATFORMS
  env file:                    $HARNESS_STATE/env
EOF
