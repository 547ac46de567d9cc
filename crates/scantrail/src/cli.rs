//! Command-line interface definition.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Version control for container image vulnerability scans.
///
/// scantrail scans images against advisory data and keeps every scan in a history store, so that
/// it can show what changed between two versions of an image and gate deployments.
#[derive(Debug, Parser)]
#[command(name = "scantrail", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Output format of the report on stdout (csv: `metrics` only).
    #[arg(long, short = 'f', global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    /// Log more on stderr (-v info, -vv debug, -vvv trace).
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Log only errors on stderr and hide progress bars.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan an image and record the scan in the history store.
    Scan(ScanArgs),
    /// List the scans of an image line, newest first.
    Log(LogArgs),
    /// Show one stored scan.
    Show(ShowArgs),
    /// Compare two scans: findings introduced and fixed with their causes; packages changed.
    Diff(DiffArgs),
    /// Show when a vulnerability entered, left and came back in each image line.
    History(HistoryArgs),
    /// Show the layer, source revision and first image that brought a package or finding.
    Blame(BlameArgs),
    /// List every move of a repository's tags, flagging immutable tags that moved.
    Tags(TagsArgs),
    /// Match stored inventories again against the current advisory snapshot.
    ///
    /// No image is read: each image's newest scan is matched again and recorded as a scan of kind
    /// `rematch`. Images whose newest scan already used the current snapshot are skipped.
    Rescan(RescanArgs),
    /// Fail (exit 1) when a scan has findings at or above a severity.
    Gate(GateArgs),
    /// Manage advisory data.
    #[command(subcommand)]
    Db(DbCommand),
    /// Record what was done about a vulnerability of an image line.
    Remediate(RemediateArgs),
    /// Show time to remediate, open finding ages and SLA breaches of image lines.
    Metrics(MetricsArgs),
    /// Check that no stored scan was changed or removed (exit 1 when one was).
    Verify(VerifyArgs),
    /// Export the history to other systems.
    #[command(subcommand)]
    Export(ExportCommand),
}

#[derive(Debug, Args)]
pub struct ImageArgs {
    /// Platform to pick from a multi-platform image, as os/arch[/variant].
    #[arg(long, default_value = "linux/amd64")]
    pub platform: String,

    /// Repository and tag to record the scan under, as REPOSITORY[:TAG]
    /// (default: the tag or RepoTag in the source, else the source's path).
    #[arg(long, value_name = "REPO:TAG")]
    pub tag: Option<String>,

    /// Scan without writing the scan to the history store.
    #[arg(long)]
    pub no_store: bool,

    /// User name for the registry of a registry image (default: the credentials that
    /// `docker login` stored in $DOCKER_CONFIG/config.json or ~/.docker/config.json).
    #[arg(long, requires = "password_stdin")]
    pub username: Option<String>,

    /// Read the registry password or token for --username from standard input.
    #[arg(long, requires = "username")]
    pub password_stdin: bool,

    /// Reach this registry (HOST or HOST:PORT) over plain HTTP instead of HTTPS; repeatable.
    /// Loopback registries (127.0.0.0/8, ::1, localhost) always use plain HTTP.
    #[arg(long, value_name = "HOST")]
    pub insecure_registry: Vec<String>,

    /// Read every layer from the image source instead of the layer cache in
    /// $SCANTRAIL_HOME/cache/layers, and write no cache entries.
    #[arg(long)]
    pub no_cache: bool,

    /// Fail instead of downloading advisory data when the history store has none yet.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Image source: oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF], a path,
    /// or a registry image as docker://REFERENCE or REGISTRY/REPOSITORY:TAG, NAME@DIGEST, or a
    /// Docker Hub name with a tag such as alpine:3.19.
    pub source: String,

    #[command(flatten)]
    pub image: ImageArgs,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Repository (image line), for example registry.example.com/shop/app.
    pub repository: String,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A scan id (or unique prefix), REPO:TAG, REPO@DIGEST or a manifest digest.
    pub scan: String,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Vulnerability id, alias or advisory id: CVE-…, GHSA-…, PYSEC-…, DEBIAN-CVE-….
    pub vulnerability: String,

    /// Only this repository (image line); default: every repository.
    #[arg(long)]
    pub repository: Option<String>,
}

#[derive(Debug, Args)]
pub struct BlameArgs {
    /// The image: REPO:TAG, a scan id, REPO@DIGEST or a manifest digest.
    pub image: String,
    /// A vulnerability id, alias or advisory id of one of its findings, or a package NAME[@VERSION].
    pub subject: String,
}

#[derive(Debug, Args)]
pub struct TagsArgs {
    /// Repository (image line), for example registry.example.com/shop/app.
    pub repository: String,
    /// Only this tag.
    pub tag: Option<String>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("scope").required(true).args(["repository", "all"])))]
pub struct RescanArgs {
    /// Re-match the images of this repository (image line).
    #[arg(long)]
    pub repository: Option<String>,
    /// Re-match the images of every repository.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Base: a scan id, REPO:TAG, REPO@DIGEST or a manifest digest.
    pub base: String,
    /// Target: a scan id, REPO:TAG, REPO@DIGEST or a manifest digest.
    pub target: String,
}

#[derive(Debug, Args)]
pub struct GateArgs {
    /// An image source to scan now (oci:, oci-archive:, docker-archive:, docker:// or a path),
    /// or a stored scan: scan id, REPO:TAG, REPO@DIGEST or digest.
    pub target: String,

    /// Lowest severity that fails the gate.
    #[arg(long, value_enum)]
    pub fail_on: FailOn,

    /// Leave out findings that have no fixed version.
    #[arg(long)]
    pub ignore_unfixed: bool,

    #[command(flatten)]
    pub image: ImageArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Unknown,
}

#[derive(Debug, Args)]
pub struct RemediateArgs {
    /// Repository (image line), for example registry.example.com/shop/app.
    pub repository: String,

    /// The vulnerability: its id in the line or any alias or advisory id of its findings.
    pub vuln_id: String,

    /// Action taken.
    #[arg(long, value_enum)]
    pub action: RemediationActionArg,

    /// One sentence on what was changed and why.
    #[arg(long)]
    pub note: String,

    /// URL of the ticket or change request.
    #[arg(long, value_name = "URL")]
    pub ticket: Option<String>,

    /// Person or team that remediated it (default: the USER environment variable).
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RemediationActionArg {
    Patched,
    Rebuilt,
    BaseUpgraded,
    Mitigated,
    Accepted,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Repository (image line); all lines when left out.
    pub repository: Option<String>,

    /// Count only findings remediated at or after this time (YYYY-MM-DD or RFC 3339, UTC),
    /// and start the chart there.
    #[arg(long, value_name = "DATE", value_parser = parse_time)]
    pub since: Option<chrono::DateTime<chrono::Utc>>,

    /// Compute the metrics as of this time (YYYY-MM-DD or RFC 3339, UTC): later scans are left
    /// out and ages are measured at it (default: now).
    #[arg(long, value_name = "DATE", value_parser = parse_time)]
    pub as_of: Option<chrono::DateTime<chrono::Utc>>,

    /// Write an SVG chart of the findings per severity in each scan of the line to FILE.
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
}

/// Parses `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time.
fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&chrono::Utc));
    }
    match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(date) => Ok(date.and_time(chrono::NaiveTime::MIN).and_utc()),
        Err(_) => Err(format!("invalid time {text:?}: expected YYYY-MM-DD or an RFC 3339 time such as 2026-01-31T12:00:00Z")),
    }
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Repository (image line) to check; every scan of the store when left out.
    pub repository: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write each scan as a commit of a Git repository: reports per image line, one commit per
    /// scan, committed at the scan time. Running it again adds only the new scans.
    Git(ExportGitArgs),
}

#[derive(Debug, Args)]
pub struct ExportGitArgs {
    /// The Git repository to write to; created when missing or empty.
    pub dir: PathBuf,

    /// Export only this repository (image line).
    #[arg(long)]
    pub repository: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Import advisories from files, folders or zip bundles into a new advisory snapshot: OSV
    /// records, Alpine secdb documents or the Debian security tracker JSON.
    Import(DbImportArgs),
    /// Show the current advisory snapshot: sources, record counts and age.
    Status,
    /// Download the advisory feeds listed in $SCANTRAIL_HOME/config.toml ([[sources]]; osv.dev,
    /// Debian and Alpine feeds by default) and import those that changed into a new snapshot.
    Update,
}

#[derive(Debug, Args)]
pub struct DbImportArgs {
    /// OSV JSON or YAML files, folders of them, or zip bundles such as osv.dev's all.zip.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}
