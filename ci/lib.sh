# shellcheck shell=bash
# Helpers shared by ci/install-local-engine.sh and the harness's scripts (through tests/harness/lib.sh); sourced, not run.
# The sourcing script sets LOG_TAG (the word in front of every line) before using them.

log() { printf '[%s %4ds] %s\n' "${LOG_TAG:-ci}" "$SECONDS" "$*"; }
die() { printf '[%s] ERROR: %s\n' "${LOG_TAG:-ci}" "$*" >&2; exit 1; }

# write_if_changed DEST MODE: replace DEST with stdin if it differs (atomically, through a
# temporary file next to it); returns 0 when DEST changed, 1 when it was already up to date.
# Writes nothing when DEST is up to date, so checking needs no write access.
write_if_changed() {
  local dest=$1 mode=$2 content tmp
  content=$(cat && printf x)
  content=${content%x}
  if [[ -f $dest ]] && printf '%s' "$content" | cmp -s - "$dest"; then
    return 1
  fi
  mkdir -p "$(dirname "$dest")"
  tmp=$(mktemp "$(dirname "$dest")/.$(basename "$dest").XXXXXX")
  printf '%s' "$content" >"$tmp"
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$dest"
}

# missing_packages PACKAGE[:COMMAND]...: prints (one line, space-separated) the Debian packages
# that are not installed. With :COMMAND, a package also counts as present when COMMAND is a program
# on PATH (node and npm may come from elsewhere, and Debian's npm conflicts with NodeSource's nodejs).
# `type -P`, not `command -v`: bash's builtins (kill) must not count as the program.
missing_packages() {
  local spec pkg status missing=()
  for spec in "$@"; do
    pkg=${spec%%:*}
    [[ $spec == *:* ]] && type -P "${spec#*:}" >/dev/null && continue
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$pkg")
  done
  printf '%s\n' "${missing[*]}"
}

# apt_install LOG ARCHIVES PACKAGE...: apt-get update + install (no recommends, keeping existing
# config files), output to LOG, .debs downloaded to the directory ARCHIVES (deleted afterwards);
# dies with the log's tail on failure. Run as root.
apt_install() {
  local aptlog=$1 archives=$2 rc=0
  shift 2
  # Keep maintainer scripts from starting services (docker-registry ships one that would
  # grab :5000); the harness runs its own registry instances, podman needs no service.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
  fi
  # Private archive dir: images built with debuerreotype carry a DPkg::Post-Invoke hook
  # (docker-clean) that deletes /var/cache/apt/archives/*.deb between the dpkg runs of one
  # install, which breaks installs that upgrade essential packages.
  mkdir -p "$archives/partial"
  {
    DEBIAN_FRONTEND=noninteractive apt-get update -q &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dir::Cache::Archives="$archives/" \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
  } >"$aptlog" 2>&1 || rc=$?
  ((created_policy)) && rm -f "$policy"
  rm -rf "$archives"
  if ((rc != 0)); then
    tail -n 30 "$aptlog" >&2
    die "apt-get failed (full log: $aptlog)"
  fi
}

# apt_mirror: the host's Debian archive URL (HARNESS_DEBIAN_MIRROR overrides it): the first deb source of the
# host's own release, from deb822 .sources files or one-line .list files.
apt_mirror() {
  if [[ -n ${HARNESS_DEBIAN_MIRROR:-} ]]; then
    printf '%s\n' "$HARNESS_DEBIAN_MIRROR"
    return
  fi
  local codename url=""
  codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
  codename=${codename:-bookworm}
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    url=$(awk -v cn="$codename" '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && enabled != "no" && (" " suites " ") ~ (" " cn " ")) {
          split(uris, u, " "); if (!found) { print u[1]; found = 1 }
        }
        types = ""; uris = ""; suites = ""; enabled = ""
      }
      /^[[:space:]]*$/ { flush(); next }
      /^#/ { next }
      tolower($1) == "types:" { $1 = ""; types = $0 }
      tolower($1) == "uris:" { $1 = ""; uris = $0 }
      tolower($1) == "suites:" { $1 = ""; suites = $0 }
      tolower($1) == "enabled:" { enabled = tolower($2) }
      END { flush() }' "$f")
    [[ -n $url ]] && break
  done
  if [[ -z $url ]]; then
    url=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      sed -n -E "s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+${codename}[[:space:]].*/\2/p" |
      head -n1)
  fi
  printf '%s\n' "${url:-http://deb.debian.org/debian}"
}
