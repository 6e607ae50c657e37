#!/usr/bin/env bash
# Benchmark of the pipeline on the local engine with the offline harness (run as root).
# Prints a table and writes BENCHMARKS.md. Timings live here, never in tests.
#
#   bash bench/run.sh            everything; the concurrency comparison (--jobs 2 vs --jobs 1, and
#                                each image alone, every run from an empty cache) on linux/amd64 only
#   bash bench/run.sh --full     the concurrency comparison on both platforms (about an hour more)
#   bash bench/run.sh --scale-out  only the scale-out figures (about 45 minutes): a cold build that fills a
#                                registry cache, a rebuild from that cache in an empty storage, two "runners"
#                                (an empty storage each, one per platform, one after the other) staging their
#                                platform, then assembly; rewrites only the scale-out section of BENCHMARKS.md
#   bash bench/run.sh --test-command [--cold]
#                                the README's test command from a clean clone of HEAD, then its timing table
#                                (artifacts/test-results/timing.md) into the test-command section of
#                                BENCHMARKS.md with the machine's description. --cold first removes what earlier
#                                runs left: the harness's state and caches (tests/harness/teardown.sh --purge) and
#                                podman's storage (podman system reset). Installed packages stay.
#   bash bench/run.sh --emulator  gzip and perl in the harness's arm64 base image: natively, under the installed
#                                qemu-user and under Debian 12's own qemu-user-static 7.2 (taken from the Debian
#                                archive for the comparison only); rewrites the emulator section of BENCHMARKS.md
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
scale_out=false
mode=${1:-}
[ "$mode" = "--full" ] && full=true
[ "$mode" = "--scale-out" ] && scale_out=true
compare=(--platform linux/amd64)
$full && compare=()

# replace_section NAME FILE: BENCHMARKS.md with its section NAME (between <!-- NAME ... --> and <!-- /NAME -->)
# replaced by FILE, or FILE appended when there is none; the rest stays as the last run that wrote it.
replace_section() {
  local name=$1 file=$2 out
  out=$(mktemp)
  if grep -q "^<!-- $name" BENCHMARKS.md; then
    awk -v f="$file" -v n="$name" '$0 ~ "^<!-- " n { while ((getline l < f) > 0) print l; skip = 1; next }
      $0 ~ "^<!-- /" n " -->" { skip = 0; next } !skip' BENCHMARKS.md >"$out"
  else
    { cat BENCHMARKS.md; echo; cat "$file"; } >"$out"
  fi
  cp "$out" BENCHMARKS.md
  rm -f "$out"
  cat "$file"
}
machine() {
  echo "$(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/Mem:/ { print $2 }') GiB RAM, $(sed -n 's/^PRETTY_NAME=//p' /etc/os-release | tr -d '"')"
}

if [ "$mode" = "--test-command" ]; then
  cold=false
  [ "${2:-}" = "--cold" ] && cold=true
  clone=$(mktemp -d /var/tmp/imagetool-bench-clone.XXXXXX)
  git clone --quiet "$root" "$clone"
  commit=$(git -C "$clone" rev-parse --short HEAD)
  if $cold; then
    echo "==> removing what earlier runs left (harness state and caches, podman storage)"
    bash tests/harness/teardown.sh --purge
    podman system reset --force > /dev/null 2>&1 || true
  fi
  echo "==> the test command in a clean clone at $commit ($clone)"
  status=0
  (cd "$clone" && CI=true bash .ci/run) || status=$?
  section=$(mktemp)
  {
    echo "<!-- test-command: written by bash bench/run.sh --test-command -->"
    echo "## The test command, from a clean clone"
    echo
    echo "Measured by \`bash bench/run.sh --test-command$($cold && echo ' --cold')\` on $(date -u +%Y-%m-%d), commit $commit, $(machine);"
    echo "$($cold && echo "cold: the harness's caches and podman's storage removed first (installed packages stay)" || echo "warm: whatever earlier runs left")."
    echo "Load average at the start $load_start, at the end $(cut -d' ' -f1-3 /proc/loadavg); the command exited with $status."
    echo
    cat "$clone/artifacts/test-results/timing.md"
    echo "<!-- /test-command -->"
  } > "$section"
  replace_section test-command "$section"
  rm -rf "$clone" "$section"
  exit "$status"
fi

if [ "$mode" = "--emulator" ]; then
  # shellcheck source-path=SCRIPTDIR source=../ci/lib.sh
  . ci/lib.sh # apt_mirror
  work=${BENCH_WORK:-/var/tmp/imagetool-bench}/emulator
  rm -rf "$work"; mkdir -p "$work/root" "$work/qemu7"
  bash tests/harness/provision.sh > /dev/null
  tar -xf /var/cache/image-tooling-harness/debian-trixie-arm64-*.tar -C "$work/root" 2> /dev/null
  # Debian 12's own emulator, for the comparison only: the static binary of its package, run by path. awk reads the
  # index to its end: exiting at the match would end curl and xz with SIGPIPE, which pipefail makes fatal.
  pool=$(curl -fsS "$(apt_mirror)/dists/bookworm/main/binary-amd64/Packages.xz" | xz -dc | awk '/^Package: qemu-user-static$/ { p = 1 } p && /^Filename:/ && !found { print $2; found = 1 }')
  curl -fsS -o "$work/qemu7.deb" "$(apt_mirror)/$pool"
  dpkg-deb -x "$work/qemu7.deb" "$work/qemu7"
  head -c 30000000 /dev/urandom | base64 > "$work/data.txt"
  # program WHAT: the arm64 program of the benchmark and its arguments.
  program() {
    case $1 in
      gzip) echo usr/bin/gzip -6 -c "$work/data.txt" ;;
      perl) echo usr/bin/perl "$work/hash.pl" ;;
    esac
  }
  # A hash of two million entries, summed: interpreter work.
  # shellcheck disable=SC2016 # Perl source, not shell
  printf '%s\n' 'my %h; $h{"k$_"} = $_ * 2 for 1 .. 2000000; my $s = 0; $s += $_ for values %h; print "$s\n";' > "$work/hash.pl"
  # seconds PROGRAM...: median wall time of 3 runs, output discarded.
  seconds() {
    local took_runs=() start
    for _ in 1 2 3; do
      start=$(date +%s.%N)
      "$@" > /dev/null
      took_runs+=("$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')")
    done
    printf '%s\n' "${took_runs[@]}" | sort -n | sed -n 2p
  }
  installed=$(readlink -f "$(grep -m1 '^:' /usr/lib/binfmt.d/qemu-aarch64.conf | cut -d: -f7)")
  declare -A took
  for what in gzip perl; do
    read -r -a cmd <<< "$(program "$what")"
    took[$what-native]=$(seconds "/${cmd[0]}" "${cmd[@]:1}")
    took[$what-installed]=$(seconds "$installed" -L "$work/root" "$work/root/${cmd[0]}" "${cmd[@]:1}")
    took[$what-qemu7]=$(seconds "$work/qemu7/usr/bin/qemu-aarch64-static" -L "$work/root" "$work/root/${cmd[0]}" "${cmd[@]:1}")
  done
  section="$work/emulator.md"
  {
    echo "<!-- emulator: written by bash bench/run.sh --emulator -->"
    echo "## The arm64 emulator"
    echo
    echo "Measured by \`bash bench/run.sh --emulator\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), $(machine); load average"
    echo "at the start $load_start, at the end $(cut -d' ' -f1-3 /proc/loadavg). The same arm64 programs of the harness's Debian trixie base image (median of 3 runs):"
    echo "natively (the host's own amd64 build), under the emulator \`ci/install-local-engine.sh\` installs ($("$installed" --version | head -1)),"
    echo "and under Debian 12's own ($("$work/qemu7/usr/bin/qemu-aarch64-static" --version | head -1))."
    echo
    echo "| program | native | installed emulator | Debian 12's qemu 7.2 |"
    echo "|---|---|---|---|"
    for what in gzip perl; do
      echo "| $what | ${took[$what-native]} s | ${took[$what-installed]} s ($(awk -v a="${took[$what-installed]}" -v b="${took[$what-native]}" 'BEGIN { printf "%.1f", a / b }')x native) | ${took[$what-qemu7]} s ($(awk -v a="${took[$what-qemu7]}" -v b="${took[$what-native]}" 'BEGIN { printf "%.1f", a / b }')x native) |"
    done
    echo "<!-- /emulator -->"
  } > "$section"
  replace_section emulator "$section"
  exit 0
fi

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
plan_args=(--images-dir "$images" --download-mirror "$mirror" --base-image "debian=$HARNESS_DEBIAN_IMAGE")
for tool in ${standin_tools//,/ }; do plan_args+=(--stand-in-downloads "$tool"); done
args=("${plan_args[@]}" --log-dir "$work/logs")
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

# storage_conf NAME: a storage.conf of its own for one "runner" (an empty engine, as a fresh runner has).
storage_conf() {
  local dir="$work/$1"
  rm -rf "$dir"; mkdir -p "$dir"
  printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/storage"\nrunroot = "%s/run"\n' "$dir" "$dir" > "$dir/storage.conf"
  echo "$dir/storage.conf"
}
drop_storage() { CONTAINERS_STORAGE_CONF="$work/$1/storage.conf" podman rmi --all --force > /dev/null 2>&1 || true; rm -rf "${work:?}/$1"; }
# work_of RUN PLATFORM: the build seconds of one platform's nodes in that run's report.
work_of() { jq --arg p "$2" '[.nodes[] | select(.platform == $p) | .buildSeconds // 0] | add | . * 10 | round / 10' "$work/$1.json"; }
smoke_of() { jq --arg p "$2" '[.nodes[] | select(.platform == $p) | .smokeSeconds // 0] | add | . * 10 | round / 10' "$work/$1.json"; }

if $scale_out; then
  auth="$work/auth.json"
  printf '{"auths":{"%s":{"auth":"%s"}}}' "$HARNESS_REGISTRY" "$(printf '%s:%s' "$HARNESS_REGISTRY_USER" "$(cat "$HARNESS_REGISTRY_PASSWORD_FILE")" | base64 -w0)" > "$auth"
  chmod 600 "$auth"
  export REGISTRY_AUTH_FILE=$auth REGISTRY_USERNAME=$HARNESS_REGISTRY_USER
  REGISTRY_PASSWORD=$(cat "$HARNESS_REGISTRY_PASSWORD_FILE"); export REGISTRY_PASSWORD
  stamp=$(date +%Y%m%d%H%M%S)
  cache="$HARNESS_REGISTRY/bench-$stamp-cache/images"
  ns="$HARNESS_REGISTRY/bench-$stamp"
  rm -f "$work/logs/durations.json"

  echo "==> cold build of every image for both platforms in an empty storage, filling the registry cache"
  t_cold=$(CONTAINERS_STORAGE_CONF=$(storage_conf cold-runner) run so-cold build "${common[@]}" --registry-cache "$cache")
  drop_storage cold-runner
  echo "==> the same build in another empty storage, from the warm registry cache (unchanged inputs)"
  rm -f "$work/logs/durations.json"
  t_rebuild=$(CONTAINERS_STORAGE_CONF=$(storage_conf cache-runner) run so-rebuild build "${common[@]}" --registry-cache "$cache")
  pulled=$(jq '[.nodes[] | select(.fromCache)] | length' "$work/so-rebuild.json")
  built_again=$(jq '[.nodes[] | select(.fromCache | not)] | length' "$work/so-rebuild.json")
  drop_storage cache-runner

  declare -A t_stage
  for arch in amd64 arm64; do
    echo "==> runner linux/$arch: an empty storage of its own stages its platform (build from the cache, smoke tests, push by digest)"
    rm -f "$work/logs/durations.json"
    t_stage[$arch]=$(CONTAINERS_STORAGE_CONF=$(storage_conf "runner-$arch") run "so-stage-$arch" stage "${common[@]}" --platform "linux/$arch" --tag v9.9.9 --registry "$ns" --registry-cache "$cache")
    drop_storage "runner-$arch"
  done
  echo "==> assembly: one index per image from the two runners' staged digests"
  t_assemble=$(run so-assemble assemble "${plan_args[@]}" --tag v9.9.9 --registry "$ns" --staged "$work/so-stage-amd64.json" --staged "$work/so-stage-arm64.json")
  indexes=$(jq '[.published[] | select(.platforms | length == 2)] | length' "$work/so-assemble.json" 2> /dev/null || echo "?")

  amd64_work=$(work_of so-cold linux/amd64); arm64_work=$(work_of so-cold linux/arm64)
  amd64_smoke=$(smoke_of so-stage-amd64 linux/amd64); arm64_smoke=$(smoke_of so-stage-arm64 linux/arm64)
  # Native arm64 modelled as the amd64 runner: the same nodes, the same work, no emulation (no native arm64 here).
  modelled=$(awk -v a="${t_stage[amd64]}" -v s="$t_assemble" 'BEGIN { printf "%.1f", a + s }')
  modelled_cold=$(awk -v w="$amd64_work" -v sm="$amd64_smoke" -v s="$t_assemble" 'BEGIN { printf "%.1f", w / 2 + sm / 2 + s }')
  section="$work/scale-out.md"
  {
    echo "<!-- scale-out: written by bash bench/run.sh --scale-out -->"
    echo "## Scale-out: per-platform runners, assembly, registry cache"
    echo
    echo "Measured by \`bash bench/run.sh --scale-out\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), same machine (2 cores; load"
    echo "average at the start $load_start, at the end $(cut -d' ' -f1-3 /proc/loadavg)). Each \"runner\" is an empty podman storage of its own"
    echo "(\`CONTAINERS_STORAGE_CONF\`), one after the other on this machine; the registry and its cache repository are the harness's."
    echo "arm64 runs under qemu-user emulation here: no native arm64 machine is reachable, so native arm64 is modelled, not measured."
    echo
    echo "| measure | value |"
    echo "|---|---|"
    echo "| cold build, both platforms, empty storage, pushing every node to the registry cache (--jobs 2) | ${t_cold} s (build work: amd64 ${amd64_work} s, arm64 ${arm64_work} s) |"
    echo "| the same build in another empty storage, warm registry cache, unchanged inputs | ${t_rebuild} s ($(ratio "$t_rebuild" "$t_cold" | awk '{ printf "%.0f", $1 * 100 }') % of cold; ${pulled} nodes pulled from the cache, ${built_again} built) |"
    echo "| runner linux/amd64: stage (nodes from the cache, smoke tests, push by digest) | ${t_stage[amd64]} s (smoke work ${amd64_smoke} s) |"
    echo "| runner linux/arm64 (emulated): stage | ${t_stage[arm64]} s (smoke work ${arm64_smoke} s) |"
    echo "| assembly: one index per image from both runners' run reports, tagged v9.9.9 + floating tags | ${t_assemble} s (${indexes} indexes with both platforms) |"
    echo "| release on native runners, modelled: slowest runner + assembly, arm64 taken as the amd64 runner | ${modelled} s (today on one runner, both platforms: the two stage runs one after the other, ${t_stage[amd64]} s + ${t_stage[arm64]} s) |"
    echo "| cold release on native runners, modelled: amd64 build work ÷ 2 slots + smoke work ÷ 2 slots + assembly | ${modelled_cold} s (against the cold build alone here: ${t_cold} s) |"
    echo "<!-- /scale-out -->"
  } > "$section"
  replace_section scale-out "$section"
  exit 0
fi

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
machine="$(machine), $(podman --version), $(qemu-aarch64-static --version | head -1)"
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
  # The sections of the other modes (--scale-out, --test-command, --emulator): a full run keeps them as they were.
  for name in scale-out test-command emulator; do
    if grep -q "^<!-- $name" BENCHMARKS.md 2> /dev/null; then echo; sed -n "/^<!-- $name/,/^<!-- \/$name -->/p" BENCHMARKS.md; fi
  done
} > "$work/BENCHMARKS.md"
cp "$work/BENCHMARKS.md" BENCHMARKS.md
cat BENCHMARKS.md
