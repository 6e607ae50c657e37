#!/usr/bin/env bash
# Benchmark of the pipeline on the local engine with the offline harness (run as root).
# Prints a table and writes BENCHMARKS.md. Timings live here, never in tests.
#
#   bash bench/run.sh            everything; the concurrency comparison (--jobs 2 vs --jobs 1, and
#                                each image alone, every run from an empty cache) on linux/amd64 only
#   bash bench/run.sh --full     the concurrency comparison on both platforms (about an hour more)
#
# It uses a podman storage of its own (CONTAINERS_STORAGE_CONF), so "cold" really starts from an
# empty cache without touching the tests' cache. The images that download upstream binaries are
# built with the harness's stand-ins (no internet here): their sizes leave out the real binaries.
# Every cold run also starts without the durations of earlier runs (durations.json in the log
# folder), so that it is scheduled by the catalog's expected-build-seconds. Every number about a run
# (node times, the lower bound from that run's own node times, which images it built) comes from the
# run report imagetool writes with --metadata-file (docs/run-report.md), never from its printed lines.
set -euo pipefail
cd "$(dirname "$0")/.."
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
root=$(pwd)
full=false
[ "${1:-}" = "--full" ] && full=true
compare=(--platform linux/amd64)
$full && compare=()

work=${BENCH_WORK:-/var/tmp/imagetool-bench}
mkdir -p "$work"
echo "==> provisioning the harness"
bash tests/harness/provision.sh > "$work/provision.log"
# shellcheck disable=SC1091
. /var/lib/image-tooling-harness/env

echo "==> building the CLI (Release)"
dotnet build ci/ImageTooling.Cli -c Release --nologo -v quiet > "$work/dotnet-build.log"
dotnet build tests/ImageTooling.Harness -c Release --nologo -v quiet >> "$work/dotnet-build.log"
imagetool=(dotnet "$root/ci/ImageTooling.Cli/bin/Release/net10.0/imagetool.dll")

cat > "$work/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$work/storage"
runroot = "$work/run"
EOF
export CONTAINERS_STORAGE_CONF=$work/storage.conf
cold_cache() { podman rmi --all --force > /dev/null 2>&1 || true; rm -rf "$work/storage" "$work/run" "$work/logs/durations.json"; }

port=18081
dotnet "$root/tests/ImageTooling.Harness/bin/Release/net10.0/imagetool-harness.dll" serve-standins "$work/standins" "$port" < /dev/null > "$work/standins.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q '^ready ' "$work/standins.log" && break; sleep 1; done
read -r _ images mirror standin_tools < <(grep '^ready ' "$work/standins.log")
args=(--images-dir "$images" --download-mirror "$mirror" --base-image "debian=$HARNESS_DEBIAN_IMAGE" --log-dir "$work/logs")
for tool in ${standin_tools//,/ }; do args+=(--stand-in-downloads "$tool"); done
common=("${args[@]}" --jobs 2)

# elapsed START DECIMALS: seconds since START (a `date +%s.%N`).
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" -v d="$2" 'BEGIN { printf "%." d "f", b - a }'; }
# run NAME ARGS...: runs imagetool, keeps its log and its run report ($work/NAME.json), prints the wall time in seconds.
run() {
  local name=$1 start; shift
  start=$(date +%s.%N)
  if ! "${imagetool[@]}" "$@" --metadata-file "$work/$name.json" > "$work/$name.log" 2>&1; then
    echo "imagetool $* failed; see $work/$name.log" >&2; tail -5 "$work/$name.log" >&2; exit 1
  fi
  elapsed "$start" 1
}
# median_seconds RUNS DECIMALS COMMAND...: the median wall time of RUNS runs; a failed run stops the bench.
median_seconds() {
  local runs=$1 decimals=$2 times=() start; shift 2
  for _ in $(seq "$runs"); do
    start=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || { echo "bench: $* failed" >&2; exit 1; }
    times+=("$(elapsed "$start" "$decimals")")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# node_time RUN IMAGE PLATFORM: the build seconds of one node in that run's report.
node_time() { jq -r --arg i "$2" --arg p "$3" '.nodes[] | select(.image == $i and .platform == $p) | .buildSeconds' "$work/$1.json"; }
# bound RUN: the lower bound of that run from its own node times (measured while the slots shared the cores).
bound() {
  jq -r '.timing | "\(.lowerBoundSeconds) s: work \(.workSeconds) s ÷ \(.slots) slots = \(.workSeconds / .slots * 10 | round / 10) s, critical path \(.criticalPathSeconds) s; node times measured with \(.slots) builds sharing the cores"' "$work/$1.json"
}
bound_seconds() { jq -r '.timing.lowerBoundSeconds' "$work/$1.json"; }
# built RUN IMAGE PLATFORM: how many times that run built the node (0 or 1: the plan has one node per image and platform).
built() { jq --arg i "$2" --arg p "$3" '[.nodes[] | select(.image == $i and .platform == $p and .buildSeconds != null)] | length' "$work/$1.json"; }

echo "==> cold build of every image for both platforms (empty cache)"
cold_cache
t_cold=$(run cold build "${common[@]}")
cold_bound=$(bound cold)
# The images and platforms come from the cold run's report (the catalog's), not from a list here.
mapfile -t image_names < <(jq -r '.nodes[].image' "$work/cold.json" | awk '!seen[$0]++')
mapfile -t nodes < <(jq -r '.nodes[] | "\(.image) \(.platform)"' "$work/cold.json")
platform_count=$(jq '[.nodes[].platform] | unique | length' "$work/cold.json")
k8s_builds_amd64=$(built cold tooling-k8s linux/amd64)
k8s_builds_arm64=$(built cold tooling-k8s linux/arm64)

echo "==> warm rebuild, nothing changed"
t_warm=$(run warm build "${common[@]}")

echo "==> rebuild after changing only the aws layer"
printf '\n# bench: a change in the aws layer only\nRUN echo "%s" > /usr/local/share/toolbox/bench-change\n' "$(date +%s)" >> "$images/tooling-k8s-aws/Dockerfile"
t_aws=$(run aws-change build "${common[@]}" --image tooling-k8s-aws)
aws_k8s_amd64=$(node_time aws-change tooling-k8s linux/amd64)
aws_k8s_arm64=$(node_time aws-change tooling-k8s linux/arm64)
aws_layer_amd64=$(node_time aws-change tooling-k8s-aws linux/amd64)

echo "==> compressed and uncompressed sizes (each image pushed to the harness registry, gzip layers)"
auth="$work/auth.json"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$HARNESS_REGISTRY" "$(printf '%s:%s' "$HARNESS_REGISTRY_USER" "$(cat "$HARNESS_REGISTRY_PASSWORD_FILE")" | base64 -w0)" > "$auth"
chmod 600 "$auth"
ns="$HARNESS_REGISTRY/bench-$(date +%Y%m%d%H%M%S)"
sizes=""
for node in "${nodes[@]}"; do
  read -r image platform <<< "$node"
  arch=${platform#*/}
  skopeo copy --quiet --authfile "$auth" --dest-tls-verify=false --dest-compress-format gzip \
    "containers-storage:localhost/imagetool/$image:$arch" "docker://$ns/$image:$arch"
  compressed=$(skopeo inspect --raw --authfile "$auth" --tls-verify=false "docker://$ns/$image:$arch" | jq '[.layers[].size] | add')
  uncompressed=$(podman image inspect --format '{{.Size}}' "localhost/imagetool/$image:$arch")
  # The downloaded binaries are the ELF files under /usr/local (Debian's packages install under
  # /usr/bin); in these images they are the harness's stand-ins.
  downloaded=$(podman run --rm --entrypoint sh "localhost/imagetool/$image:$arch" -c \
    'find /usr/local -type f -size +1k -exec sh -c '"'"'for f; do [ "$(head -c 4 "$f" | od -An -c | tr -d " ")" = "177ELF" ] && stat -c %s "$f"; done'"'"' sh {} + | awk "{ s += \$1 } END { print s + 0 }"' 2> /dev/null)
  sizes+="| $image | linux/$arch | $(mb "$compressed") | $(mb "$uncompressed") | $(mb "$downloaded") |"$'\n'
done

echo "==> start-up time of the Python CLIs and of lualatex (median of 3 runs in a fresh container; arm64 under emulation)"
# lualatex as an arbitrary user in a fresh container: what the font names database built into the image saves.
lualatex_doc='cd /tmp && printf "%s\n" "# Fonts" "" "Grüße **bold** *italic*" > f.md && toolbox-entrypoint pandoc f.md --pdf-engine=lualatex -o f.pdf'
startups=""
for arch in amd64 arm64; do
  startups+="| \`openstack --version\` (tooling-k8s-openstack), linux/$arch | $(median_seconds 3 1 podman run --rm --entrypoint openstack "localhost/imagetool/tooling-k8s-openstack:$arch" --version) s |"$'\n'
  startups+="| \`aws --version\` (tooling-k8s-aws), linux/$arch | $(median_seconds 3 1 podman run --rm --entrypoint aws "localhost/imagetool/tooling-k8s-aws:$arch" --version) s |"$'\n'
  startups+="| \`pandoc --pdf-engine=lualatex\` as 12345:0 (pandoc), linux/$arch | $(median_seconds 3 1 podman run --rm --user 12345:0 --entrypoint sh "localhost/imagetool/pandoc:$arch" -c "$lualatex_doc") s |"$'\n'
done

echo "==> imagetool plan on the real catalog and on generated ones"
plan_time() { median_seconds 5 3 "${imagetool[@]}" plan --images-dir "$1" --tag v1.2.3 --json; }
generate_catalog() { # generate_catalog DIR N: N images, every fifth derived from the one before
  local dir=$1 n=$2 i
  rm -rf "$dir"; mkdir -p "$dir"
  {
    sed -n '/^registry:/,/^images:/p' "$root/images/catalog.yaml"
    for i in $(seq 1 "$n"); do
      printf '  gen-%d:\n    description: generated\n' "$i"
      if (( i % 5 == 0 )); then printf '    base: gen-%d\n' $((i - 1)); else printf '    from: debian\n'; fi
      printf '    platforms: [linux/amd64, linux/arm64]\n    tools: [kubectl, jq]\n'
      mkdir -p "$dir/gen-$i"; echo 'FROM scratch' > "$dir/gen-$i/Dockerfile"
    done
  } > "$dir/catalog.yaml"
}
plan_real=$(plan_time "$root/images")
generate_catalog "$work/gen-200" 200; plan_200=$(plan_time "$work/gen-200")
generate_catalog "$work/gen-400" 400; plan_400=$(plan_time "$work/gen-400")
plan_empty=$(median_seconds 5 3 "${imagetool[@]}" --help)

echo "==> concurrency: all images at once (--jobs 2), one at a time (--jobs 1), then each image alone, each from an empty cache ($($full && echo both platforms || echo linux/amd64))"
cold_cache
t_all=$(run all-at-once build "${common[@]}" "${compare[@]}")
cold_cache
t_serial=$(run one-at-a-time build "${args[@]}" --jobs 1 "${compare[@]}")
serial_rows=""
for image in "${image_names[@]}"; do
  cold_cache
  t=$(run "alone-$image" build "${common[@]}" "${compare[@]}" --image "$image")
  bases=$(jq -r --arg i "$image" '[.nodes[].image | select(. != $i)] | unique | join(", ")' "$work/alone-$image.json")
  with_base=""; [ -n "$bases" ] && with_base=", with its base $bases"
  serial_rows+="| $image alone, cold ($($full && echo both platforms || echo linux/amd64)$with_base) | ${t} s |"$'\n'
done

load_end=$(cut -d' ' -f1-3 /proc/loadavg)
machine="$(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/Mem:/ { print $2 }') GiB RAM, $(sed -n 's/^PRETTY_NAME=//p' /etc/os-release | tr -d '"'), $(podman --version), $(qemu-aarch64-static --version | head -1)"
{
  echo "# Benchmarks"
  echo
  echo "Measured by \`bash bench/run.sh$($full && echo ' --full')\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD): $machine."
  echo "Local engine (podman), offline harness; arm64 runs under qemu-user emulation. Images that download"
  echo "upstream binaries were built with stand-ins, so their sizes leave those binaries out; pandoc is real."
  echo "Load average (1/5/15 min) at the start: $load_start; at the end: $load_end (2 cores: anything else running inflates the times)."
  echo
  echo "| measure | value |"
  echo "|---|---|"
  echo "| cold build, all ${#image_names[@]} images x $platform_count platforms (--jobs 2) | ${t_cold} s (lower bound ${cold_bound}; cold/bound = $(ratio "$t_cold" "$(bound_seconds cold)")x) |"
  echo "| warm rebuild, nothing changed | ${t_warm} s (cold/warm = $(ratio "$t_cold" "$t_warm")x) |"
  echo "| rebuild after changing only the aws layer | ${t_aws} s (tooling-k8s from cache: ${aws_k8s_amd64} s amd64, ${aws_k8s_arm64} s arm64; aws layer amd64 ${aws_layer_amd64} s) |"
  echo "| tooling-k8s builds per platform in one run | amd64: ${k8s_builds_amd64}, arm64: ${k8s_builds_arm64} |"
  printf '%s' "$serial_rows"
  echo "| all at once (--jobs 2) vs one at a time (--jobs 1), cold ($($full && echo both platforms || echo linux/amd64)) | ${t_all} s vs ${t_serial} s (serial/concurrent = $(ratio "$t_serial" "$t_all")x; lower bound at --jobs 2: $(bound all-at-once)) |"
  echo "| \`imagetool plan\` wall time (median of 5 runs), real catalog (${#image_names[@]} images) | ${plan_real} s (process start alone, \`--help\`: ${plan_empty} s) |"
  echo "| \`imagetool plan\`, generated catalog of 200 images | ${plan_200} s |"
  echo "| \`imagetool plan\`, generated catalog of 400 images | ${plan_400} s (400/200 = $(ratio "$plan_400" "$plan_200")x) |"
  echo
  echo "Start-up of the Python CLIs and of lualatex, including the container's own start (median of 3):"
  echo
  echo "| command | time |"
  echo "|---|---|"
  printf '%s' "$startups"
  echo
  echo "Per-node times of the cold build (seconds, from its run report; the nodes shared the cores, --jobs 2):"
  echo
  echo "| node | state | build | smoke | waited |"
  echo "|---|---|---|---|---|"
  jq -r '.nodes[] | "| \(.image) \(.platform) | \(.status) | \(.buildSeconds // "-") | \(.smokeSeconds // "-") | \(.waitedSeconds) |"' "$work/cold.json"
  echo "| wall | | $(jq -r '.timing.wallSeconds' "$work/cold.json") | | |"
  echo
  echo "Sizes. The last column is the part of the image that is downloaded upstream binaries: here the"
  echo "harness's stand-ins, so the real images are larger by the real binaries (kubectl, helm, ... are"
  echo "tens of MB each) and the rest of each image is what the other columns show."
  echo
  echo "| image | platform | compressed (pushed layers) | uncompressed | of which downloaded binaries (stand-ins) |"
  echo "|---|---|---|---|---|"
  printf '%s' "$sizes"
} > BENCHMARKS.md
cat BENCHMARKS.md
