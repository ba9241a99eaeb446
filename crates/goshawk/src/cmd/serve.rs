//! `goshawk serve`: the REST API, the live dashboard and the alert store over the detection
//! engine, with the built-in models and rule packs unless told otherwise. `--demo` also runs
//! the bank traffic simulator in-process, so a new user sees live detection within seconds.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use goshawk_server::goshawk_store::Retention;
use goshawk_server::{Server, ServerConfig, ServerHandle};
use goshawk_sim::bank::{BankParams, BankSimulator};

use crate::cli::DecisionArgs;
use crate::live_engine::LiveEngine;
use crate::setup::Models;

/// Listen address when neither `--listen` nor the config file sets one.
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Data directory when neither `--data-dir` nor the config file sets one.
const DEFAULT_DATA_DIR: &str = "goshawk-data";
/// Threads of the blocking pool (see `run`).
const BLOCKING_THREADS: usize = 8;
/// The demo's traffic, in events per second of real time.
const DEMO_RATE: f64 = 40.0;
/// The demo's share of attack events: high enough that a first look shows every attack kind.
const DEMO_ATTACK_RATIO: f64 = 0.15;
/// The demo's traffic is the same at every start (this seed).
const DEMO_SEED: u64 = 7;
/// The demo's first attack campaign starts this long after the start (simulated ms), so the
/// dashboard shows detection at once; later campaigns come at random.
const DEMO_FIRST_ATTACK_MS: f64 = 1_000.0;
/// The demo posts what is due this often.
const DEMO_TICK: Duration = Duration::from_millis(100);

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080, or the config file's `listen`].
    #[arg(long)]
    pub listen: Option<String>,
    /// Directory of the alert store (`alerts.db`) and of models trained through the API
    /// (`models/<kind>.gsk`, loaded at start) [default: ./goshawk-data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// TOML configuration (see docs/serve.md); flags given on the command line win over it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Also feed the server the simulated bank's traffic (customers and attackers).
    #[arg(long)]
    pub demo: bool,
    /// Web model file (the built-in model when absent).
    #[arg(long)]
    pub web_model: Option<PathBuf>,
    /// Anomaly model files (sessions, IoT, Zeek; repeatable). Models trained through the API
    /// and saved in the data directory replace these at start.
    #[arg(long = "model", value_name = "FILE")]
    pub models: Vec<PathBuf>,
    #[command(flatten)]
    pub decision: DecisionArgs,
}

/// The configuration file. Every key is optional; unknown keys are an error (a typo must not
/// silently leave a limit at its default).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServeConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    /// Bearer token of the training and admin routes (`GOSHAWK_API_TOKEN` wins over it).
    api_token: Option<String>,
    web_model: Option<PathBuf>,
    #[serde(default)]
    models: Vec<PathBuf>,
    #[serde(default)]
    rules: Vec<String>,
    policy: Option<PathBuf>,
    max_body_bytes: Option<usize>,
    max_batch: Option<usize>,
    /// Alerts and counters older than this many days are deleted (0 = never).
    retention_days: Option<u64>,
    /// At most this many alerts are kept (0 = no limit).
    retention_alerts: Option<u64>,
    /// Also append every alert to `<data_dir>/alerts.jsonl`.
    #[serde(default)]
    jsonl_alerts: bool,
    /// Directories `POST /train/{kind}/dataset` may read from (default: the data directory).
    #[serde(default)]
    dataset_dirs: Vec<PathBuf>,
}

impl ServeConfig {
    fn load(path: &Path) -> Result<ServeConfig> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("{}: invalid configuration", path.display()))
    }
}

pub fn run(args: ServeArgs) -> Result<()> {
    let file = match &args.config {
        Some(path) => ServeConfig::load(path)?,
        None => ServeConfig::default(),
    };
    let listen_text = args
        .listen
        .clone()
        .or(file.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
    let listen: SocketAddr = listen_text.parse().with_context(|| {
        format!("--listen {listen_text}: expected HOST:PORT, e.g. 127.0.0.1:8080")
    })?;
    let data_dir = args
        .data_dir
        .clone()
        .or(file.data_dir.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    let config = server_config(listen, &data_dir, &file)?;

    let started = Instant::now();
    let live = Arc::new(build_engine(&args, &file, &data_dir)?);
    eprintln!(
        "goshawk: models and rules ready in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    if config.api_token.is_none() {
        eprintln!(
            "goshawk: no API token (GOSHAWK_API_TOKEN or `api_token` in --config): training routes are disabled"
        );
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Analysis of large batches, store writes and training run on the blocking pool. Its
        // default of 512 threads let 32 connections of 100-event batches start ~50 threads,
        // and RSS grew to 700 MB in 12 s of load; more threads than this cannot run at once
        // on the cores anyway.
        .max_blocking_threads(BLOCKING_THREADS)
        .thread_keep_alive(Duration::from_secs(60))
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(config, live, args.demo))
}

fn server_config(listen: SocketAddr, data_dir: &Path, file: &ServeConfig) -> Result<ServerConfig> {
    let mut config = ServerConfig::new(listen, data_dir);
    config.api_token = file.api_token.clone().filter(|t| !t.trim().is_empty());
    config = config.token_from_env();
    if let Some(bytes) = file.max_body_bytes {
        if bytes == 0 {
            bail!("max_body_bytes must be at least 1");
        }
        config.max_body_bytes = bytes;
    }
    if let Some(max) = file.max_batch {
        if max == 0 {
            bail!("max_batch must be at least 1");
        }
        config.max_batch = max;
    }
    config.retention = Retention {
        max_age: match file.retention_days {
            Some(0) => None,
            Some(days) => Some(Duration::from_secs(days * 24 * 3600)),
            None => Retention::default().max_age,
        },
        max_rows: match file.retention_alerts {
            Some(0) => None,
            Some(rows) => Some(rows),
            None => Retention::default().max_rows,
        },
    };
    config.jsonl_alerts = file.jsonl_alerts;
    if !file.dataset_dirs.is_empty() {
        config.dataset_dirs = file.dataset_dirs.clone();
    }
    Ok(config)
}

/// The engine of the flags and the config file (flags win), with the models saved in the data
/// directory by earlier training.
fn build_engine(args: &ServeArgs, file: &ServeConfig, data_dir: &Path) -> Result<LiveEngine> {
    let decision = DecisionArgs {
        rules: if args.decision.rules.is_empty() {
            file.rules.clone()
        } else {
            args.decision.rules.clone()
        },
        policy: args.decision.policy.clone().or(file.policy.clone()),
    };
    let web_path = args.web_model.clone().or(file.web_model.clone());
    let (web, web_source) = match &web_path {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let model = goshawk_web::WebModel::from_bytes(&bytes)
                .with_context(|| format!("loading {}", path.display()))?;
            (model, (bytes, path.display().to_string()))
        }
        None => (
            crate::builtin::web_model()?,
            (crate::builtin::WEB_MODEL.to_vec(), "builtin".to_string()),
        ),
    };
    let model_paths = if args.models.is_empty() {
        &file.models
    } else {
        &args.models
    };
    let anomaly = model_paths
        .iter()
        .map(|path| crate::cmd::anomaly::load_model(path))
        .collect::<Result<Vec<_>>>()?;
    let engine = crate::setup::engine(
        Models {
            web: Some(web),
            anomaly,
        },
        &decision,
    )?;
    let live = LiveEngine::new(
        engine,
        Some((&web_source.0, web_source.1)),
        data_dir.join("models"),
    );
    let saved = live.load_saved_models()?;
    if saved > 0 {
        eprintln!(
            "goshawk: loaded {saved} trained model(s) from {}",
            data_dir.join("models").display()
        );
    }
    Ok(live)
}

async fn serve(config: ServerConfig, live: Arc<LiveEngine>, demo: bool) -> Result<()> {
    let data_dir = config.data_dir.clone();
    let server = Server::bind(config, live).await?;
    let addr = server.local_addr()?;
    eprintln!(
        "goshawk: serving http://{addr}/ (dashboard), API under http://{addr}/ (OpenAPI: /openapi.json); data in {}",
        data_dir.display()
    );
    let demo_task = demo.then(|| {
        eprintln!(
            "goshawk: demo traffic: the simulated bank at {DEMO_RATE} events/s, {:.0}% attacks",
            DEMO_ATTACK_RATIO * 100.0
        );
        tokio::spawn(run_demo(server.handle()))
    });
    server.run(shutdown_signal()).await?;
    if let Some(task) = demo_task {
        task.abort();
    }
    eprintln!("goshawk: stopped");
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    eprintln!("goshawk: shutting down (finishing requests in flight)");
}

/// Feeds the simulated bank's traffic to the server at [`DEMO_RATE`], in real time (event
/// timestamps follow the wall clock).
async fn run_demo(handle: ServerHandle) {
    let params = BankParams {
        seed: DEMO_SEED,
        attack_ratio: DEMO_ATTACK_RATIO,
        start_time_ms: goshawk_server::goshawk_store::now_ms(),
        events_per_second: DEMO_RATE,
        first_campaign_after_ms: Some(DEMO_FIRST_ATTACK_MS),
        ..BankParams::default()
    };
    let mut simulator = match BankSimulator::new(params) {
        Ok(simulator) => simulator,
        Err(err) => {
            tracing::error!("demo traffic cannot start: {err}");
            return;
        }
    };
    let started = Instant::now();
    let mut sent: u64 = 0;
    let mut failures: u64 = 0;
    let mut ticker = tokio::time::interval(DEMO_TICK);
    loop {
        ticker.tick().await;
        let due = (started.elapsed().as_secs_f64() * DEMO_RATE) as u64;
        let batch: Vec<_> = simulator
            .by_ref()
            .take(due.saturating_sub(sent) as usize)
            .map(|event| event.to_event())
            .collect();
        if batch.is_empty() {
            continue;
        }
        sent += batch.len() as u64;
        if let Err(err) = handle.analyze(batch).await {
            failures += 1;
            // Said once, then counted: the demo must not flood the terminal.
            if failures == 1 {
                tracing::warn!("demo traffic: a batch was refused: {err:?}");
            }
        }
    }
}
