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

/// Keeps freed memory for reuse instead of returning it to the OS. mimalloc purges memory that
/// stayed free for a second (`purge_delay`), and a scan frees each block's records and output
/// while the next block allocates them again: the purged pages came back as fresh transparent
/// huge pages that the kernel zeroes again: ~30,000 page faults in a 1,000,000-line one-core
/// scan (with 8,192-record blocks), 649 without purging, and 0-17 % of its time across six
/// alternated runs (peak RSS 127 MB, 131 MB without purging; BENCHMARKS.md, issue 4).
/// `MIMALLOC_PURGE_DELAY` in the environment still overrides this default.
fn keep_freed_memory() {
    use std::ffi::{c_int, c_long};
    // `mi_option_purge_delay` in mimalloc's `mi_option_t` (the same in its v2 and v3); the
    // `mimalloc` crate does not re-export the option API.
    const MI_OPTION_PURGE_DELAY: c_int = 15;
    extern "C" {
        fn mi_option_set_default(option: c_int, value: c_long);
    }
    // SAFETY: sets one option of the allocator linked into this binary; mimalloc reads options
    // atomically and this runs before any other thread exists.
    unsafe { mi_option_set_default(MI_OPTION_PURGE_DELAY, -1) }
}

mod builtin;
mod cli;
mod cmd;
mod inputs;
mod live_engine;
mod setup;

use clap::Parser;

fn main() {
    keep_freed_memory();
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
