//! `scantrail scan`: read an image, find its packages, match them, record the scan.

use std::io::Read as _;
use std::path::Path;

use anyhow::{anyhow, bail, Context as _, Result};
use chrono::Utc;
use scantrail_advisory::{Advisory, Snapshot};
use scantrail_image::{Credentials, ImageSource, LayerCache, Limits, Platform, ReadOptions, RegistryOptions};
use scantrail_model::{RepositoryTag, Scan, ScanId, ScanKind};
use scantrail_report::{render_scan, ScanReport};
use scantrail_store::HistoryStore;

use crate::cli::{Cli, ImageArgs, ScanArgs};
use crate::commands::print_report;
use crate::config::Config;
use crate::context;
use crate::progress::LayerProgress;
use crate::Outcome;

pub fn run(cli: &Cli, args: &ScanArgs) -> Result<Outcome> {
    let mut store = context::open_store()?;
    let scan = scan_source(cli, &mut store, &args.source, &args.image)?;
    print_report(&render_scan(&ScanReport { scan: &scan, stored: !args.image.no_store }, context::style(cli)))?;
    Ok(Outcome::Success)
}

/// Scans `source` against the current advisory snapshot and records the scan unless `--no-store`.
pub fn scan_source(cli: &Cli, store: &mut dyn HistoryStore, source: &str, image_args: &ImageArgs) -> Result<Scan> {
    let source = ImageSource::parse(source)?;
    let platform: Platform = image_args.platform.parse().map_err(|e| anyhow!("invalid --platform: {e}"))?;
    let record_as = image_args.tag.as_deref().map(RepositoryTag::parse).transpose().context("invalid --tag")?;
    if let Some(reference) = &record_as {
        reference.validate_repository().context("invalid --tag")?;
    }
    if !image_args.offline && store.current_snapshot()?.is_none() {
        fetch_advisories_on_first_use()?;
    }
    let snapshot = load_current_snapshot(store)?;

    let registry = registry_options(image_args)?;
    let cache = layer_cache(image_args)?;

    let progress = LayerProgress::new(context::show_progress(cli));
    let capture = |path: &str| scantrail_inventory::wants(path);
    let options = ReadOptions {
        platform,
        capture: &capture,
        capture_by_content: &scantrail_inventory::wants_content,
        limits: Limits::default(),
        progress: &progress,
        registry: &registry,
        cache: cache.as_ref(),
    };
    let image = scantrail_image::read_image(&source, &options);
    progress.finish();
    let image = image.with_context(|| format!("failed to read image {source}"))?;
    if cache.is_some() {
        let total = image.stats.layers_from_cache + image.stats.layers_read;
        tracing::info!("{} of {total} layers from cache", image.stats.layers_from_cache);
    }

    let inventory = scantrail_inventory::catalog(&image.files).with_context(|| format!("failed to list the packages of image {source}"))?;
    if inventory.os.is_none() && inventory.packages.iter().any(|p| p.ecosystem.is_distribution()) {
        tracing::warn!(
            "image {source} has distribution packages but no readable os-release, so they are not matched against any distribution's advisories; check /etc/os-release in the image"
        );
    }
    let findings = scantrail_matcher::match_inventory(&inventory, &snapshot);
    let (repository, tag) = repository_and_tag(&source, image.ref_name.as_deref(), record_as)?;

    let mut scan = Scan {
        id: ScanId(String::new()),
        kind: ScanKind::Scan,
        reference: source.to_string(),
        repository,
        tag,
        manifest_digest: image.manifest_digest,
        index_digest: image.index_digest,
        config_digest: image.config_digest,
        platform: image.platform.to_string(),
        labels: image.labels,
        layers: image.layers,
        created: image.created,
        inventory,
        advisory_snapshot: snapshot.digest.clone(),
        scanner_version: scanner_version(),
        findings,
        scanned_at: Utc::now(),
        rematch_of: None,
    };
    scan.id = scan.compute_id();

    if !image_args.no_store {
        store.record_scan(&scan).with_context(|| format!("failed to record the scan of {source} in the history store"))?;
        tracing::info!(scan = %scan.id.short(), repository = %scan.repository, "recorded scan");
        crate::commands::tags::note_mutable_tag(cli, &scan);
    }
    Ok(scan)
}

/// Builds the registry options from `--username`, `--password-stdin` and `--insecure-registry`.
fn registry_options(image_args: &ImageArgs) -> Result<RegistryOptions> {
    let credentials = match &image_args.username {
        Some(username) if image_args.password_stdin => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password).context("failed to read the registry password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            if password.is_empty() {
                bail!("--password-stdin read an empty password; pipe the password or token into scantrail");
            }
            Some(Credentials { username: username.clone(), password })
        }
        _ => None,
    };
    Ok(RegistryOptions { credentials, insecure_registries: image_args.insecure_registry.clone(), ..RegistryOptions::new() })
}

/// Returns the layer cache in `$SCANTRAIL_HOME/cache/layers`, or `None` with `--no-cache`.
fn layer_cache(image_args: &ImageArgs) -> Result<Option<LayerCache>> {
    if image_args.no_cache {
        return Ok(None);
    }
    let dir = context::home_dir()?.join("cache").join("layers");
    // The scanner version is part of the key too, so a new release never reuses captures made
    // by an older one even when the capture rules' version was not changed.
    let rules = format!("{}+capture-rules-{}", scanner_version(), scantrail_inventory::CAPTURE_RULES_VERSION);
    Ok(Some(LayerCache::new(dir, rules)))
}

/// `scantrail <version>`, recorded with every scan.
pub fn scanner_version() -> String {
    format!("scantrail {}", env!("CARGO_PKG_VERSION"))
}

/// Downloads the configured advisory feeds (as `db update` does) into a store that has no
/// advisory data yet, so that a first scan works without a separate set-up step.
fn fetch_advisories_on_first_use() -> Result<()> {
    let home = context::home_dir()?;
    let config = Config::load(&home)?;
    eprintln!(
        "note: the history store has no advisory data yet; downloading {} advisory feed(s) as `scantrail db update` does (use `scantrail db import PATH` offline)",
        config.sources.len()
    );
    crate::commands::db_update::update_feeds(&home, &config)
        .context("failed to download advisory data on first use; run `scantrail db import PATH...` with local OSV files, or pass --offline")?;
    Ok(())
}

/// Loads the current advisory snapshot from the store and checks it against its digest.
pub fn load_current_snapshot(store: &dyn HistoryStore) -> Result<Snapshot> {
    let Some(info) = store.current_snapshot()? else {
        bail!("no advisory data in the history store; run `scantrail db update` or import OSV records with `scantrail db import PATH...`");
    };
    load_snapshot(store, &info.digest)
}

/// Loads a stored advisory snapshot and checks that its records still hash to its digest.
pub fn load_snapshot(store: &dyn HistoryStore, digest: &scantrail_model::Digest) -> Result<Snapshot> {
    let records = store.snapshot_records(digest)?;
    let mut advisories = Vec::with_capacity(records.len());
    for json in records {
        let advisory: Advisory = serde_json::from_slice(&json)
            .with_context(|| format!("advisory snapshot {digest} in the history store holds an unreadable record; run `scantrail db import` again"))?;
        advisories.push(advisory);
    }
    let snapshot = Snapshot::new(advisories);
    if &snapshot.digest != digest {
        bail!(
            "advisory snapshot {digest} in the history store does not match its digest (records hash to {}); the store was changed outside scantrail, import the advisories again",
            snapshot.digest
        );
    }
    Ok(snapshot)
}

/// Chooses the repository and tag a scan is recorded under: `--tag` when given, else the tag
/// or RepoTag found in the source, else the source's path as the repository.
fn repository_and_tag(source: &ImageSource, ref_name: Option<&str>, record_as: Option<RepositoryTag>) -> Result<(String, Option<String>)> {
    if let Some(reference) = record_as {
        return Ok((reference.repository, reference.tag));
    }
    let path_repository = |path: &Path| {
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        absolute.display().to_string()
    };
    match source {
        // The reference's tag is recorded, so the history shows which digest the tag pointed to
        // at scan time. A reference by digest alone records no tag.
        ImageSource::Registry(reference) => Ok((reference.name(), reference.tag.clone())),
        ImageSource::DockerArchive { path, .. } => match ref_name.map(RepositoryTag::parse) {
            Some(Ok(reference)) => Ok((reference.repository, reference.tag)),
            _ => Ok((path_repository(path), None)),
        },
        ImageSource::OciLayout { path, .. } | ImageSource::OciArchive { path, .. } => match ref_name {
            // A ref name may be a bare tag (`v1.0`, as umoci and skopeo write) or a whole
            // reference (`docker.io/library/alpine:3.19`, as some tools write).
            Some(name) if name.contains('/') => {
                let reference = RepositoryTag::parse(name)?;
                Ok((reference.repository, reference.tag))
            }
            Some(tag) => Ok((path_repository(path), Some(tag.to_string()))),
            None => Ok((path_repository(path), None)),
        },
    }
}
