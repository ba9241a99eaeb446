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

use crate::live_engine::{EngineArgs, EngineKeys, LiveEngine};

/// Listen address when neither `--listen` nor the config file sets one.
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
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
    /// TOML configuration (see docs/serve.md); flags given on the command line win over it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Also feed the server the simulated bank's traffic (customers and attackers).
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Also consume events from Kafka (bootstrap brokers HOST:PORT): they go through the same
    /// pipeline as `/analyze`, and consumer lag and throughput appear in `/metrics`.
    #[cfg(feature = "kafka")]
    #[arg(long, value_name = "BROKERS", requires = "kafka_topics")]
    pub kafka: Option<String>,
    /// Topic to consume with --kafka (repeatable).
    #[cfg(feature = "kafka")]
    #[arg(long = "kafka-topic", value_name = "TOPIC")]
    pub kafka_topics: Vec<String>,
    /// Consumer group of --kafka.
    #[cfg(feature = "kafka")]
    #[arg(long, default_value = "goshawk-serve")]
    pub kafka_group: String,
    /// Dead-letter topic of --kafka (unreadable messages, with the reason).
    #[cfg(feature = "kafka")]
    #[arg(long)]
    pub kafka_dead_letter_topic: Option<String>,
    /// Alerts topic of --kafka.
    #[cfg(feature = "kafka")]
    #[arg(long)]
    pub kafka_alerts_topic: Option<String>,
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
    let (data_dir, engine_files) = args.engine.clone().over(EngineKeys {
        data_dir: file.data_dir.clone(),
        web_model: file.web_model.clone(),
        models: file.models.clone(),
        rules: file.rules.clone(),
        policy: file.policy.clone(),
    });
    let config = server_config(listen, &data_dir, &file)?;

    let started = Instant::now();
    let live = Arc::new(LiveEngine::from_files(&engine_files, &data_dir)?);
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
    #[cfg(feature = "kafka")]
    let kafka = args
        .kafka
        .clone()
        .map(|brokers| crate::cmd::consume::KafkaLoop {
            source: goshawk_kafka::KafkaSourceConfig {
                brokers,
                topics: args.kafka_topics.clone(),
                group: args.kafka_group.clone(),
                properties: Default::default(),
            },
            alerts_topic: args.kafka_alerts_topic.clone(),
            dead_letter_topic: args.kafka_dead_letter_topic.clone(),
            output: None,
            exit_when_idle: None,
            batch: crate::cmd::consume::DEFAULT_BATCH,
            window_replay: crate::cmd::consume::DEFAULT_WINDOW_REPLAY,
        });
    #[cfg(not(feature = "kafka"))]
    let kafka = None;
    runtime.block_on(serve(config, live, args.demo, kafka))
}

#[cfg(not(feature = "kafka"))]
type KafkaLoop = std::convert::Infallible;
#[cfg(feature = "kafka")]
use crate::cmd::consume::KafkaLoop;

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

async fn serve(
    config: ServerConfig,
    live: Arc<LiveEngine>,
    demo: bool,
    kafka: Option<KafkaLoop>,
) -> Result<()> {
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
    #[cfg(feature = "kafka")]
    let consumer = kafka.map(|kafka| {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread = crate::cmd::consume::spawn_in_server(
            kafka,
            server.handle(),
            tokio::runtime::Handle::current(),
            stop.clone(),
        );
        (stop, thread)
    });
    #[cfg(not(feature = "kafka"))]
    let _ = kafka;
    server.run(shutdown_signal()).await?;
    if let Some(task) = demo_task {
        task.abort();
    }
    #[cfg(feature = "kafka")]
    if let Some((stop, thread)) = consumer {
        // Finish the batch in flight, commit it and leave the group.
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        match tokio::task::spawn_blocking(move || thread.join()).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(err))) => eprintln!("goshawk: the Kafka consumer failed: {err:#}"),
            _ => eprintln!("goshawk: the Kafka consumer thread panicked"),
        }
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
