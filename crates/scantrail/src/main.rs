//! The `scantrail` command: parses arguments, runs a command, prints its report on stdout.
//!
//! Exit status: 0 when the command succeeded (and a gate passed), 1 when a gate failed, 2 on any
//! error. Errors and logs go to stderr with their whole chain of causes.

mod cli;
mod commands;
mod config;
mod context;
mod download;
mod progress;
mod resolve;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;

/// The result of a command that ran: success, or a policy (gate) that failed.
pub enum Outcome {
    Success,
    PolicyFailed,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);

    match commands::run(&cli) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::PolicyFailed) => ExitCode::from(1),
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: {}", error_chain(&error));
            ExitCode::from(2)
        }
    }
}

/// Joins an error and its causes with `: `, leaving out a cause whose text the message before
/// it already contains: library errors often quote their source in their own message.
fn error_chain(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let message = cause.to_string();
        if text.contains(&message) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&message);
    }
    text
}

/// Sends logs to stderr: warnings by default, more with `-v`, `SCANTRAIL_LOG` as a filter.
fn init_logging(cli: &Cli) {
    let level = if cli.quiet {
        "error"
    } else {
        match cli.verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SCANTRAIL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .without_time()
        .init();
}

#[cfg(test)]
mod tests {
    use super::error_chain;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot open history store /x: {source}")]
    struct Quoting {
        source: std::io::Error,
    }

    #[test]
    fn error_chain_skips_quoted_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::AlreadyExists, "File exists (os error 17)");
        let error = anyhow::Error::new(Quoting { source: io }).context("failed to open the history store in /x");
        assert_eq!(
            error_chain(&error),
            "failed to open the history store in /x: cannot open history store /x: File exists (os error 17)"
        );
    }

    #[test]
    fn error_chain_keeps_distinct_causes() {
        let error = anyhow::anyhow!("unexpected end of gzip stream").context("failed to read layer 2").context("failed to read image app:v1");
        assert_eq!(error_chain(&error), "failed to read image app:v1: failed to read layer 2: unexpected end of gzip stream");
    }
}
