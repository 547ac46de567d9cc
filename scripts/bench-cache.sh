#!/usr/bin/env bash
# Benchmark: the layer cache, and scanning from a registry. Times `scantrail scan` of the demo
# image's tag v1.1 (release build, --no-store) in these states, RUNS times each, alternating:
#   layout, no cache     oci:demo-oci:v1.1 with --no-cache (every layer read)
#   layout, cold cache   an empty cache directory (every layer read, and cached)
#   layout, after v1.0   the cache holds what a scan of v1.0 left (only v1.1's own layers read)
#   layout, warm cache   the cache holds every layer of v1.1 (no layer read)
#   registry, no cache   docker://127.0.0.1:PORT/shop/app:v1.1 from a local docker-registry
#   registry, warm cache the same with every layer cached (only manifest and config fetched)
# It prints the median wall time and the largest peak resident set size of each.
#
# Needs docker-registry and skopeo (apt-get install -y docker-registry skopeo).
# Usage: scripts/bench-cache.sh [RUNS]   (FIXTURES=DIR overrides ../shared/fixtures)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
fixtures=${FIXTURES:-$repo/../shared/fixtures}
layout=$fixtures/images/demo-oci
runs=${1:-5}

for tool in docker-registry skopeo; do
  command -v "$tool" > /dev/null || { echo "$tool is missing: apt-get install -y docker-registry skopeo" >&2; exit 2; }
done

cargo build --release --locked --quiet --manifest-path "$repo/Cargo.toml" -p scantrail
scantrail=$repo/target/release/scantrail

work=$(mktemp -d)
registry_pid=
cleanup() {
  if [ -n "$registry_pid" ]; then kill "$registry_pid" 2> /dev/null || true; wait "$registry_pid" 2> /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
export SCANTRAIL_HOME=$work/home
"$scantrail" -q db import "$fixtures/advisories/debian12" "$fixtures/advisories/osv-pypi" "$fixtures/advisories/osv-npm" > /dev/null

# A registry on a free loopback port, holding a copy of v1.1.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/registry.yml" << EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/v2/" > /dev/null 2>&1 && break; sleep 0.1; done
skopeo copy --quiet --dest-tls-verify=false "oci:$layout:v1.1" "docker://127.0.0.1:$port/shop/app:v1.1"

cache=$SCANTRAIL_HOME/cache/layers
# Cache states to restore before each run.
"$scantrail" -q scan "oci:$layout:v1.0" --no-store > /dev/null
cp -r "$cache" "$work/after-v1.0"
"$scantrail" -q scan "oci:$layout:v1.1" --no-store > /dev/null
cp -r "$cache" "$work/warm"

measure() { # label cache-state source [flags...]: appends "seconds kilobytes" to $work/label
  local label=$1 state=$2 source=$3; shift 3
  rm -rf "$cache"
  if [ "$state" != empty ]; then cp -r "$work/$state" "$cache"; fi
  /usr/bin/time -f '%e %M' -o "$work/one" "$scantrail" -q scan "$source" --no-store --format json "$@" > /dev/null
  cat "$work/one" >> "$work/$label"
}

local_source="oci:$layout:v1.1"
remote_source="docker://127.0.0.1:$port/shop/app:v1.1"
for _ in $(seq "$runs"); do
  measure layout-none empty "$local_source" --no-cache
  measure layout-cold empty "$local_source"
  measure layout-after after-v1.0 "$local_source"
  measure layout-warm warm "$local_source"
  measure registry-none empty "$remote_source" --no-cache
  measure registry-warm warm "$remote_source"
done

report() {
  sort -n "$work/$1" | awk -v label="$2" '{ t[NR] = $1; if ($2 > m) m = $2 } END {
    printf "%-34s median %6.2f s   min %6.2f s   max %6.2f s   peak RSS %6.1f MiB\n", label, t[int((NR + 1) / 2)], t[1], t[NR], m / 1024 }'
}
echo "demo-oci:v1.1, $runs runs each; registry: docker-registry $(docker-registry --version | awk '{print $3}') on 127.0.0.1"
report layout-none "layout, --no-cache"
report layout-cold "layout, cold cache"
report layout-after "layout, cache after v1.0"
report layout-warm "layout, warm cache"
report registry-none "registry, --no-cache"
report registry-warm "registry, warm cache"
