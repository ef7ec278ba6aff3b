//! Thin binary: parse the command line, set up logging, dispatch, turn the result into an exit code.

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system's allocator: a year's statement allocates and frees some
/// twenty small values per payment on three threads at once (parsing, deciding, storing), and
/// glibc's malloc and free were a twelfth of the instructions of importing and reconciling it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its v2 header's option 15; the bindings name only some).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    let cli = skarbnik::cli::Cli::parse();
    // The daemon tells what it does; one-shot commands speak only when something is wrong.
    let default_level = match cli.command {
        skarbnik::cli::Command::Run(_) => "info",
        _ => "warn",
    };
    // The daemon idles most of its life, and mimalloc returns what was freed to the system only
    // when it is next called, 10 ms later at the earliest: an idle daemon kept about 2 MB it no
    // longer used. It returns it at once instead (a one-shot command exits soon, and keeps the
    // default).
    if matches!(cli.command, skarbnik::cli::Command::Run(_)) {
        // SAFETY: sets one of mimalloc's options (a plain integer); no memory is touched.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
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
