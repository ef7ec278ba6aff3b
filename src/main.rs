//! Thin binary: parse the command line, set up logging, dispatch, turn the result into an exit code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = skarbnik::cli::Cli::parse();
    // The daemon tells what it does; one-shot commands speak only when something is wrong.
    let default_level = match cli.command {
        skarbnik::cli::Command::Run(_) => "info",
        _ => "warn",
    };
    // `skarbnik invoices | head`: a one-shot command ends quietly when the reader goes away, as
    // Unix tools do (Rust ignores SIGPIPE, and `println!` then panics). The daemon keeps ignoring
    // it: a peer closing a socket must be an error it handles, not its death.
    #[cfg(unix)]
    if !matches!(cli.command, skarbnik::cli::Command::Run(_)) {
        // SAFETY: setting a signal disposition before any thread is started.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SKARBNIK_LOG")
                .unwrap_or_else(|_| default_level.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match skarbnik::cli::run(cli) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => {
            // A closed pipe (`skarbnik invoices | head`) is not a failure.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("skarbnik: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
