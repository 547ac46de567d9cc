//! One module per subcommand.

mod blame;
mod db;
mod db_update;
mod diff;
mod export;
mod gate;
mod history;
mod log;
mod metrics;
mod remediate;
mod rescan;
mod scan;
mod show;
mod tags;
mod verify;

use anyhow::Result;

use crate::cli::{Cli, Command, DbCommand, ExportCommand, OutputFormat};
use crate::Outcome;

/// Runs the command chosen on the command line.
pub fn run(cli: &Cli) -> Result<Outcome> {
    if cli.format == OutputFormat::Csv && !matches!(cli.command, Command::Metrics(_)) {
        anyhow::bail!("--format csv is supported only by `scantrail metrics`; use --format table or --format json");
    }
    match &cli.command {
        Command::Scan(args) => scan::run(cli, args),
        Command::Log(args) => log::run(cli, args),
        Command::Show(args) => show::run(cli, args),
        Command::Diff(args) => diff::run(cli, args),
        Command::History(args) => history::run(cli, args),
        Command::Blame(args) => blame::run(cli, args),
        Command::Tags(args) => tags::run(cli, args),
        Command::Rescan(args) => rescan::run(cli, args),
        Command::Gate(args) => gate::run(cli, args),
        Command::Remediate(args) => remediate::run(cli, args),
        Command::Metrics(args) => metrics::run(cli, args),
        Command::Verify(args) => verify::run(cli, args),
        Command::Export(ExportCommand::Git(args)) => export::git(cli, args),
        Command::Db(DbCommand::Import(args)) => db::import(cli, args),
        Command::Db(DbCommand::Status) => db::status(cli),
        Command::Db(DbCommand::Update) => db_update::run(cli),
    }
}

/// Writes a report to stdout. A closed pipe (`scantrail log app | head`) is not an error.
pub fn print_report(text: &str) -> Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
