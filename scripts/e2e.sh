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

# ---- Remediation, metrics, ledger and Git export (block owned by the remediation work) ----
# Scans v1.2 as the third version of the demo line, then checks `metrics` against counts computed
# here from the three scan reports, `verify` on the intact store and on a copy with an edited tag,
# and `export git` (one commit per scan at the scan time, the second export adding only the new
# scan). Git is read with the git program only to check what scantrail wrote.
step "scan v1.2"
"$scantrail" scan "oci:$fixtures/images/demo-oci:v1.2" --tag "$repo_name:v1.2" --format json > "$work/scan-v1.2.json"

step "remediate"
"$scantrail" remediate "$repo_name" GHSA-x84v-xcm2-53pg --action patched --note "requests upgraded to 2.20.0" \
  --by e2e --format json > "$work/remediation.json"
"$python" - "$work/remediation.json" "$work/scan-v1.1.json" << 'CHECK'
import json, sys
record = json.load(open(sys.argv[1]))["remediation"]
v11 = json.load(open(sys.argv[2]))["scan"]
print(f"remediation of {record['vulnerability_id']} linked to {record['left_scan']}", file=sys.stderr)
assert record["vulnerability_id"] == "CVE-2018-18074", record
assert record["left_scan"] == v11["id"], "requests 2.19.1 left the line in v1.1"
CHECK
"$scantrail" log "$repo_name"

step "metrics"
"$scantrail" metrics "$repo_name" --chart "$work/chart.svg"
"$scantrail" metrics "$repo_name" --format json > "$work/metrics.json"
"$python" - "$work/metrics.json" "$work/scan-v1.0.json" "$work/scan-v1.1.json" "$work/scan-v1.2.json" << 'CHECK'
import json, sys
from datetime import datetime
metrics = json.load(open(sys.argv[1]))
scans = [json.load(open(path)) for path in sys.argv[2:]]
def key(finding):
    return (finding["vulnerability_id"], finding["package"]["ecosystem"], finding["package"]["name"])
def when(scan):
    return datetime.fromisoformat(scan["scan"]["scanned_at"].replace("Z", "+00:00")).timestamp()
# Walk the line: a finding's clock starts where it appears and stops at the first scan without it.
first_seen, durations = {}, []
for scan in scans:
    present = {key(f): f["severity"] for f in scan["findings"]}
    for gone in [k for k in first_seen if k not in present]:
        durations.append(when(scan) - first_seen.pop(gone))
    for k in present:
        first_seen.setdefault(k, when(scan))
newest = {key(f): f["severity"] for f in scans[-1]["findings"]}
total = metrics["total"]
print(f"metrics: {total['remediated']} remediated (expected {len(durations)}), {total['open']} open "
      f"(expected {len(newest)}), mean {total['mean_seconds']} s", file=sys.stderr)
assert total["remediated"] == len(durations)
assert total["open"] == len(newest)
assert abs(total["mean_seconds"] - sum(durations) / len(durations)) <= 2, "scan times in reports have whole seconds"
for row in metrics["severities"]:
    expected = sum(1 for severity in newest.values() if severity == row["severity"])
    assert row["open"] == expected, (row["severity"], row["open"], expected)
CHECK
grep -q '<svg' "$work/chart.svg"

step "verify"
"$scantrail" verify
cp -r "$SCANTRAIL_HOME" "$work/tampered"
"$python" - "$work/tampered/history.db" << 'TAMPER'
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.execute("UPDATE scans SET tag = 'v1.1-edited' WHERE tag = 'v1.1'")
connection.commit()
TAMPER
set +e
SCANTRAIL_HOME=$work/tampered "$scantrail" verify --format json > "$work/verify-tampered.json"
tampered=$?
set -e
"$python" - "$work/verify-tampered.json" "$work/scan-v1.1.json" "$tampered" << 'CHECK'
import json, sys
report = json.load(open(sys.argv[1]))
v11 = json.load(open(sys.argv[2]))["scan"]["id"]
named = [(p["kind"], p["scan_id"]) for p in report["problems"]]
print(f"verify on the edited copy: exit {sys.argv[3]}, problems {named}", file=sys.stderr)
assert sys.argv[3] == "1"
assert named == [("changed", v11)], named
CHECK

step "export git"
"$scantrail" export git "$work/export" --repository "$repo_name"
"$scantrail" scan "oci:$fixtures/images/demo-oci:v1.2" --tag "$repo_name:latest" > /dev/null
"$scantrail" export git "$work/export" --repository "$repo_name" --format json > "$work/export-again.json"
"$scantrail" log "$repo_name" --format json > "$work/log.json"
git -C "$work/export" log --reverse --format='%ct%x09%s%x09%(trailers:key=Scantrail-Scan-Id,valueonly,separator=)' > "$work/export-log.tsv"
"$python" - "$work/log.json" "$work/export-log.tsv" "$work/export-again.json" << 'CHECK'
import json, sys
from datetime import datetime
scans = list(reversed(json.load(open(sys.argv[1]))["scans"]))
commits = [line.split("\t") for line in open(sys.argv[2]).read().splitlines()]
again = json.load(open(sys.argv[3]))
print(f"export: {len(commits)} commits for {len(scans)} scans; the second export added {len(again['commits'])}", file=sys.stderr)
assert len(again["commits"]) == 1, "the second export adds only the new scan"
assert len(commits) == len(scans)
for scan, (seconds, subject, scan_id) in zip(scans, commits):
    scanned = int(datetime.fromisoformat(scan["scanned_at"].replace("Z", "+00:00")).timestamp())
    assert int(seconds) == scanned, (subject, seconds, scanned)
    assert scan_id.strip() == scan["id"], (subject, scan_id)
    introduced = scan["introduced"] if scan["introduced"] is not None else scan["counts"]["total"]
    fixed = scan["fixed"] or 0
    assert f" +{introduced} -{fixed}" in subject, (subject, introduced, fixed)
    print(f"  {subject}", file=sys.stderr)
CHECK
step "remediation, metrics, ledger and export e2e passed"
# ---- end of the remediation block ----
