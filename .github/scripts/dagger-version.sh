#!/usr/bin/env bash
# Prints the Dagger version the project pins: the `dagger` tool's `version:` in images/catalog.yaml,
# the one place it is written. Fails when it is not X.Y.Z, or when dagger.json's engineVersion
# (moved by the same grouped Renovate update) disagrees with it.
# Usage: .github/scripts/dagger-version.sh [REPOSITORY_ROOT]
set -euo pipefail

root="${1:-.}"
catalog="$root/images/catalog.yaml"

# The tool entry is `  dagger:` under `tools:`; its `version:` is the first one after that line.
version="$(awk '
  /^tools:/            { in_tools = 1; next }
  /^[^ #]/             { in_tools = 0 }
  in_tools && /^  dagger:[[:space:]]*$/ { in_dagger = 1; next }
  in_dagger && /^  [^ #]/ { in_dagger = 0 }
  in_dagger && /^    version:/ { sub(/^    version:[[:space:]]*/, ""); gsub(/["'\'' ]/, ""); print; exit }
' "$catalog")"

if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "::error file=images/catalog.yaml::tools.dagger.version is '${version}', expected X.Y.Z" >&2
  exit 1
fi

if [[ -f "$root/dagger.json" ]]; then
  engine="$(sed -n 's/.*"engineVersion"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$root/dagger.json" | head -n 1)"
  if [[ -n "$engine" && "$engine" != "v$version" ]]; then
    echo "::error file=dagger.json::engineVersion is '${engine}' but images/catalog.yaml pins Dagger ${version}" >&2
    exit 1
  fi
fi

echo "$version"
