#!/usr/bin/env bash
# Install scantrail and run its main job: scan two versions of an image into the history store,
# then show the line's log, the diff between the versions and a gate.
#
# The image is built here from examples/quickstart (a Debian 12 package database, a Python
# package and an npm package in gzip layers, written as an OCI image layout), and the advisories
# are the OSV records in examples/quickstart/advisories, so nothing is fetched but the Rust crates
# that `cargo install` builds: the script also runs where no container registry or advisory feed
# can be reached.
#
# Needs: a Rust toolchain (cargo), network access to crates.io on the first build, about 2 GB of
# disk for the build, GNU tar, gzip and sha256sum.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
example=$repo/examples/quickstart
out=${QUICKSTART_DIR:-$repo/target/quickstart}

echo "Installing scantrail with cargo install (first build takes a few minutes)..." >&2
cargo install --locked --force --quiet --path "$repo/crates/scantrail"
scantrail=$(command -v scantrail || echo "${CARGO_HOME:-$HOME/.cargo}/bin/scantrail")

# Writes one gzip layer of the files under layers/NAME; prints "DIGEST DIFF_ID SIZE".
build_layer() {
  local name=$1 tmp
  tmp=$(mktemp)
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$example/layers/$name" -cf "$tmp" .
  local diff_id
  diff_id=$(sha256sum "$tmp" | cut -d' ' -f1)
  gzip -n -c "$tmp" > "$tmp.gz"
  local digest size
  digest=$(sha256sum "$tmp.gz" | cut -d' ' -f1)
  size=$(stat -c %s "$tmp.gz")
  mv "$tmp.gz" "$out/layout/blobs/sha256/$digest"
  rm -f "$tmp"
  echo "$digest $diff_id $size"
}

# Writes a blob from stdin; prints "DIGEST SIZE".
put_blob() {
  local tmp digest
  tmp=$(mktemp)
  cat > "$tmp"
  digest=$(sha256sum "$tmp" | cut -d' ' -f1)
  echo "$digest $(stat -c %s "$tmp")"
  mv "$tmp" "$out/layout/blobs/sha256/$digest"
}

# Writes config and manifest for a tag made of the given layers; prints the manifest descriptor.
build_image() {
  local tag=$1 created=$2; shift 2
  local layers="" diff_ids="" history=""
  for name in "$@"; do
    read -r digest diff_id size < <(build_layer "$name")
    layers+="${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$digest\",\"size\":$size}"
    diff_ids+="${diff_ids:+,}\"sha256:$diff_id\""
    history+="${history:+,}{\"created\":\"$created\",\"created_by\":\"quickstart: add layer $name\"}"
  done
  local config
  config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"$created\",\"config\":{\"Labels\":{\"org.opencontainers.image.version\":\"$tag\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$diff_ids]},\"history\":[$history]}"
  read -r config_digest config_size < <(printf '%s' "$config" | put_blob)
  local manifest
  manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$config_digest\",\"size\":$config_size},\"layers\":[$layers]}"
  read -r manifest_digest manifest_size < <(printf '%s' "$manifest" | put_blob)
  echo "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$manifest_digest\",\"size\":$manifest_size,\"annotations\":{\"org.opencontainers.image.ref.name\":\"$tag\"}}"
}

rm -rf "$out"
mkdir -p "$out/layout/blobs/sha256"
v10=$(build_image v1.0 2024-01-10T00:00:00Z base app)
v11=$(build_image v1.1 2024-02-10T00:00:00Z base app update)
printf '{"imageLayoutVersion":"1.0.0"}' > "$out/layout/oci-layout"
printf '{"schemaVersion":2,"manifests":[%s,%s]}' "$v10" "$v11" > "$out/layout/index.json"
echo "Built the OCI image layout $out/layout with tags v1.0 and v1.1" >&2

export SCANTRAIL_HOME=${SCANTRAIL_HOME:-$out/home}
echo "History store: $SCANTRAIL_HOME" >&2
set -x
"$scantrail" db import "$example/advisories"
"$scantrail" scan "oci:$out/layout:v1.0" --tag example.com/quickstart/app:v1.0
"$scantrail" scan "oci:$out/layout:v1.1" --tag example.com/quickstart/app:v1.1
"$scantrail" log example.com/quickstart/app
"$scantrail" diff example.com/quickstart/app:v1.0 example.com/quickstart/app:v1.1
"$scantrail" gate example.com/quickstart/app:v1.0 --fail-on high || echo "gate failed for v1.0 (exit $?), as expected: lodash 4.17.15 has HIGH findings" >&2
"$scantrail" gate example.com/quickstart/app:v1.1 --fail-on high
