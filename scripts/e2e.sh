#!/usr/bin/env bash
# End-to-end run on the real images and advisories in ../shared/fixtures.
#
# Imports the Debian 12, PyPI and npm advisories, scans the demo image's tags v1.0 and v1.1 into a
# fresh history store, runs log, diff and gate, and checks every finding against an independent
# computation (scripts/independent_findings.py: dpkg --compare-versions, Python packaging, npm
# semver). Exits non-zero on the first mismatch.
#
# Needs: the fixtures folder (default ../shared/fixtures, or FIXTURES=DIR), python3 with pip and
# node with npm (the first run installs `packaging`, `PyYAML` and `semver` under target/e2e-tools
# from PyPI and the npm registry), and dpkg.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
fixtures=${FIXTURES:-$repo/../shared/fixtures}
if [ ! -d "$fixtures/images/demo-oci" ]; then
  echo "e2e: no fixtures at $fixtures; set FIXTURES=DIR" >&2
  exit 2
fi
fixtures=$(cd "$fixtures" && pwd)

tools=$repo/target/e2e-tools
if [ ! -x "$tools/venv/bin/python" ]; then
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet packaging PyYAML
fi
if [ ! -d "$tools/node/node_modules/semver" ]; then
  mkdir -p "$tools/node"
  npm install --silent --prefix "$tools/node" semver@7 >/dev/null
fi
python=$tools/venv/bin/python
export SEMVER_HELPER_DIR=$tools/node

cargo build --release --locked --quiet --manifest-path "$repo/Cargo.toml" -p scantrail
scantrail=$repo/target/release/scantrail

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SCANTRAIL_HOME=$work/home
repo_name=registry.example.com/shop/app
advisories=("$fixtures/advisories/debian12" "$fixtures/advisories/osv-pypi" "$fixtures/advisories/osv-npm")

step() { printf '\n== %s\n' "$*" >&2; }

step "db import"
"$scantrail" db import "${advisories[@]}"
"$scantrail" db status

for tag in v1.0 v1.1; do
  step "scan $tag"
  "$scantrail" scan "oci:$fixtures/images/demo-oci:$tag" --tag "$repo_name:$tag" --format json > "$work/scan-$tag.json"
  "$scantrail" show "$repo_name:$tag" | head -n 12
  step "independent computation for $tag"
  "$python" "$repo/scripts/independent_findings.py" compute --layout "$fixtures/images/demo-oci" --tag "$tag" \
    --advisories "${advisories[@]}" > "$work/expected-$tag.json"
  "$python" "$repo/scripts/independent_findings.py" compare "$work/expected-$tag.json" "$work/scan-$tag.json"
done

step "log"
"$scantrail" log "$repo_name"

step "diff v1.0 v1.1"
"$scantrail" diff "$repo_name:v1.0" "$repo_name:v1.1" | head -n 8
"$scantrail" diff "$repo_name:v1.0" "$repo_name:v1.1" --format json > "$work/diff.json"
"$python" "$repo/scripts/independent_findings.py" diff "$work/scan-v1.0.json" "$work/scan-v1.1.json" "$work/diff.json"

step "gate"
set +e
"$scantrail" gate "$repo_name:v1.1" --fail-on critical --format json > "$work/gate-critical.json"
critical=$?
"$scantrail" gate "$repo_name:v1.1" --fail-on critical --ignore-unfixed > /dev/null
"$scantrail" gate "$repo_name:v1.0" --fail-on low > /dev/null
low=$?
"$scantrail" gate "$repo_name:nonexistent" --fail-on low > /dev/null 2>&1
missing=$?
set -e
expect_critical=$("$python" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(1 if any(f["severity"]=="CRITICAL" for f in d["findings"]) else 0)' "$work/scan-v1.1.json")
echo "gate --fail-on critical on v1.1: exit $critical (expected $expect_critical)" >&2
echo "gate --fail-on low on v1.0: exit $low (expected 1)" >&2
echo "gate on a tag never scanned: exit $missing (expected 2)" >&2
[ "$critical" = "$expect_critical" ] && [ "$low" = 1 ] && [ "$missing" = 2 ]

step "e2e passed"

# ---- Registry copy of demo v1.1 (block owned by the registry source work) ----
# Starts Debian's docker-registry on a free 127.0.0.1 port, copies demo v1.1 into it with skopeo,
# scans it through the distribution API and checks that its findings equal the layout scan's.
step "registry copy of v1.1"
for tool in docker-registry skopeo; do
  command -v "$tool" > /dev/null || { echo "e2e: $tool is missing; apt-get install -y docker-registry skopeo" >&2; exit 2; }
done
registry_port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/registry.yml" << REGISTRY_CONFIG
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$registry_port
REGISTRY_CONFIG
docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
registry_pid=$!
trap 'kill "$registry_pid" 2> /dev/null || true; wait "$registry_pid" 2> /dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$registry_port/v2/" > /dev/null 2>&1 && break; sleep 0.1; done
skopeo copy --quiet --dest-tls-verify=false "oci:$fixtures/images/demo-oci:v1.1" "docker://127.0.0.1:$registry_port/shop/app:v1.1"
"$scantrail" scan "docker://127.0.0.1:$registry_port/shop/app:v1.1" --no-cache --format json > "$work/scan-registry-v1.1.json"
"$python" - "$work/scan-v1.1.json" "$work/scan-registry-v1.1.json" << 'COMPARE'
import json, sys
def findings(path):
    report = json.load(open(path))
    return sorted(json.dumps([f["vulnerability_id"], f["package"]], sort_keys=True) for f in report["findings"]), report["scan"]
layout, layout_scan = findings(sys.argv[1])
registry, registry_scan = findings(sys.argv[2])
print(f"registry scan: {len(registry)} findings, layout scan: {len(layout)}", file=sys.stderr)
assert registry == layout, "the registry scan's findings differ from the layout scan's"
assert registry_scan["manifest_digest"] == layout_scan["manifest_digest"], "the manifest digests differ"
COMPARE
step "registry e2e passed"
# ---- end of the registry block ----

# ---- Alpine images with the Alpine secdb (block owned by the advisory feeds work) ----
# Imports the Alpine secdb subset on top of the current snapshot, scans the Alpine 3.10 and 3.11
# images from their `docker save` archives and checks every finding against the reference, which
# reads lib/apk/db/installed and the secdb itself and compares versions by apk-tools' rules.
step "alpine secdb"
secdb=$fixtures/advisories/alpine-secdb-subset
"$scantrail" db import "$secdb"
for alpine in 3.10 3.11; do
  step "scan alpine $alpine"
  "$scantrail" scan "docker-archive:$fixtures/images/alpine-$alpine.tar.gz" --tag "local/alpine:$alpine" --format json > "$work/scan-alpine-$alpine.json"
  "$python" "$repo/scripts/independent_findings.py" compute --docker-archive "$fixtures/images/alpine-$alpine.tar.gz" \
    --advisories "$secdb" > "$work/expected-alpine-$alpine.json"
  "$python" "$repo/scripts/independent_findings.py" compare "$work/expected-alpine-$alpine.json" "$work/scan-alpine-$alpine.json"
done
step "alpine e2e passed"
# ---- end of the Alpine block ----
