#!/usr/bin/env python3
"""Compute the findings of an OCI image independently of scantrail, and compare.

This is the reference that scantrail's end-to-end check holds its findings against. It shares no
code with scantrail: it applies the image layers with Python's tarfile, reads the package
databases itself, and evaluates every OSV range with the ecosystems' own tools:
`dpkg --compare-versions` for Debian, the `packaging` library for PyPI and npm's `semver` package
for npm. Alpine versions are compared by `apk_compare`, written here from the rules of apk-tools'
version.c, because Debian does not package apk-tools. Alpine secdb documents are read as they are,
and each (CVE, branch, repository) is named `ALPINE-<branch>-<repository>-<CVE>` as scantrail
names its records.

Usage:
  independent_findings.py compute --layout DIR --tag TAG --advisories PATH... > expected.json
  independent_findings.py compute --docker-archive FILE --advisories PATH... > expected.json
  independent_findings.py compare EXPECTED.json SCAN.json
  independent_findings.py diff V1.json V2.json DIFF.json

`compute` prints one row per (package, matching advisory). `compare` checks that scantrail's scan
report (scan --format json) lists exactly those advisories for exactly those packages. `diff`
checks that a `diff --format json` report equals the set difference of two scan reports.
"""

import argparse
import functools
import gzip
import io
import json
import os
import re
import subprocess
import sys
import tarfile

import yaml
from packaging.version import InvalidVersion, Version

SEMVER_HELPER = os.environ.get("SEMVER_HELPER_DIR")


# ---------------------------------------------------------------- image

def read_blob(layout, digest):
    algorithm, hexdigits = digest.split(":", 1)
    with open(os.path.join(layout, "blobs", algorithm, hexdigits), "rb") as handle:
        return handle.read()


def open_layer(data):
    if data[:2] == b"\x1f\x8b":
        return tarfile.open(fileobj=io.BytesIO(gzip.decompress(data)), mode="r:")
    if data[:4] == b"\x28\xb5\x2f\xfd":
        raise SystemExit("zstd layers are not supported by the reference script")
    return tarfile.open(fileobj=io.BytesIO(data), mode="r:")


def wanted(path):
    return (
        path in ("etc/os-release", "usr/lib/os-release", "var/lib/dpkg/status", "lib/apk/db/installed")
        or path.startswith("var/lib/dpkg/status.d/")
        or path.endswith(".dist-info/METADATA")
        or path.endswith(".egg-info/PKG-INFO")
        or (path.endswith("/package.json") and re.search(r"node_modules/(@[^/]+/)?[^/]+/package\.json$", path))
    )


def layout_layers(layout, tag):
    """Return the layer blobs of TAG in an OCI layout, lowest first."""
    index = json.loads(read_blob_path(layout, "index.json"))
    manifests = [m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag]
    if len(manifests) != 1:
        raise SystemExit(f"tag {tag} not found in {layout}")
    manifest = json.loads(read_blob(layout, manifests[0]["digest"]))
    return [read_blob(layout, layer["digest"]) for layer in manifest["layers"]]


def docker_archive_layers(path):
    """Return the layer blobs of the only image in a `docker save` archive, lowest first."""
    with tarfile.open(path) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
        if len(manifest) != 1:
            raise SystemExit(f"{path} contains {len(manifest)} images; expected one")
        return [archive.extractfile(os.path.normpath(layer)).read() for layer in manifest[0]["Layers"]]


def apply_layers(layers):
    """Return {path: (kind, content, link_target)} of the merged filesystem."""
    files = {}
    for blob in layers:
        with open_layer(blob) as tar:
            members = tar.getmembers()
            # Whiteouts apply to lower layers only, so process them before this layer's files.
            for member in members:
                path = os.path.normpath(member.name).lstrip("./").lstrip("/")
                base = os.path.basename(path)
                parent = os.path.dirname(path)
                if base == ".wh..wh..opq":
                    for key in [k for k in files if k.startswith(parent + "/")]:
                        del files[key]
                elif base.startswith(".wh."):
                    victim = os.path.join(parent, base[4:])
                    for key in [k for k in files if k == victim or k.startswith(victim + "/")]:
                        del files[key]
            for member in members:
                path = os.path.normpath(member.name).lstrip("./").lstrip("/")
                if os.path.basename(path).startswith(".wh."):
                    continue
                if not member.isdir():
                    for key in [k for k in files if k.startswith(path + "/")]:
                        del files[key]
                if member.issym():
                    files[path] = ("symlink", None, member.linkname)
                elif member.isdir():
                    files[path] = ("dir", None, None)
                elif member.isfile():
                    content = tar.extractfile(member).read() if wanted(path) else None
                    files[path] = ("file", content, None)
                elif member.islnk():
                    target = os.path.normpath(member.linkname).lstrip("./").lstrip("/")
                    files[path] = files.get(target, ("file", None, None))
    return files


def read_blob_path(layout, name):
    with open(os.path.join(layout, name), "rb") as handle:
        return handle.read()


def read_file(files, path, depth=0):
    entry = files.get(path)
    if entry is None or depth > 40:
        return None
    kind, content, target = entry
    if kind == "symlink":
        joined = target.lstrip("/") if target.startswith("/") else os.path.join(os.path.dirname(path), target)
        return read_file(files, os.path.normpath(joined).lstrip("/"), depth + 1)
    return content


# ---------------------------------------------------------------- packages

def os_release(files):
    text = read_file(files, "etc/os-release") or read_file(files, "usr/lib/os-release")
    values = {}
    for line in (text or b"").decode().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values[key] = value.strip().strip('"').strip("'")
    return values


def dpkg_packages(text):
    packages = []
    for paragraph in text.decode().split("\n\n"):
        fields = {}
        key = None
        for line in paragraph.splitlines():
            if line.startswith((" ", "\t")) and key:
                continue
            if ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
        if "Package" not in fields:
            continue
        if fields.get("Status", "install ok installed").split()[-1] != "installed":
            continue
        source = fields.get("Source", fields["Package"])
        source_version = fields["Version"]
        match = re.match(r"^(\S+)\s*\((.+)\)$", source)
        if match:
            source, source_version = match.group(1), match.group(2)
        packages.append({"ecosystem": "Debian", "name": fields["Package"], "version": fields["Version"],
                         "match_name": source, "match_version": source_version})
    return packages


def apk_packages(text):
    """Read the apk installed database: paragraphs of `P:` name, `V:` version, `o:` origin."""
    packages = []
    for paragraph in text.decode("utf-8", "replace").split("\n\n"):
        fields = {}
        for line in paragraph.splitlines():
            if len(line) > 2 and line[1] == ":":
                fields.setdefault(line[0], line[2:])
        if "P" in fields and "V" in fields:
            packages.append({"ecosystem": "Alpine", "name": fields["P"], "version": fields["V"],
                             "match_name": fields.get("o", fields["P"]), "match_version": fields["V"]})
    return packages


def header_fields(text):
    fields = {}
    for line in text.decode("utf-8", "replace").splitlines():
        if not line.strip():
            break
        if ":" in line and not line.startswith((" ", "\t")):
            key, value = line.split(":", 1)
            fields.setdefault(key.strip(), value.strip())
    return fields


def inventory(files):
    packages = []
    for path, (kind, content, _) in sorted(files.items()):
        if kind != "file" or content is None:
            continue
        if path == "var/lib/dpkg/status" or path.startswith("var/lib/dpkg/status.d/"):
            packages.extend(dpkg_packages(content))
        elif path == "lib/apk/db/installed":
            packages.extend(apk_packages(content))
        elif path.endswith(".dist-info/METADATA") or path.endswith(".egg-info/PKG-INFO"):
            fields = header_fields(content)
            if "Name" in fields and "Version" in fields:
                packages.append({"ecosystem": "PyPI", "name": fields["Name"], "version": fields["Version"],
                                 "match_name": pep503(fields["Name"]), "match_version": fields["Version"]})
        elif path.endswith("/package.json"):
            try:
                manifest = json.loads(content)
            except ValueError:
                continue
            if isinstance(manifest.get("name"), str) and isinstance(manifest.get("version"), str):
                packages.append({"ecosystem": "npm", "name": manifest["name"], "version": manifest["version"],
                                 "match_name": manifest["name"], "match_version": manifest["version"]})
    return packages


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


# ---------------------------------------------------------------- versions

@functools.lru_cache(maxsize=None)
def dpkg_compare(a, b):
    if subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0:
        return -1
    if subprocess.run(["dpkg", "--compare-versions", a, "eq", b]).returncode == 0:
        return 0
    return 1


def pep440_compare(a, b):
    va, vb = Version(a), Version(b)
    return (va > vb) - (va < vb)


# Token types of apk-tools' version.c, in its order: a token of a later type sorts first when the
# two versions differ there (1.0 < 1.0.1 because the end of 1.0 meets a digit).
APK_DIGIT_OR_ZERO, APK_DIGIT, APK_LETTER, APK_SUFFIX, APK_SUFFIX_NO, APK_REVISION_NO, APK_END = range(7)
APK_INVALID = -1
APK_PRE_SUFFIXES = ("alpha", "beta", "pre", "rc")
APK_POST_SUFFIXES = ("cvs", "svn", "git", "hg", "p")


def apk_next_type(kind, text):
    """Return (type of the next token, rest of text) after the separator that starts TEXT."""
    if not text:
        return APK_END, text
    following = APK_INVALID
    if kind in (APK_DIGIT, APK_DIGIT_OR_ZERO) and text[0].islower():
        return APK_LETTER, text
    if kind == APK_LETTER and text[0].isdigit():
        return APK_DIGIT, text
    if kind == APK_SUFFIX and text[0].isdigit():
        return APK_SUFFIX_NO, text
    if text[0] == ".":
        following = APK_DIGIT_OR_ZERO
    elif text[0] == "_":
        following = APK_SUFFIX
    elif text[0] == "-" and text[1:2] == "r":
        following = APK_REVISION_NO
        text = text[1:]
    text = text[1:]
    allowed_backwards = {(APK_DIGIT_OR_ZERO, APK_DIGIT), (APK_SUFFIX, APK_SUFFIX_NO), (APK_DIGIT, APK_LETTER)}
    if following < kind and (following, kind) not in allowed_backwards:
        following = APK_INVALID
    return following, text


def apk_token(kind, text):
    """Return (value, type of the next token, rest) for the token of type KIND at the start of TEXT."""
    if not text:
        return 0, APK_END, text
    value, length, forced = 0, 0, None
    if kind == APK_DIGIT_OR_ZERO and text[0] == "0":
        # A run of leading zeros counts as a negative number, so 1.01 < 1.1.
        length = len(text) - len(text.lstrip("0"))
        value, forced = -length, APK_DIGIT
    elif kind in (APK_DIGIT_OR_ZERO, APK_DIGIT, APK_SUFFIX_NO, APK_REVISION_NO):
        digits = re.match(r"\d*", text).group(0)
        length, value = len(digits), int(digits or "0")
    elif kind == APK_LETTER:
        length, value = 1, ord(text[0])
    elif kind == APK_SUFFIX:
        pre = [i for i, word in enumerate(APK_PRE_SUFFIXES) if text.startswith(word)]
        post = [i for i, word in enumerate(APK_POST_SUFFIXES) if text.startswith(word)]
        if pre:
            value, length = pre[0] - len(APK_PRE_SUFFIXES), len(APK_PRE_SUFFIXES[pre[0]])
        elif post:
            value, length = post[0], len(APK_POST_SUFFIXES[post[0]])
        else:
            return -1, APK_INVALID, text
    else:
        return -1, APK_INVALID, text
    text = text[length:]
    if not text:
        return value, APK_END, text
    if forced is not None:
        return value, forced, text
    following, text = apk_next_type(kind, text)
    return value, following, text


@functools.lru_cache(maxsize=None)
def apk_compare(a, b):
    """Compare two apk versions as apk-tools 2.x does: -1, 0 or 1."""
    kind_a = kind_b = APK_DIGIT
    while kind_a == kind_b and kind_a not in (APK_END, APK_INVALID):
        value_a, kind_a, a = apk_token(kind_a, a)
        value_b, kind_b, b = apk_token(kind_b, b)
        if value_a != value_b:
            return -1 if value_a < value_b else 1
    if kind_a == kind_b:
        return 0
    # One version goes on. A pre-release suffix there (_alpha, _rc) sorts it before the other.
    if kind_a == APK_SUFFIX and apk_token(kind_a, a)[0] < 0:
        return -1
    if kind_b == APK_SUFFIX and apk_token(kind_b, b)[0] < 0:
        return 1
    if kind_a == APK_INVALID or kind_b == APK_INVALID:
        raise ValueError(f"invalid apk version {a!r} or {b!r}")
    return -1 if kind_a > kind_b else 1


def check_apk_compare():
    """Check apk_compare on orderings that apk-tools documents or that Alpine releases show."""
    # A component of zeros followed by a suffix (1.0_rc1) takes a path in version.c where the
    # suffix no longer sorts first, so the pre-release pairs below avoid a zero component.
    ordered = [("1.0", "1.0.1"), ("1.1_alpha1", "1.1"), ("1.1_rc1", "1.1"), ("1.1_alpha2", "1.1_beta1"), ("1.0", "1.0_p1"), ("1.0", "1.0a"),
               ("1.0a", "1.0b"), ("1.0-r1", "1.0-r2"), ("1.0-r9", "1.0-r10"), ("1.01", "1.1"), ("1.0-r5", "1.0.1"),
               ("2.10.4-r2", "2.10.6-r0"), ("1.1.1d-r2", "1.1.1g-r0"), ("1.30.1-r3", "1.30.1-r5"), ("1.1.22-r3", "1.1.22-r4")]
    for low, high in ordered:
        assert apk_compare(low, high) == -1, (low, high)
        assert apk_compare(high, low) == 1, (high, low)
    assert apk_compare("1.2.3-r0", "1.2.3-r0") == 0


class SemverCompare:
    """Compares versions with npm's semver package in one long-running node process."""

    def __init__(self):
        script = (
            "const semver = require(process.argv[1]);"
            "const rl = require('readline').createInterface({input: process.stdin});"
            "rl.on('line', l => { const [a, b] = JSON.parse(l);"
            " let r; try { r = semver.compare(a, b); } catch (e) { r = null; }"
            " process.stdout.write(JSON.stringify(r) + '\\n'); });"
        )
        module = os.path.join(SEMVER_HELPER, "node_modules", "semver")
        self.process = subprocess.Popen(["node", "-e", script, module], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)

    @functools.lru_cache(maxsize=None)
    def __call__(self, a, b):
        self.process.stdin.write(json.dumps([a, b]) + "\n")
        self.process.stdin.flush()
        result = json.loads(self.process.stdout.readline())
        if result is None:
            raise ValueError(f"invalid semver {a!r} or {b!r}")
        return result


# ---------------------------------------------------------------- advisories

def load_advisories(paths):
    records = []
    for root in paths:
        walk = [(root, [], [os.path.basename(root)])] if os.path.isfile(root) else os.walk(root)
        for folder, _, names in walk:
            for name in sorted(names):
                path = root if os.path.isfile(root) else os.path.join(folder, name)
                if name.endswith(".json"):
                    with open(path) as handle:
                        record = json.load(handle)
                elif name.endswith((".yaml", ".yml")):
                    with open(path) as handle:
                        record = yaml.safe_load(handle)
                else:
                    continue
                if isinstance(record, dict) and "distroversion" in record and "packages" in record:
                    records.extend(secdb_records(record))
                elif isinstance(record, dict) and "id" in record and not record.get("withdrawn"):
                    records.append(record)
    return records


def secdb_records(document):
    """Turn an Alpine secdb document into OSV-shaped records, one per (CVE, branch, repository).

    A fixed version of `0` means the package was never affected, so it adds no entry.
    """
    branch, repository = document["distroversion"], document.get("reponame") or "main"
    per_id = {}
    for package in document["packages"]:
        for fixed, ids in (package["pkg"].get("secfixes") or {}).items():
            for entry in ids or []:
                for token in entry.split():
                    if not re.match(r"^[A-Z]+-.", token) or str(fixed) == "0":
                        continue
                    per_id.setdefault(token, []).append({
                        "package": {"ecosystem": f"Alpine:{branch}", "name": package["pkg"]["name"]},
                        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": str(fixed)}]}],
                    })
    return [{"id": f"ALPINE-{branch}-{repository}-{cve}", "aliases": [cve], "affected": affected}
            for cve, affected in sorted(per_id.items())]


def affected_by(version, affected, compare):
    if version in affected.get("versions", []):
        return True
    for range_ in affected.get("ranges", []):
        if range_.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue
        cmp = compare if range_["type"] == "ECOSYSTEM" else SEMVER
        try:
            if in_range(version, range_.get("events", []), cmp):
                return True
        except (ValueError, InvalidVersion):
            continue
    return False


def in_range(version, events, compare):
    def event_version(event):
        return next(iter(event.values()))

    def sort_key(a, b):
        va, vb = event_version(a), event_version(b)
        if va == vb:
            return 0
        if va == "0":
            return -1
        if vb == "0":
            return 1
        return compare(va, vb)

    affected = False
    for event in sorted(events, key=functools.cmp_to_key(sort_key)):
        if "introduced" in event:
            if event["introduced"] == "0" or compare(version, event["introduced"]) >= 0:
                affected = True
        elif "fixed" in event:
            if compare(version, event["fixed"]) >= 0:
                affected = False
        elif "last_affected" in event:
            if compare(version, event["last_affected"]) > 0:
                affected = False
    return affected


SEMVER = None


def compute(args):
    global SEMVER
    SEMVER = SemverCompare()
    check_apk_compare()
    if args.docker_archive:
        files = apply_layers(docker_archive_layers(args.docker_archive))
    elif args.layout and args.tag:
        files = apply_layers(layout_layers(args.layout, args.tag))
    else:
        raise SystemExit("compute needs --layout DIR --tag TAG or --docker-archive FILE")
    release = os_release(files)
    packages = inventory(files)
    records = load_advisories(args.advisories)
    index = {}
    for record in records:
        for affected in record.get("affected", []):
            package = affected.get("package", {})
            ecosystem = package.get("ecosystem", "")
            name = package.get("name", "")
            if ecosystem == "PyPI":
                name = pep503(name)
            index.setdefault((ecosystem, name), []).append((record["id"], affected))

    debian_ecosystem = f"Debian:{release.get('VERSION_ID', '')}"
    # Alpine's secdb names the branch: VERSION_ID 3.10.9 is branch v3.10.
    alpine_ecosystem = "Alpine:v" + ".".join(release.get("VERSION_ID", "").split(".")[:2])
    compares = {"Debian": dpkg_compare, "PyPI": pep440_compare, "npm": SEMVER, "Alpine": apk_compare}
    release_ecosystems = {"Debian": debian_ecosystem, "Alpine": alpine_ecosystem}
    rows = []
    for package in packages:
        ecosystem = release_ecosystems.get(package["ecosystem"], package["ecosystem"])
        matched = set()
        for record_id, affected in index.get((ecosystem, package["match_name"]), []):
            if affected_by(package["match_version"], affected, compares[package["ecosystem"]]):
                matched.add(record_id)
        if matched:
            rows.append({"ecosystem": package["ecosystem"], "name": package["name"], "version": package["version"],
                         "advisory_ids": sorted(matched)})
    rows.sort(key=lambda r: (r["ecosystem"], r["name"], r["version"]))
    json.dump({"packages": len(packages), "findings": rows}, sys.stdout, indent=1)
    print()


# ---------------------------------------------------------------- checks

def scan_rows(scan):
    grouped = {}
    for finding in scan["findings"]:
        package = finding["package"]
        key = (package["ecosystem"], package["name"], package["version"])
        grouped.setdefault(key, set()).update(finding["advisory_ids"])
    return grouped


def compare(args):
    with open(args.expected) as handle:
        expected = json.load(handle)
    with open(args.scan) as handle:
        scan = json.load(handle)
    want = {}
    for row in expected["findings"]:
        want.setdefault((row["ecosystem"], row["name"], row["version"]), set()).update(row["advisory_ids"])
    got = scan_rows(scan)
    problems = []
    if expected["packages"] != len(scan["packages"]):
        problems.append(f"package count: reference {expected['packages']}, scantrail {len(scan['packages'])}")
    for key in sorted(set(want) | set(got)):
        if want.get(key, set()) != got.get(key, set()):
            missing = sorted(want.get(key, set()) - got.get(key, set()))
            extra = sorted(got.get(key, set()) - want.get(key, set()))
            problems.append(f"{key}: missing {missing}, unexpected {extra}")
    pairs = sum(len(ids) for ids in want.values())
    if problems:
        print(f"MISMATCH {args.scan}: {len(problems)} difference(s)", file=sys.stderr)
        for problem in problems:
            print("  " + problem, file=sys.stderr)
        sys.exit(1)
    print(f"ok {args.scan}: {len(got)} affected packages, {pairs} package-advisory matches, "
          f"{len(scan['findings'])} findings, {len(scan['packages'])} packages")


def finding_keys(findings):
    return {(f["vulnerability_id"], f["package"]["ecosystem"], f["package"]["name"]) for f in findings}


def diff(args):
    documents = []
    for path in (args.base, args.target, args.diff):
        with open(path) as handle:
            documents.append(json.load(handle))
    base, target, report = documents
    base_keys, target_keys = finding_keys(base["findings"]), finding_keys(target["findings"])
    checks = [
        ("introduced", finding_keys(report["findings"]["introduced"]), target_keys - base_keys),
        ("fixed", finding_keys(report["findings"]["fixed"]), base_keys - target_keys),
        ("unchanged", finding_keys(report["findings"]["unchanged"]), base_keys & target_keys),
    ]
    failed = False
    for name, got, want in checks:
        if got != want:
            failed = True
            print(f"MISMATCH diff {name}: missing {sorted(want - got)}, unexpected {sorted(got - want)}", file=sys.stderr)
    if failed:
        sys.exit(1)
    print(f"ok diff: +{len(checks[0][2])} introduced, -{len(checks[1][2])} fixed, {len(checks[2][2])} unchanged")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("compute")
    p.add_argument("--layout", help="OCI image layout folder, with --tag")
    p.add_argument("--tag")
    p.add_argument("--docker-archive", help="`docker save` archive (.tar or .tar.gz) holding one image")
    p.add_argument("--advisories", nargs="+", required=True)
    p.set_defaults(run=compute)
    p = commands.add_parser("compare")
    p.add_argument("expected")
    p.add_argument("scan")
    p.set_defaults(run=compare)
    p = commands.add_parser("diff")
    p.add_argument("base")
    p.add_argument("target")
    p.add_argument("diff")
    p.set_defaults(run=diff)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
