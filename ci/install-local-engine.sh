#!/usr/bin/env bash
# Installs and configures what the local engine (podman) needs on a Debian host, and checks that
# podman works: the packages podman buildah skopeo runc uidmap fuse-overlayfs binfmt-support and
# qemu-user-static 10 or newer (only those missing; on Debian 12 from bookworm-backports), binfmt
# for the platform the host cannot run natively (qemu-aarch64 on x86_64, qemu-x86_64 on arm64),
# /etc/containers/containers.conf settings (merged) and /etc/containers/storage.conf (only when
# missing or written by us). Nothing test-only.
#
#   ci/install-local-engine.sh [--quiet] [--native-only]
#     --quiet        print nothing when everything is in place
#     --native-only  no emulator and no binfmt: this machine builds its own platform only (a
#                    test leg on a runner of the platform it tests)
#
# As root it installs and writes what is missing. As another user it only checks: it succeeds
# when everything is in place and otherwise names what is missing. Idempotent; a run with
# nothing to do only checks and takes well under 2 s.
set -euo pipefail
LOG_TAG=engine
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly PACKAGES=(podman buildah skopeo runc binfmt-support uidmap fuse-overlayfs)
readonly CONTAINERS_CONF=/etc/containers/containers.conf
readonly STORAGE_CONF=/etc/containers/storage.conf
readonly BINFMT=/proc/sys/fs/binfmt_misc
readonly MANAGED_MARK='# Managed by image-tooling (ci/install-local-engine.sh).'
# What tests/harness/provision.sh marked its files with before this script existed: still ours.
readonly LEGACY_MARK='# Managed by image-tooling-harness (tests/harness/provision.sh).'

quiet=0
native_only=0
for arg in "$@"; do
  case $arg in
    -q | --quiet) quiet=1 ;;
    --native-only) native_only=1 ;;
    -h | --help)
      sed -n '2,15s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *) die "unknown argument: $arg (use --quiet, --native-only or --help)" ;;
  esac
done

# ok MESSAGE: a line saying something was already in place (left out with --quiet).
ok() { ((quiet)) || log "$@"; }

# can_fix WHAT: true as root; otherwise remembers WHAT for the one message at the end.
needs_root=()
can_fix() {
  ((EUID == 0)) && return 0
  needs_root+=("$1")
  return 1
}

# Inside a container (GitHub's job container, tests/ci-container/run.sh) on cgroup v2, podman cannot
# create sub-cgroups while other processes sit in the container's root cgroup (cgroup v2's "no
# internal processes" rule; containers/podman#24737), so nothing may need cgroup delegation there:
#   - podman run with `cgroups = "disabled"` (containers.conf(5), [containers] cgroups; podman-run(1)
#     --cgroups=disabled), which only crun supports (runc answers "not compatible with NoCgroups"),
#     so crun is installed and made the runtime;
#   - builds with chroot isolation: the job sets BUILDAH_ISOLATION=chroot (podman-build(1) --isolation,
#     buildah-build(1)), so RUN steps start no OCI runtime and create no cgroup.
# Upstream: https://github.com/containers/podman/issues/24737,
# https://github.com/containers/common/blob/main/docs/containers.conf.5.md ([containers] cgroups),
# https://github.com/containers/podman/blob/main/docs/source/markdown/options/isolation.md.
# Elsewhere (a host, or cgroup v1 as on the project's machines) nothing changes.
in_container() { [[ -f /.dockerenv || -f /run/.containerenv ]]; }
cgroup_v2() { [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]; }
no_cgroup_delegation() { in_container && cgroup_v2; }

# ---------------------------------------------------------------- packages
# The emulator runs every build step and smoke test of the other architecture, so its speed is most of
# an emulated build's time. Debian 12's own qemu-user-static (7.2) ran arm64 code about 20 times slower
# than the host here, the qemu 10 that Debian backports to Debian 12 about 4.5 times (gzip and perl in
# an arm64 root file system: bash bench/run.sh --emulator, BENCHMARKS.md). On Debian 12 the emulator
# comes from Debian's bookworm-backports archive; Debian 13 ships qemu 10 itself.
readonly QEMU_MIN_VERSION=1:10.0
readonly BACKPORTS_SOURCES=/etc/apt/sources.list.d/image-tooling-bookworm-backports.sources

emulator_version() { dpkg-query -W -f='${Version}' qemu-user-static 2>/dev/null; }

# The emulator packages to install, none when a current one is installed: on Debian 12 from its backports
# archive, elsewhere the release's own.
emulator_packages() {
  local version
  ((native_only)) && return
  version=$(emulator_version) && dpkg --compare-versions "$version" ge "$QEMU_MIN_VERSION" && return
  if [[ $(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release) == bookworm ]]; then
    echo qemu-user-static/bookworm-backports qemu-user/bookworm-backports qemu-user-binfmt/bookworm-backports
  else
    echo qemu-user-static
  fi
}

add_backports_source() {
  write_if_changed "$BACKPORTS_SOURCES" 644 <<EOF || return 0
$MANAGED_MARK
# Debian's backports for Debian 12, from the host's own archive, for the qemu 10 emulator. apt takes
# nothing else from it unless asked by name: backports have priority 100.
Types: deb
URIs: $(apt_mirror)
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  log "packages: added $BACKPORTS_SOURCES"
}

install_packages() {
  local missing work wanted=("${PACKAGES[@]}") emulator
  no_cgroup_delegation && wanted+=(crun)
  missing=$(missing_packages "${wanted[@]}")
  emulator=$(emulator_packages)
  if [[ -z $missing$emulator ]]; then
    ok "packages: all present$( ((native_only)) || echo " (qemu-user-static $(emulator_version))")"
    return
  fi
  can_fix "$missing $emulator" || return 0
  [[ $emulator == *bookworm-backports* ]] && add_backports_source
  log "packages: installing $missing $emulator"
  work=$(mktemp -d /var/tmp/install-local-engine.XXXXXX) # kept with the log when apt fails
  # shellcheck disable=SC2086 # lists of package names
  apt_install "$work/apt.log" "$work/archives" $missing $emulator
  rm -rf "$work"
  log "packages: installed$( ((native_only)) || echo " (qemu-user-static $(emulator_version))")"
}

# ---------------------------------------------------------------- binfmt / qemu
# The qemu binfmt entries for the project's platforms (amd64, arm64) this host can't run natively.
foreign_qemu() {
  local machine
  machine=$(uname -m)
  [[ $machine == aarch64 || $machine == arm64 ]] || echo qemu-aarch64
  [[ $machine == x86_64 ]] || echo qemu-x86_64
}

binfmt_enabled() { [[ -f $BINFMT/$1 && $(head -n1 "$BINFMT/$1") == enabled ]]; }

# qemu 9 and later ship their entries for systemd-binfmt (/usr/lib/binfmt.d/NAME.conf), qemu 7.2 for
# binfmt-support's update-binfmts. systemd is not running on every machine (containers), so an entry of
# the first kind is written to the kernel here.
binfmt_conf() { printf '/usr/lib/binfmt.d/%s.conf' "$1"; }
binfmt_interpreter() { grep -m1 '^:' "$(binfmt_conf "$1")" | cut -d: -f7; }

# The kernel opens a fix-binary (F) interpreter once, when the entry is registered, and keeps running that
# file: an upgraded emulator is used only once registered again. The stamp holds the sha256 of the file
# the registration opened; it lives in /run, which a reboot empties together with the registrations.
binfmt_stamp() { printf '/run/image-tooling-binfmt-%s.sha256' "$1"; }
interpreter_sha256() { sha256sum <"$(readlink -f "$(binfmt_interpreter "$1")")" | cut -d' ' -f1; }

# Whether NAME is registered and runs the emulator installed now.
binfmt_current() {
  binfmt_enabled "$1" || return 1
  [[ -f $(binfmt_conf "$1") ]] || return 0
  [[ $(interpreter_sha256 "$1") == "$(cat "$(binfmt_stamp "$1")" 2>/dev/null)" ]]
}

register_binfmt() {
  local name=$1
  if [[ -f $(binfmt_conf "$name") ]]; then
    [[ -f $BINFMT/$name ]] && echo -1 >"$BINFMT/$name"
    grep -m1 '^:' "$(binfmt_conf "$name")" >"$BINFMT/register"
    interpreter_sha256 "$name" >"$(binfmt_stamp "$name")"
  else
    update-binfmts --import "$name" >/dev/null 2>&1 || true
    binfmt_enabled "$name" || update-binfmts --enable "$name"
  fi
}

setup_binfmt() {
  local name
  if ! mountpoint -q "$BINFMT"; then
    can_fix "binfmt_misc mounted on $BINFMT" || return 0
    mount -t binfmt_misc binfmt_misc "$BINFMT"
    log "binfmt: mounted $BINFMT"
  fi
  for name in $(foreign_qemu); do
    if binfmt_current "$name"; then
      ok "binfmt: $name already enabled"
    elif can_fix "binfmt $name enabled with the installed emulator"; then
      register_binfmt "$name"
      log "binfmt: enabled $name (qemu-user-static $(emulator_version))"
    else
      continue
    fi
    [[ -f $BINFMT/$name ]] || die "binfmt: $name is not registered"
    # F (fix-binary) makes the interpreter usable inside containers/chroots.
    grep -q '^flags:.*F' "$BINFMT/$name" ||
      log "binfmt: WARNING $name lacks the F flag; emulated containers may fail"
  done
}

# ---------------------------------------------------------------- containers config
# toml_set SECTION KEY VALUE: copies stdin to stdout with KEY = VALUE under [SECTION] (replacing
# an existing, possibly multi-line, assignment of KEY; adding the section when it is missing).
toml_set() {
  awk -v sec="$1" -v key="$2" -v val="$3" '
    BEGIN { insec = 0; done = 0; skip = 0 }
    skip { if ($0 ~ /\]/) skip = 0; next }
    /^[[:space:]]*\[/ {
      if (insec && !done) { print key " = " val; done = 1 }
      insec = ($0 ~ "^[[:space:]]*\\[" sec "\\][[:space:]]*(#.*)?$")
      print; next
    }
    insec && $0 ~ "^[[:space:]]*" key "[[:space:]]*=" {
      if (!done) { print key " = " val; done = 1 }
      rest = $0; sub(/^[^=]*=/, "", rest)
      if (rest ~ /\[/ && rest !~ /\]/) skip = 1
      next
    }
    { print }
    END {
      if (!done) {
        if (!insec) printf "\n[%s]\n", sec
        print key " = " val
      }
    }' | sed -e '/./,$!d'
}

# The existing containers.conf (or a new one) with the settings this host needs.
wanted_containers_conf() {
  local text=$MANAGED_MARK
  [[ -f $CONTAINERS_CONF ]] && text=$(cat "$CONTAINERS_CONF")
  # runc cannot apply the default RLIMIT_NOFILE/NPROC here (setrlimit: EPERM).
  text=$(toml_set containers default_ulimits '[]' <<<"$text")
  # crun 1.8 refuses cgroup v1/hybrid hosts ("cgroups in hybrid mode not supported"); runc
  # handles them.
  if [[ $(stat -fc %T /sys/fs/cgroup) != cgroup2fs ]]; then
    text=$(toml_set engine runtime '"runc"' <<<"$text")
  fi
  if no_cgroup_delegation; then
    text=$(toml_set engine runtime '"crun"' <<<"$text")
    text=$(toml_set containers cgroups '"disabled"' <<<"$text")
  fi
  if [[ ! -d /run/systemd/system ]]; then
    # No systemd: no D-Bus cgroup manager and no journald.
    text=$(toml_set engine cgroup_manager '"cgroupfs"' <<<"$text")
    text=$(toml_set engine events_logger '"file"' <<<"$text")
  fi
  printf '%s\n' "$text"
}

configure_containers() {
  local wanted
  wanted=$(wanted_containers_conf)
  if [[ -f $CONTAINERS_CONF ]] && cmp -s - "$CONTAINERS_CONF" <<<"$wanted"; then
    ok "podman: $CONTAINERS_CONF up to date"
  elif can_fix "the settings in $CONTAINERS_CONF"; then
    write_if_changed "$CONTAINERS_CONF" 644 <<<"$wanted" || true
    log "podman: updated $CONTAINERS_CONF"
  fi
}

# Pick the storage driver: kernel overlay if it mounts on the graphroot's file system
# (fastest), then fuse-overlayfs, then vfs.
choose_storage_driver() {
  local probe
  mkdir -p /var/lib/containers
  probe=$(mktemp -d /var/lib/containers/.image-tooling-overlay-probe.XXXXXX)
  mkdir -p "$probe"/{lower,upper,work,merged}
  local driver=vfs
  if mount -t overlay overlay -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" \
    "$probe/merged" 2>/dev/null; then
    umount "$probe/merged"
    driver=overlay
  elif [[ -x /usr/bin/fuse-overlayfs && -c /dev/fuse ]]; then
    driver=fuse-overlayfs
  fi
  rm -rf "$probe"
  printf '%s\n' "$driver"
}

configure_storage() {
  if [[ -f $STORAGE_CONF ]] && ! grep -qF -e "$MANAGED_MARK" -e "$LEGACY_MARK" "$STORAGE_CONF"; then
    ok "storage: keeping existing unmanaged $STORAGE_CONF"
    return
  fi
  # Never switch drivers under an existing store (and a non-root run keeps what root chose).
  if [[ -f $STORAGE_CONF ]] && [[ -d /var/lib/containers/storage || $EUID -ne 0 ]]; then
    ok "storage: keeping $STORAGE_CONF ($(grep -E '^(driver|mount_program)' "$STORAGE_CONF" | tr '\n' ' '))"
    return
  fi
  can_fix "$STORAGE_CONF" || return 0
  local driver body
  driver=$(choose_storage_driver)
  case $driver in
    overlay) body=$'driver = "overlay"\n\n[storage.options.overlay]\nmountopt = "nodev"' ;;
    fuse-overlayfs) body=$'driver = "overlay"\n\n[storage.options.overlay]\nmount_program = "/usr/bin/fuse-overlayfs"\nmountopt = "nodev"' ;;
    *) body='driver = "vfs"' ;;
  esac
  write_if_changed "$STORAGE_CONF" 644 <<EOF || true
$MANAGED_MARK
[storage]
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
$body
EOF
  log "storage: wrote $STORAGE_CONF (driver $driver)"
}

check_podman() {
  local out
  out=$(podman info --format '{{.Store.GraphDriverName}} {{.Host.CgroupManager}} {{.Host.OCIRuntime.Name}}' 2>&1) ||
    die "podman info failed: $out (a store made with another driver may need 'podman system reset')"
  ok "podman: ok (storage driver, cgroup manager, runtime: $out)"
}

# ---------------------------------------------------------------- main
if ((EUID == 0)); then
  # One root run at a time (concurrent imagetool runs would race apt and the config files).
  exec 8>/run/image-tooling-install-local-engine.lock
  flock -n 8 || {
    log "waiting for another install-local-engine.sh to finish"
    flock 8
  }
fi
install_packages
((native_only)) || setup_binfmt
configure_containers
configure_storage
exec 8>&-
if ((${#needs_root[@]})); then
  printf -v missing '%s, ' "${needs_root[@]}"
  die "run as root or install: ${missing%, }"
fi
check_podman
