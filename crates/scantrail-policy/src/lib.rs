//! Deployment gates: a policy evaluated on one scan, with the findings that violate it.

use scantrail_model::{Finding, FindingStatus, Scan, Severity};
use serde::Serialize;

/// A gate that fails on findings at or above a severity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeverityGate {
    /// The lowest severity that fails the gate.
    pub fail_on: Severity,
    /// Whether findings without a known fixed version are left out.
    pub ignore_unfixed: bool,
}

/// The outcome of a gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Passed,
    Failed,
}

/// A gate's decision and the findings that caused it.
#[derive(Clone, Debug, Serialize)]
pub struct GateOutcome {
    pub decision: Decision,
    pub violations: Vec<Finding>,
    /// Findings at or above the threshold left out because they have no fix.
    pub ignored_unfixed: usize,
}

impl SeverityGate {
    /// Evaluates the gate on `scan`'s findings.
    pub fn evaluate(&self, scan: &Scan) -> GateOutcome {
        let mut violations = Vec::new();
        let mut ignored_unfixed = 0;
        for finding in scan.findings.iter().filter(|f| f.severity >= self.fail_on) {
            if self.ignore_unfixed && finding.status == FindingStatus::Affected {
                ignored_unfixed += 1;
            } else {
                violations.push(finding.clone());
            }
        }
        let decision = if violations.is_empty() { Decision::Passed } else { Decision::Failed };
        GateOutcome { decision, violations, ignored_unfixed }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scantrail_model::{Digest, Ecosystem, Inventory, Package, ScanId, ScanKind};

    fn finding(id: &str, severity: Severity, status: FindingStatus) -> Finding {
        Finding {
            vulnerability_id: id.to_string(),
            aliases: vec![],
            advisory_ids: vec![id.to_string()],
            package: Package {
                ecosystem: Ecosystem::Npm,
                name: "lodash".to_string(),
                version: "4.17.15".to_string(),
                source_name: None,
                source_version: None,
                purl: "pkg:npm/lodash@4.17.15".to_string(),
                path: "/app/node_modules/lodash/package.json".to_string(),
                layer: None,
            },
            fixed_versions: if status == FindingStatus::Fixed { vec!["4.17.21".to_string()] } else { vec![] },
            severity,
            severity_source: None,
            cvss_v3_vector: None,
            severities: Vec::new(),
            status,
            layer: None,
            summary: None,
        }
    }

    fn scan_with(findings: Vec<Finding>) -> Scan {
        let digest = Digest::sha256_of(b"image");
        Scan {
            id: ScanId(String::new()),
            kind: ScanKind::Scan,
            reference: "app:v1".to_string(),
            repository: "app".to_string(),
            tag: Some("v1".to_string()),
            manifest_digest: digest.clone(),
            index_digest: None,
            config_digest: digest.clone(),
            platform: "linux/amd64".to_string(),
            labels: Default::default(),
            layers: vec![],
            created: None,
            inventory: Inventory::default(),
            advisory_snapshot: digest,
            scanner_version: "test".to_string(),
            findings,
            scanned_at: Default::default(),
            rematch_of: None,
        }
    }

    #[test]
    fn gate_fails_at_threshold() {
        let scan = scan_with(vec![finding("CVE-1", Severity::High, FindingStatus::Fixed)]);
        let outcome = SeverityGate { fail_on: Severity::High, ignore_unfixed: false }.evaluate(&scan);
        assert_eq!(outcome.decision, Decision::Failed);
        assert_eq!(outcome.violations.len(), 1);
    }

    #[test]
    fn gate_passes_below_threshold() {
        let scan = scan_with(vec![finding("CVE-1", Severity::High, FindingStatus::Fixed)]);
        let outcome = SeverityGate { fail_on: Severity::Critical, ignore_unfixed: false }.evaluate(&scan);
        assert_eq!(outcome.decision, Decision::Passed);
        assert!(outcome.violations.is_empty());
    }

    #[test]
    fn gate_ignores_unfixed_when_asked() {
        let scan = scan_with(vec![finding("CVE-1", Severity::Critical, FindingStatus::Affected)]);
        let strict = SeverityGate { fail_on: Severity::High, ignore_unfixed: false }.evaluate(&scan);
        let lenient = SeverityGate { fail_on: Severity::High, ignore_unfixed: true }.evaluate(&scan);
        assert_eq!(strict.decision, Decision::Failed);
        assert_eq!(lenient.decision, Decision::Passed);
        assert_eq!(lenient.ignored_unfixed, 1);
    }
}
