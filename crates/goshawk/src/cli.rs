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
    /// Score every record in one or more inputs (HTTP requests with a web model; sessions, IoT or
    /// Zeek records with an anomaly model); JSON Lines to stdout, one object per record.
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
    /// Normalise a sessions, IoT or Zeek log (CSV, JSON Lines, Zeek TSV, Parquet) into a typed
    /// table in Parquet, JSON Lines or CSV. Bad records are set aside and counted.
    Convert(ConvertArgs),
    /// The one-shot pipeline: (train →) score → an alerts CSV with the alerting records and their
    /// scores.
    Run(RunArgs),
    /// Sigma rules: validate them, test them on an input, print the STRIDE x ATT&CK matrix.
    #[command(subcommand)]
    Rules(crate::cmd::rules::RulesCommand),
    /// Run the REST API and live dashboard (`--demo` feeds it simulated bank traffic).
    Serve(crate::cmd::serve::ServeArgs),
    /// Generate the simulated bank's traffic (customers and attackers) to a file, stdout or a
    /// server, with its ground truth.
    Simulate(crate::cmd::simulate::SimulateArgs),
    /// Consume events from Kafka as a consumer-group member: verdicts to a file, alerts to the
    /// store and a topic, unreadable records to a dead-letter topic (needs the `kafka` feature).
    #[cfg(feature = "kafka")]
    Consume(crate::cmd::consume::ConsumeArgs),
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
    /// Also write the events whose action is alert or block to FILE: JSON Lines (the same
    /// objects as stdout), or CSV when FILE ends in `.csv`.
    #[arg(long, value_name = "FILE")]
    pub alerts: Option<PathBuf>,
    #[command(flatten)]
    pub decision: DecisionArgs,
}

/// How findings become a verdict: which rules apply, and the decision policy.
#[derive(Debug, Clone, Args)]
pub struct DecisionArgs {
    /// A directory of Sigma rules (repeatable). When given, exactly these rules apply; `builtin`
    /// names the shipped packs (`rules/` in the repository), which apply when no `--rules` is
    /// given. `--rules none` turns rules off.
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<String>,
    /// Decision policy (TOML: score bands, rule level weights and floors); the documented
    /// defaults when absent (see docs/policy.md).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Model file; the built-in web model when absent.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Print the same JSON object `scan` would.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub decision: DecisionArgs,
    /// A payload (`admin' OR '1'='1`), a URL or path (`/search?q=x`), or a request line
    /// (`GET /x HTTP/1.1`). A bare payload is checked as the value of a query parameter.
    pub text: String,
}

#[derive(Debug, Subcommand)]
pub enum TrainCommand {
    /// Train a web-attack model on labelled requests (or normal traffic only, with --one-class).
    Web(TrainWebArgs),
    /// Train an anomaly model on network sessions (intrusion-sessions columns).
    Sessions(TrainTableArgs),
    /// Train an anomaly model on IoT telemetry.
    Iot(TrainTableArgs),
    /// Train an anomaly model on Zeek conn logs (TSV, JSON, labelled variants, Parquet).
    Zeek(TrainTableArgs),
}

/// Anomaly algorithms (`auto` trains every candidate that applies and keeps the best F1 on the
/// calibration slice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgorithmArg {
    Auto,
    Iforest,
    Lof,
    Ocsvm,
    Supervised,
}

/// Rows the unsupervised models are fitted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FitOnArg {
    /// Every training row.
    All,
    /// Rows labelled normal only (one-class fitting).
    Normal,
}

/// Kinds of tabular records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Sessions,
    Iot,
    Zeek,
}

/// Table formats written by `convert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormatArg {
    Parquet,
    Jsonl,
    Csv,
}

/// How an anomaly model is trained (shared by `train sessions|iot|zeek` and `run --train`).
#[derive(Debug, Args, Clone)]
pub struct AnomalyTrainingArgs {
    /// Algorithm; `auto` compares the candidates on the labelled calibration slice.
    #[arg(long, value_enum, default_value_t = AlgorithmArg::Auto)]
    pub algorithm: AlgorithmArg,
    /// Fit the unsupervised models on all training rows, or on rows labelled normal only.
    #[arg(long, value_enum, default_value_t = FitOnArg::All)]
    pub fit_on: FitOnArg,
    /// Label column (default: attack_detected for sessions, label for IoT and Zeek). Labels are
    /// never features: they train the supervised model, calibrate thresholds and feed reports.
    #[arg(long)]
    pub label_column: Option<String>,
    /// Share of the labelled rows held out to place the threshold at the best F1 (default 0.2
    /// when the data has attack labels, else none).
    #[arg(long)]
    pub calibrate_fraction: Option<f64>,
    /// Random seed (split, sampling, trees).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct TrainTableArgs {
    /// Where to write the model file.
    #[arg(long)]
    pub out: PathBuf,
    /// Training files (CSV, JSON Lines, Zeek TSV, Parquet; `.gz` read transparently).
    #[arg(long, required = true, num_args = 1..)]
    pub input: Vec<String>,
    #[command(flatten)]
    pub training: AnomalyTrainingArgs,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Input file (`-` for stdin; gzip read transparently).
    pub input: String,
    /// Output format.
    #[arg(long, value_enum)]
    pub to: TableFormatArg,
    /// Output file (`-` for stdout, not for Parquet).
    #[arg(long)]
    pub out: PathBuf,
    /// Kind of records; detected from the header when absent.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// Label column to carry over (default: attack_detected for sessions, label otherwise).
    #[arg(long)]
    pub label_column: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Anomaly model file (written first with --train).
    #[arg(long)]
    pub model: PathBuf,
    /// Input files.
    #[arg(long, required = true, num_args = 1..)]
    pub input: Vec<String>,
    /// Alerts CSV to write: index, score, explanation and the record of every alerting row.
    #[arg(long)]
    pub alerts: PathBuf,
    /// Train the model on the input first (and write it to --model).
    #[arg(long)]
    pub train: bool,
    /// Kind of records for --train; detected from the input when absent.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    #[command(flatten)]
    pub training: AnomalyTrainingArgs,
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
    /// Labelled sessions, IoT or Zeek files (for an anomaly model).
    #[arg(long, num_args = 1..)]
    pub input: Vec<String>,
    /// Label column of the --input files (default: attack_detected for sessions, label otherwise).
    #[arg(long)]
    pub label_column: Option<String>,
    /// Anomaly models: also fit these algorithms (iforest, lof, ocsvm; supervised needs
    /// --compare-train) on the model's features and show them side by side.
    #[arg(long, value_delimiter = ',')]
    pub compare: Vec<String>,
    /// Fit the --compare models on these files (trained and calibrated as `train` would, with the
    /// model's --fit-on) instead of label-blind on the evaluation data.
    #[arg(long, num_args = 1..)]
    pub compare_train: Vec<String>,
    /// Ground truth of a simulated run (`simulate --truth`: `{"id","label","attack_type"}` per
    /// line); with --verdicts, measures the whole running system.
    #[arg(long, requires = "verdicts")]
    pub truth: Option<PathBuf>,
    /// Verdicts of that run, JSON Lines with `"id"` and `"is_threat"` (or `"action"`) and
    /// `"score"`: `consume --output`, `scan` output with ids, or any producer of that shape.
    #[arg(long, requires = "truth")]
    pub verdicts: Option<PathBuf>,
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
