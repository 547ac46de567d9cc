//! Questions about an image line: a vulnerability's history, blame, tag reflogs and re-matching.

mod common;

use common::{deb, debian_record, inventory, layer, pypi, pypi_record, scan, snapshot, time};
use scantrail_history::{
    blame, fix_known_since, plan_rescan, reflogs, rematch_scan, snapshot_impact, vulnerability_history, BlameSubject, EventKind, Line,
    TagSighting,
};
use scantrail_matcher::AdvisoryIndex;
use scantrail_model::{Digest, ScanKind};

fn pyyaml_snapshot() -> scantrail_advisory::Snapshot {
    snapshot(&[
        pypi_record("PYSEC-2021-142", &["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"], "PyYAML", "5.4", "2021-02-09T00:00:00Z"),
        debian_record("CVE-2024-5535", "openssl", "3.0.14-1~deb12u1", "2024-06-27T00:00:00Z"),
    ])
}

#[test]
fn history_follows_aliases_through_leave_and_return() {
    let advisories = pyyaml_snapshot();
    let v1 = scan("v1.0", "one", &inventory(vec![pypi("PyYAML", "5.3", 1)]), &advisories, 0);
    let v2 = scan("v1.1", "two", &inventory(vec![pypi("PyYAML", "5.4", 1)]), &advisories, 1);
    let v3 = scan("v1.2", "three", &inventory(vec![pypi("PyYAML", "5.3", 2)]), &advisories, 2);
    let scans = [v3.clone(), v2.clone(), v1.clone()];
    let line = Line::from_newest_first(&scans);

    for query in ["CVE-2020-14343", "ghsa-8q59-q68h-6hv4", "PYSEC-2021-142"] {
        let history = vulnerability_history(&line, query).unwrap_or_else(|| panic!("{query} has a history"));
        let kinds: Vec<EventKind> = history.events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EventKind::Introduced, EventKind::Fixed, EventKind::Reintroduced], "{query}");
        assert_eq!(history.events[0].scan.id, v1.id);
        assert_eq!(history.events[1].scan.id, v2.id);
        assert_eq!(history.events[2].scan.id, v3.id);
        assert_eq!(history.events[2].findings[0].package.layer, Some(layer(2)), "v1.2 brought 5.3 back in layer 2");
        assert!(history.events[1].findings.is_empty());
        assert!(history.open, "{query}: v1.2 is the newest image");
        assert_eq!(history.newest_scan.id, v3.id);
        let (fix_scan, fix_finding) = history.fix_first_seen.expect("a fix was known from the first scan");
        assert_eq!(fix_scan.id, v1.id);
        assert_eq!(fix_finding.fixed_versions, ["5.4"]);
        assert!(history.ids.contains("CVE-2020-14343"), "{:?}", history.ids);
        assert!(history.ids.contains("PYSEC-2021-142"), "{:?}", history.ids);
    }

    assert!(vulnerability_history(&line, "CVE-1999-0001").is_none());
}

#[test]
fn history_counts_rematch_of_newest_image() {
    let old = snapshot(&[]);
    let new = pyyaml_snapshot();
    let packages = inventory(vec![pypi("PyYAML", "5.3", 1)]);
    let first = scan("v1.0", "one", &packages, &old, 0);
    let rematch = rematch_scan(&first, &AdvisoryIndex::new(&new), "scantrail test", time(5));
    let scans = [rematch.clone(), first.clone()];
    let line = Line::from_newest_first(&scans);

    let history = vulnerability_history(&line, "CVE-2020-14343").unwrap();
    assert_eq!(history.events.len(), 1);
    assert_eq!(history.events[0].kind, EventKind::Introduced);
    assert_eq!(history.events[0].scan.id, rematch.id, "the re-match found it first");
    assert!(history.open);
}

#[test]
fn blame_names_layer_and_first_version() {
    let advisories = pyyaml_snapshot();
    let ssl_old = deb("libssl3", "3.0.11-1~deb12u2", Some("openssl"), 0);
    let v1 = scan("v1.0", "one", &inventory(vec![ssl_old.clone(), pypi("PyYAML", "5.3", 1)]), &advisories, 0);
    let v2 = scan("v1.1", "two", &inventory(vec![deb("libssl3", "3.0.14-1~deb12u1", Some("openssl"), 2), pypi("PyYAML", "5.3", 1)]), &advisories, 1);
    let v3 = scan("v1.2", "three", &inventory(vec![deb("libssl3", "3.0.11-1~deb12u2", Some("openssl"), 2), pypi("PyYAML", "5.3", 1)]), &advisories, 2);
    let scans = [v3.clone(), v2.clone(), v1.clone()];
    let line = Line::from_newest_first(&scans);

    let by_package = blame(&v3, &line, "libssl3").expect("libssl3 is installed");
    assert_eq!(by_package.subject, BlameSubject::Package);
    assert_eq!(by_package.packages.len(), 1);
    let entry = &by_package.packages[0];
    let (position, record) = entry.layer.expect("the layer is in the scan");
    assert_eq!(position, 2);
    assert_eq!(record.created_by.as_deref(), Some("RUN step 2"));
    assert_eq!(entry.first_with_version.map(|s| &s.id), Some(&v1.id), "v1.0 had 3.0.11-1~deb12u2 first");
    assert_eq!(entry.findings.len(), 1);
    assert_eq!(entry.findings[0].first_seen.map(|s| &s.id), Some(&v1.id));

    let by_id = blame(&v3, &line, "DEBIAN-CVE-2024-5535").expect("the advisory id names the finding");
    assert_eq!(by_id.subject, BlameSubject::Vulnerability);
    assert_eq!(by_id.packages[0].package.name, "libssl3");

    let normalized = blame(&v3, &line, "pyyaml@5.3").expect("PyPI names compare after PEP 503 normalization");
    assert_eq!(normalized.packages[0].package.name, "PyYAML");
    assert_eq!(normalized.packages[0].layer.map(|(i, _)| i), Some(1));

    assert!(blame(&v3, &line, "libssl3@9.9").is_none(), "no such version");
    assert!(blame(&v3, &line, "CVE-1999-0001").is_none());
}

fn sighting(tag: &str, digest: &Digest, minute: i64) -> TagSighting {
    TagSighting { tag: tag.to_string(), digest: digest.clone(), observed_at: time(minute), scan_id: None, source: "scan".to_string() }
}

#[test]
fn reflog_collapses_repeats_and_flags_immutable_moves() {
    let (a, b) = (Digest::sha256_of(b"a"), Digest::sha256_of(b"b"));
    let sightings = vec![
        sighting("v1.0", &a, 0),
        sighting("latest", &a, 1),
        sighting("latest", &a, 2),
        sighting("v1.0", &b, 3),
        sighting("latest", &b, 4),
        sighting("latest", &a, 5),
    ];

    let logs = reflogs(&sightings, |tag| tag.starts_with('v'));
    let tags: Vec<&str> = logs.iter().map(|l| l.tag.as_str()).collect();
    assert_eq!(tags, ["latest", "v1.0"]);

    let latest = &logs[0];
    assert_eq!(latest.observations, 4);
    assert_eq!(latest.moves(), 2, "a to b, then back to a; the repeated a is no move");
    assert_eq!(latest.entries[0].from, None);
    assert_eq!(latest.entries[2].from.as_ref(), Some(&b));
    assert_eq!(latest.current(), &a);
    assert!(!latest.immutable_moved(), "latest is mutable");

    let version = &logs[1];
    assert_eq!(version.moves(), 1);
    assert!(version.immutable_moved());
    assert_eq!(version.entries[1].observed_at, time(3));
}

#[test]
fn rescan_plan_skips_up_to_date_images() {
    let old = snapshot(&[]);
    let new = pyyaml_snapshot();
    let v1 = scan("v1.0", "one", &inventory(vec![pypi("PyYAML", "5.3", 1)]), &old, 0);
    let v2 = scan("v1.1", "two", &inventory(vec![pypi("PyYAML", "5.3", 1)]), &new, 1);
    let v1_again = scan("v1.0", "one", &inventory(vec![pypi("PyYAML", "5.3", 1)]), &old, 2);
    let scans = [v1_again.clone(), v2.clone(), v1.clone()];
    let line = Line::from_newest_first(&scans);

    let plan = plan_rescan(&line, &new.digest);
    assert_eq!(plan.to_rematch.iter().map(|s| &s.id).collect::<Vec<_>>(), [&v1_again.id], "the newest scan of v1.0");
    assert_eq!(plan.up_to_date.iter().map(|s| &s.id).collect::<Vec<_>>(), [&v2.id]);

    let rematch = rematch_scan(plan.to_rematch[0], &AdvisoryIndex::new(&new), "scantrail test", time(3));
    assert_eq!(rematch.kind, ScanKind::Rematch);
    assert_eq!(rematch.rematch_of.as_ref(), Some(&v1_again.id));
    assert_eq!(rematch.advisory_snapshot, new.digest);
    assert_eq!(rematch.inventory, v1.inventory);
    assert_eq!(rematch.manifest_digest, v1.manifest_digest);
    assert_eq!(rematch.tag.as_deref(), Some("v1.0"));
    assert_eq!(rematch.layers, v1.layers);
    assert_eq!(rematch.labels, v1.labels);
    assert_eq!(common::ids(&rematch.findings), ["CVE-2020-14343 PyYAML"]);
    assert_eq!(rematch.id, rematch.compute_id());
}

#[test]
fn impact_lists_images_with_new_findings() {
    let old = snapshot(&[]);
    let new = pyyaml_snapshot();
    let affected = scan("v1.0", "one", &inventory(vec![pypi("PyYAML", "5.3", 1)]), &old, 0);
    let clean = scan("v1.1", "two", &inventory(vec![pypi("PyYAML", "5.4", 1)]), &old, 1);
    let scans = [clean.clone(), affected.clone()];
    let line = Line::from_newest_first(&scans);

    let impact = snapshot_impact(&line, &AdvisoryIndex::new(&old), &AdvisoryIndex::new(&new));
    assert_eq!(impact.len(), 1, "5.4 is not affected");
    assert_eq!(impact[0].scan.id, affected.id);
    assert_eq!(common::ids(&impact[0].added), ["CVE-2020-14343 PyYAML"]);
    assert!(impact[0].removed.is_empty());

    let reverse = snapshot_impact(&line, &AdvisoryIndex::new(&new), &AdvisoryIndex::new(&old));
    assert_eq!(common::ids(&reverse[0].removed), ["CVE-2020-14343 PyYAML"]);
}

/// Returns a record lookup that finds the records of the given snapshots by digest.
fn records_of<'s>(
    snapshots: &'s [&'s scantrail_advisory::Snapshot],
) -> impl FnMut(&Digest) -> Result<Vec<scantrail_advisory::Advisory>, std::convert::Infallible> + 's {
    move |digest| Ok(snapshots.iter().find(|s| &s.digest == digest).map(|s| s.advisories.clone()).unwrap_or_default())
}

#[test]
fn fix_known_from_earlier_scan_snapshot() {
    // The record was last modified after both scans, so its time proves nothing earlier. v1.0
    // lacks PyYAML, but its snapshot already had the fix, so the fix was known at v1.0's scan.
    let advisories = snapshot(&[pypi_record("PYSEC-2021-142", &["CVE-2020-14343"], "PyYAML", "5.4", "2027-01-01T00:00:00Z")]);
    let v1 = scan("v1.0", "one", &inventory(vec![deb("base-files", "12.4", None, 0)]), &advisories, 0);
    let v2 = scan("v1.1", "two", &inventory(vec![pypi("PyYAML", "5.3", 1)]), &advisories, 1);
    let scans = [v2.clone(), v1.clone()];
    let line = Line::from_newest_first(&scans);
    let history = vulnerability_history(&line, "CVE-2020-14343").unwrap();
    assert_eq!(history.fix_first_seen.unwrap().0.id, v2.id, "the first finding is in v1.1");

    let known = fix_known_since(&line, &history, records_of(&[&advisories])).unwrap().expect("the snapshot gives a fix");
    assert_eq!(known.since, v1.scanned_at);
    assert_eq!(known.scan.map(|s| &s.id), Some(&v1.id));
    assert!(!known.from_advisory());
    assert_eq!(known.advisory.as_ref().map(|(id, _)| id.as_str()), Some("PYSEC-2021-142"));
}

#[test]
fn fix_known_from_record_time() {
    let advisories = pyyaml_snapshot();
    let v1 = scan("v1.0", "one", &inventory(vec![pypi("PyYAML", "5.3", 1)]), &advisories, 0);
    let scans = [v1.clone()];
    let line = Line::from_newest_first(&scans);
    let history = vulnerability_history(&line, "CVE-2020-14343").unwrap();

    let known = fix_known_since(&line, &history, records_of(&[&advisories])).unwrap().unwrap();
    assert_eq!(known.since.to_rfc3339(), "2021-02-09T00:00:00+00:00", "modified is before the scan");
    assert!(known.from_advisory());
    assert_eq!(known.scan.map(|s| &s.id), Some(&v1.id));
}

#[test]
fn fix_known_needs_fixed_event() {
    let record = serde_json::json!({
        "id": "PYSEC-2099-1",
        "modified": "2021-01-01T00:00:00Z",
        "affected": [{
            "package": {"ecosystem": "PyPI", "name": "pyyaml"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]
        }]
    });
    let advisories = snapshot(&[record.to_string()]);
    let v1 = scan("v1.0", "one", &inventory(vec![pypi("PyYAML", "5.3", 1)]), &advisories, 0);
    let scans = [v1.clone()];
    let line = Line::from_newest_first(&scans);
    let history = vulnerability_history(&line, "PYSEC-2099-1").expect("an unfixed record still matches");

    assert!(fix_known_since(&line, &history, records_of(&[&advisories])).unwrap().is_none());
}
