//! The `goshawk` command line: wires sources, the engine and sinks together. Exit codes: 0 ok,
//! 1 failure, 2 usage error (from clap).

/// `println!` that returns an error instead of panicking when stdout is closed.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

/// mimalloc instead of the system allocator: scanning allocates a few small strings per request
/// (parsed fields, explanations) and glibc's malloc/free took ~27 % of a single-core CSIC scan
/// in `perf`; see BENCHMARKS.md for the before/after figures.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod builtin;
mod cli;
mod cmd;
mod inputs;
mod live_engine;
mod setup;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GOSHAWK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level)),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(err) = cmd::run(cli.command) {
        // A closed pipe (`goshawk scan big.log | head`) is the reader's choice, not a failure.
        if err
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
        {
            return;
        }
        eprintln!("goshawk: error: {err:#}");
        std::process::exit(1);
    }
}
