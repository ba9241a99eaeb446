//! Command-line definitions. Each subcommand's doc comment is its `--help`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// goshawk: a security detection engine. It reads HTTP requests and network/device telemetry,
/// and says for every event whether it is an attack, how sure it is, and why.
#[derive(Debug, Parser)]
#[command(name = "goshawk", version, propagate_version = true)]
pub struct Cli {
    /// More log output (repeat for more); logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Score every request in one or more inputs; JSON Lines to stdout, one object per request.
    Scan(ScanArgs),
    /// Classify one payload, URL or request and explain why.
    Check(CheckArgs),
    /// Train a model.
    #[command(subcommand)]
    Train(TrainCommand),
    /// Measure a model on labelled data: precision, recall, F1, ROC-AUC, PR-AUC, FPR.
    Evaluate(EvaluateArgs),
    /// Write synthetic labelled traffic.
    #[command(subcommand)]
    Generate(GenerateCommand),
    /// Inspect a model file: kind, schema, training summary, checksum status.
    Model(ModelArgs),
}

/// Input formats for HTTP requests.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// CSIC 2010 raw HTTP requests (multi-line, CRLF, Latin-1).
    Csic,
    /// Apache/nginx combined or common access log (also wrapped in an extra pair of quotes).
    Combined,
    /// One request line, URL or payload per line.
    Lines,
    /// JSON Lines objects {"method","url","headers","body"}.
    Jsonl,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Model file; the built-in web model when absent.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Input format; detected from the content when absent.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Input files (`.gz` read transparently, `-` for stdin).
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Model file; the built-in web model when absent.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Print the same JSON object `scan` would.
    #[arg(long)]
    pub json: bool,
    /// A payload (`admin' OR '1'='1`), a URL or path (`/search?q=x`), or a request line
    /// (`GET /x HTTP/1.1`). A bare payload is checked as the value of a query parameter.
    pub text: String,
}

#[derive(Debug, Subcommand)]
pub enum TrainCommand {
    /// Train a web-attack model on labelled requests (or normal traffic only, with --one-class).
    Web(TrainWebArgs),
}

/// Labelled HTTP data, shared by `train web` and `evaluate`.
#[derive(Debug, Args, Clone, Default)]
pub struct LabelledHttpArgs {
    /// Files whose every request is normal (any request format, or a payload list).
    #[arg(long)]
    pub normal: Vec<String>,
    /// Files whose every request is an attack (any request format, or a payload list).
    #[arg(long)]
    pub attack: Vec<String>,
    /// CSV or JSON Lines with a payload/request/url column and a label column (and optionally
    /// attack_type).
    #[arg(long)]
    pub labeled: Vec<String>,
    /// Format of the --normal/--attack files; detected from the content when absent.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
}

#[derive(Debug, Args)]
pub struct TrainWebArgs {
    /// Where to write the model file.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub data: LabelledHttpArgs,
    /// Train on normal traffic only (attack examples, if given, are ignored).
    #[arg(long)]
    pub one_class: bool,
    /// Random seed (splits, shuffling).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Hashed feature space is 2^BITS buckets.
    #[arg(long, default_value_t = 18)]
    pub hash_bits: u32,
    /// Leave out the novelty features (tokens never seen in the normal training traffic). Use
    /// it for a broad model meant for many applications; keep them for a model of one app.
    #[arg(long)]
    pub no_novelty: bool,
    /// Training passes over the data.
    #[arg(long, default_value_t = 8)]
    pub epochs: usize,
    /// Highest false-positive rate the decision threshold may have on the held-out calibration
    /// slice of the training data (the threshold is the best-F1 one under this bound).
    #[arg(long, default_value_t = 0.005)]
    pub target_fpr: f64,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Model file; the built-in web model when absent.
    #[arg(long)]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub data: LabelledHttpArgs,
    /// Write a self-contained HTML report (ROC and PR curves, score histograms).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Also print the metrics as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    /// Synthetic web traffic: normal requests and OWASP Top-10 attacks, labelled, as CSV.
    Web(GenerateWebArgs),
}

#[derive(Debug, Args)]
pub struct GenerateWebArgs {
    /// Number of rows.
    #[arg(long, default_value_t = 10_000)]
    pub rows: usize,
    /// Random seed; the same seed writes the same file.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Share of attack rows.
    #[arg(long, default_value_t = 0.3)]
    pub attack_ratio: f64,
    /// Output CSV (columns method,url,body,label,attack_type,payload); `-` for stdout.
    #[arg(long, default_value = "-")]
    pub out: String,
}

#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Model file (`builtin` for the built-in web model).
    pub path: String,
}
