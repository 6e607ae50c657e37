#!/usr/bin/env bash
# End-to-end check of a provisioned harness (run provision.sh first, as root):
#   - podman build --platform linux/arm64 and linux/amd64 FROM the docker.io
#     stand-in (full and short name) runs RUN steps (apt-get from Debian's mirror);
#   - an arm64 container runs under qemu;
#   - podman login to the target registry works (password via stdin only), a wrong
#     password is refused, and a two-arch manifest list can be pushed and deleted.
# Prints one line per check and "N passed, N failed" at the end; exits non-zero on
# any failure.
set -euo pipefail

HARNESS_STATE=${HARNESS_STATE:-/var/lib/image-tooling-harness}
[[ -f $HARNESS_STATE/env ]] || { echo "[verify] no $HARNESS_STATE/env: run provision.sh first" >&2; exit 1; }
# shellcheck source=/dev/null
. "$HARNESS_STATE/env"

work=$(mktemp -d)
smoke_repo=$HARNESS_REGISTRY/harness-smoke/hello
cleanup() {
  podman manifest rm localhost/harness-smoke/hello:list >/dev/null 2>&1 || true
  podman rmi -f localhost/harness-smoke/hello:arm64 localhost/harness-smoke/hello:amd64 \
    localhost/harness-smoke/hello:short-arm64 localhost/harness-smoke/hello:short-amd64 >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/ctx"

passed=0 failed=0
ok() { passed=$((passed + 1)); printf '[verify] ok   %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf '[verify] FAIL %s\n' "$*"; }

# build PLATFORM FROM TAG EXPECTED_UNAME [quick]: RUN uname -m, then (unless quick)
# apt-get install hello from Debian's mirror and run it.
build() {
  local platform=$1 from=$2 tag=$3 want=$4 quick=${5:-} log=$work/build-$3.log start=$SECONDS
  local run='uname -m && apt-get update && apt-get install -y --no-install-recommends hello && hello'
  [[ -n $quick ]] && run='uname -m'
  if printf 'FROM %s\nRUN %s\n' "$from" "$run" |
    podman build --no-cache --platform "$platform" --network host -t "localhost/harness-smoke/hello:$tag" \
      -f - "$work/ctx" >"$log" 2>&1 &&
    grep -qx "$want" "$log" && { [[ -n $quick ]] || grep -qx 'Hello, world!' "$log"; } &&
    [[ $(podman image inspect --format '{{.Architecture}}' "localhost/harness-smoke/hello:$tag") == "${platform#linux/}" ]]; then
    ok "build $platform FROM $from: RUN $run (uname -m: $want, $((SECONDS - start))s)"
  else
    bad "build $platform FROM $from (log below)"
    tail -n 20 "$log"
  fi
}

build linux/arm64 docker.io/library/debian:trixie-slim arm64 aarch64
build linux/amd64 docker.io/library/debian:trixie-slim amd64 x86_64
build linux/arm64 debian:trixie-slim short-arm64 aarch64 quick
build linux/amd64 debian:trixie-slim short-amd64 x86_64 quick

# podman 4.3 run/pull by an index digest reuses whichever arch is stored locally
# (it only warns); --pull=always makes it select the requested platform.
for arch in arm64 amd64; do
  want=aarch64
  [[ $arch == amd64 ]] && want=x86_64
  if out=$(podman run --rm --pull=always --network none --platform "linux/$arch" "$HARNESS_DEBIAN_IMAGE" \
    uname -m 2>"$work/run.err") && [[ $out == "$want" ]]; then
    ok "podman run --platform linux/$arch $HARNESS_DEBIAN_IMAGE (uname -m: $out)"
  else
    bad "podman run --platform linux/$arch $HARNESS_DEBIAN_IMAGE: $out $(tail -n 3 "$work/run.err")"
  fi
done

auth=$work/auth.json
if podman login --authfile "$auth" --username "$HARNESS_REGISTRY_USER" --password-stdin \
  "$HARNESS_REGISTRY" <"$HARNESS_REGISTRY_PASSWORD_FILE" >/dev/null 2>&1; then
  ok "podman login $HARNESS_REGISTRY as $HARNESS_REGISTRY_USER (password from stdin)"
else
  bad "podman login $HARNESS_REGISTRY as $HARNESS_REGISTRY_USER"
fi
if printf 'not-the-password\n' | podman login --authfile "$work/bad.json" \
  --username "$HARNESS_REGISTRY_USER" --password-stdin "$HARNESS_REGISTRY" >/dev/null 2>&1; then
  bad "podman login with a wrong password was accepted"
else
  ok "podman login with a wrong password is refused"
fi

if {
  podman manifest create localhost/harness-smoke/hello:list &&
    podman manifest add localhost/harness-smoke/hello:list containers-storage:localhost/harness-smoke/hello:amd64 &&
    podman manifest add localhost/harness-smoke/hello:list containers-storage:localhost/harness-smoke/hello:arm64 &&
    podman manifest push --quiet --all --authfile "$auth" --digestfile "$work/digest" \
      localhost/harness-smoke/hello:list "docker://$smoke_repo:latest"
} >"$work/push.log" 2>&1; then
  platforms=$(skopeo inspect --raw --authfile "$auth" "docker://$smoke_repo:latest" |
    jq -r '[.manifests[].platform.architecture] | sort | join(",")')
  if [[ $platforms == amd64,arm64 ]]; then
    ok "pushed a two-arch list to $smoke_repo ($(<"$work/digest"))"
  else
    bad "pushed list has platforms '$platforms'"
  fi
  if skopeo delete --authfile "$auth" "docker://$smoke_repo@$(<"$work/digest")" >/dev/null 2>&1; then
    ok "deleted $smoke_repo@$(<"$work/digest") (storage.delete enabled)"
  else
    bad "could not delete $smoke_repo@$(<"$work/digest")"
  fi
else
  bad "push of a two-arch list to $smoke_repo"
  cat "$work/push.log"
fi

printf '%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
