#!/usr/bin/env bash
# Prints the tag of a branch image: BRANCH-SLUG-SHORTSHA, e.g. feature-login-fix-1a2b3c4.
# The slug is the branch name lowercased, every run of characters outside [a-z0-9.-] turned into
# one '-', trimmed to 40 characters, starting and ending with a letter or digit. A branch image
# tag is never `latest` and never looks like a release tag (a `vN...` slug gets a `br-` prefix).
# Usage: .github/scripts/branch-tag.sh BRANCH COMMIT_SHA
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BRANCH COMMIT_SHA" >&2
  exit 2
fi
branch="$1"
sha="$2"

if [[ ! "$sha" =~ ^[0-9a-fA-F]{7,40}$ ]]; then
  echo "error: '$sha' is not a commit SHA" >&2
  exit 2
fi
short="$(printf '%s' "${sha:0:7}" | tr '[:upper:]' '[:lower:]')"

slug="$(printf '%s' "${branch#refs/heads/}" | tr '[:upper:]' '[:lower:]' | sed -E 's/[^a-z0-9.-]+/-/g; s/-+/-/g')"
slug="${slug:0:40}"
slug="$(printf '%s' "$slug" | sed -E 's/^[^a-z0-9]+//; s/[^a-z0-9]+$//')"
if [[ -z "$slug" ]]; then
  slug="branch"
fi
if [[ "$slug" =~ ^v[0-9] ]]; then
  slug="br-$slug"
fi

echo "$slug-$short"
