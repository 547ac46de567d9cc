//! Location of the history store, and the style of reports.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use scantrail_report::{Format, Style};
use scantrail_store::SqliteStore;

use crate::cli::{Cli, OutputFormat};

/// Returns the directory of the history store: `$SCANTRAIL_HOME`, else `$XDG_DATA_HOME/scantrail`.
pub fn home_dir() -> Result<PathBuf> {
    if let Some(home) = std::env::var_os("SCANTRAIL_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(home));
    }
    match dirs::data_dir() {
        Some(data) => Ok(data.join("scantrail")),
        None => bail!("cannot find a data directory for the history store; set SCANTRAIL_HOME to a directory"),
    }
}

/// Opens (and creates when missing) the embedded history store.
pub fn open_store() -> Result<SqliteStore> {
    let home = home_dir()?;
    SqliteStore::open_in(&home).with_context(|| format!("failed to open the history store in {}", home.display()))
}

/// Returns the report style: the chosen format, with color only when stdout is a terminal and
/// NO_COLOR is unset.
pub fn style(cli: &Cli) -> Style {
    let format = match cli.format {
        OutputFormat::Table => Format::Table,
        OutputFormat::Json => Format::Json,
        // `commands::run` rejects csv for every command but `metrics`, which writes it itself.
        OutputFormat::Csv => Format::Table,
    };
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").map_or(true, |v| v.is_empty());
    Style { format, color }
}

/// Returns whether progress bars may be drawn on stderr.
pub fn show_progress(cli: &Cli) -> bool {
    !cli.quiet && std::io::stderr().is_terminal()
}
