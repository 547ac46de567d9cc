#!/usr/bin/env bash
# Benchmark: scan of the demo image's tag v1.1 next to `gzip -dc` of the same layer blobs, the
# physical floor of any scanner that must decompress every layer. Both run in the same session,
# alternating, RUNS times each; the script prints the median wall time and the largest peak
# resident set size of each.
#
# Usage: scripts/bench.sh [RUNS]   (FIXTURES=DIR overrides ../shared/fixtures)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
fixtures=${FIXTURES:-$repo/../shared/fixtures}
layout=$fixtures/images/demo-oci
runs=${1:-5}
tag=v1.1

cargo build --release --locked --quiet --manifest-path "$repo/Cargo.toml" -p scantrail
scantrail=$repo/target/release/scantrail

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SCANTRAIL_HOME=$work/home
"$scantrail" -q db import "$fixtures/advisories/debian12" "$fixtures/advisories/osv-pypi" "$fixtures/advisories/osv-npm" > /dev/null

# The layer blobs of the tag, in manifest order.
manifest=$(python3 -c 'import json,sys
index = json.load(open(sys.argv[1] + "/index.json"))
print(next(m["digest"] for m in index["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == sys.argv[2]))' "$layout" "$tag")
mapfile -t layers < <(python3 -c 'import json,sys
m = json.load(open(sys.argv[1] + "/blobs/sha256/" + sys.argv[2].split(":")[1]))
for layer in m["layers"]: print(sys.argv[1] + "/blobs/sha256/" + layer["digest"].split(":")[1])' "$layout" "$manifest")
bytes=$(cat "${layers[@]}" | wc -c)

measure() { # label command...: appends "seconds kilobytes" to $work/label
  local label=$1; shift
  /usr/bin/time -f '%e %M' -o "$work/one" "$@" > /dev/null
  cat "$work/one" >> "$work/$label"
}

for _ in $(seq "$runs"); do
  measure gzip sh -c 'for f in "$@"; do gzip -dc "$f"; done' sh "${layers[@]}"
  measure scan "$scantrail" -q scan "oci:$layout:$tag" --no-store --no-cache --format json
done

report() {
  sort -n "$work/$1" | awk -v label="$2" '{ t[NR] = $1; if ($2 > m) m = $2 } END {
    printf "%-34s median %6.2f s   min %6.2f s   max %6.2f s   peak RSS %6.1f MiB\n", label, t[int((NR + 1) / 2)], t[1], t[NR], m / 1024 }'
}
echo "demo-oci:$tag, ${#layers[@]} gzip layers, $bytes bytes compressed, $runs runs each"
report gzip "gzip -dc of every layer"
report scan "scantrail scan --no-store"
