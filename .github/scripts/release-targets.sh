#!/usr/bin/env bash
# Turns the core's publish plan (`imagetool plan --tag TAG --json`) into the release's targets: one
# JSON object per image with its repository, the digest its version tag now points to in the
# registry, and the floating tags (vX.Y, vX, latest: none for a pre-release) the core plans for it.
# Prints a compact JSON array, e.g.
#   [{"image":"pandoc","repository":"docker.io/best-tools/pandoc","digest":"sha256:…","floating":"v1.2 v1 latest"}]
# Needs jq and `docker buildx imagetools` (logged in to the registry when it is private).
# Usage: .github/scripts/release-targets.sh PLAN_JSON TAG
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 PLAN_JSON TAG" >&2
  exit 2
fi
plan="$1"
tag="$2"

count="$(jq '.publish | length' "$plan")"
if [[ "$count" -eq 0 ]]; then
  echo "error: the plan in $plan publishes nothing" >&2
  exit 1
fi

targets='[]'
for ((i = 0; i < count; i++)); do
  image="$(jq -r ".publish[$i].image" "$plan")"
  repository="$(jq -r ".publish[$i].repository" "$plan")"
  if ! jq -e --arg tag "$tag" ".publish[$i].tags | index(\$tag) != null" "$plan" >/dev/null; then
    echo "error: the plan does not publish $repository:$tag" >&2
    exit 1
  fi
  floating="$(jq -r --arg tag "$tag" "[.publish[$i].tags[] | select(. != \$tag)] | join(\" \")" "$plan")"

  digest=""
  for attempt in 1 2 3; do
    if digest="$(docker buildx imagetools inspect "$repository:$tag" --format '{{json .Manifest.Digest}}' | jq -r .)"; then
      break
    fi
    echo "warning: could not read $repository:$tag (attempt $attempt)" >&2
    sleep $((attempt * 5))
  done
  if [[ ! "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
    echo "error: $repository:$tag has no readable digest (got '$digest')" >&2
    exit 1
  fi

  targets="$(jq -c --arg image "$image" --arg repository "$repository" --arg digest "$digest" --arg floating "$floating" \
    '. + [{image: $image, repository: $repository, digest: $digest, floating: $floating}]' <<<"$targets")"
done

echo "$targets"
