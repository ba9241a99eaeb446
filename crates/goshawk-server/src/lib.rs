//! The HTTP face of goshawk: REST API, server-sent events feed, Prometheus metrics and the
//! embedded dashboard.
//!
//! The server owns transport concerns only — limits, validation, authentication, storage of
//! alerts, live statistics — and delegates every detection decision to an [`Analyzer`], which
//! the binary implements over the engine. Start one with [`Server::bind`] then [`Server::run`];
//! feed it in-process (the demo traffic simulator) through [`Server::handle`].

mod analyzer;
mod api;
mod dashboard;
pub mod ingest;
pub mod live;
mod metrics;
mod writer;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use goshawk_core::{Event, Verdict};
use goshawk_store::{AlertStore, JsonlSink, Retention};
use tokio::sync::watch;

pub use analyzer::Analyzer;
pub use api::{AnalyzeResponse, ApiError, Decision};
pub use goshawk_store;
pub use metrics::KafkaStats;

/// Environment variable the API token is read from by [`ServerConfig::token_from_env`].
pub const TOKEN_ENV: &str = "GOSHAWK_API_TOKEN";

/// How the server is set up. Build with [`ServerConfig::new`] and adjust fields.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on (`127.0.0.1:8080` by default in the CLI; port 0 picks a free one).
    pub listen: SocketAddr,
    /// Holds `alerts.db` (and `alerts.jsonl` when `jsonl_alerts` is set). Created if missing.
    pub data_dir: PathBuf,
    /// Bearer token the state-changing routes require; `None` disables those routes (403).
    pub api_token: Option<String>,
    /// Largest request body accepted (413 beyond). Default 4 MiB.
    pub max_body_bytes: usize,
    /// Most events in one `/analyze` batch (413 beyond). Default 10 000.
    pub max_batch: usize,
    /// Most records in one `/train/{kind}` body (413 beyond). Default 1 000 000.
    pub max_train_records: usize,
    /// Largest `/train/{kind}` body. Default 256 MiB.
    pub max_train_body_bytes: usize,
    pub retention: Retention,
    /// Messages the SSE feed holds for its slowest client before that client skips.
    pub sse_capacity: usize,
    /// Jobs the store writer queues before alerts are dropped (counted in `/metrics`).
    pub store_queue: usize,
    /// Also append every alert to `<data_dir>/alerts.jsonl`.
    pub jsonl_alerts: bool,
    /// Batches up to this many events are analysed on the request's own task; larger ones on
    /// the blocking pool. Analysing one event costs microseconds, less than a hand-off to
    /// another thread; a large batch would stall the reactor.
    pub inline_batch_max: usize,
    /// Directories `/train/{kind}/dataset` may read from (default: the data directory).
    pub dataset_dirs: Vec<PathBuf>,
}

impl ServerConfig {
    pub fn new(listen: SocketAddr, data_dir: impl Into<PathBuf>) -> ServerConfig {
        let data_dir = data_dir.into();
        ServerConfig {
            listen,
            dataset_dirs: vec![data_dir.clone()],
            data_dir,
            api_token: None,
            max_body_bytes: 4 * 1024 * 1024,
            max_batch: 10_000,
            max_train_records: 1_000_000,
            max_train_body_bytes: 256 * 1024 * 1024,
            retention: Retention::default(),
            sse_capacity: 1024,
            store_queue: 4096,
            jsonl_alerts: false,
            inline_batch_max: 4,
        }
    }

    /// Sets `api_token` from `GOSHAWK_API_TOKEN` when that is set and not empty (the
    /// environment wins over a token from a config file).
    pub fn token_from_env(mut self) -> ServerConfig {
        if let Ok(token) = std::env::var(TOKEN_ENV) {
            if !token.trim().is_empty() {
                self.api_token = Some(token.trim().to_string());
            }
        }
        self
    }
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] goshawk_store::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(std::io::Error),
    #[error("cannot set up metrics: {0}")]
    Metrics(#[from] prometheus::Error),
}

/// Everything a request handler reaches.
pub(crate) struct AppState {
    pub config: ServerConfig,
    pub analyzer: Arc<dyn Analyzer>,
    pub store: Arc<AlertStore>,
    pub writer: writer::StoreWriter,
    pub live: live::Live,
    pub metrics: Arc<metrics::Metrics>,
    pub started: Instant,
    pub shutdown: watch::Receiver<bool>,
}

/// A bound, not yet running server.
pub struct Server {
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
    shutdown: watch::Sender<bool>,
    writer_task: tokio::task::JoinHandle<()>,
}

/// Feeds events to a running server in-process (the demo traffic simulator): they are
/// analysed, counted, stored and streamed exactly as if posted to `/analyze`.
#[derive(Clone)]
pub struct ServerHandle {
    state: Arc<AppState>,
}

impl ServerHandle {
    /// Analyses already-validated events as one batch.
    pub async fn analyze(&self, events: Vec<Event>) -> Result<AnalyzeResponse, ApiError> {
        api::analyze_events(&self.state, events).await
    }

    /// As [`ServerHandle::analyze`], for events read from a durable source (a Kafka consumer):
    /// `raw_lines[i]` is event `i`'s original log line when it was one (keyword rules search
    /// it), event `i`'s alert has idempotency key `keys[i]`, and alerts are in the store when
    /// this returns (not queued), so the source may commit.
    pub async fn analyze_durably(
        &self,
        events: Vec<Event>,
        raw_lines: Vec<Option<String>>,
        keys: Vec<String>,
    ) -> Result<Vec<Verdict>, ApiError> {
        let trace_id = uuid::Uuid::new_v4().to_string();
        let (verdicts, alerts) =
            api::analyze_and_record(&self.state, events, raw_lines, &trace_id, Some(&keys)).await?;
        if !alerts.is_empty() {
            let store = self.state.store.clone();
            tokio::task::spawn_blocking(move || store.insert_batch(&alerts))
                .await
                .map_err(|err| ApiError::internal(format!("storing alerts: {err}")))?
                .map_err(|err| ApiError::internal(format!("storing alerts: {err}")))?;
        }
        Ok(verdicts)
    }

    /// The analyzer's longest behaviour window, in seconds ([`Analyzer::window_secs`]).
    pub fn window_secs(&self) -> u64 {
        self.state.analyzer.window_secs()
    }

    /// Rebuilds behaviour windows from a stream's history ([`Analyzer::replay_windows`]).
    pub fn replay_windows(&self, events: &[Event], raw_lines: &[Option<&str>]) {
        self.state.analyzer.replay_windows(events, raw_lines);
    }

    /// Records a Kafka consumer's progress in `/metrics`.
    pub fn report_kafka(&self, stats: KafkaStats) {
        self.state.metrics.report_kafka(stats);
    }
}

impl Server {
    /// Opens the store in `config.data_dir` and binds `config.listen`.
    pub async fn bind(
        config: ServerConfig,
        analyzer: Arc<dyn Analyzer>,
    ) -> Result<Server, ServerError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| ServerError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let store = Arc::new(AlertStore::open(
            config.data_dir.join("alerts.db"),
            config.retention,
        )?);
        let jsonl = if config.jsonl_alerts {
            Some(JsonlSink::open(config.data_dir.join("alerts.jsonl"))?)
        } else {
            None
        };
        let metrics = Arc::new(metrics::Metrics::new()?);
        metrics.set_models(&analyzer.info());
        let (writer, writer_task) =
            writer::StoreWriter::spawn(store.clone(), jsonl, config.store_queue, metrics.clone());
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| ServerError::Bind {
                addr: config.listen,
                source,
            })?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let state = Arc::new(AppState {
            live: live::Live::new(config.sse_capacity),
            store,
            config,
            analyzer,
            writer,
            metrics,
            started: Instant::now(),
            shutdown: shutdown_rx,
        });
        Ok(Server {
            state,
            listener,
            shutdown,
            writer_task,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> Result<SocketAddr, ServerError> {
        self.listener.local_addr().map_err(ServerError::Serve)
    }

    pub fn handle(&self) -> ServerHandle {
        ServerHandle {
            state: self.state.clone(),
        }
    }

    /// Serves until `shutdown` completes, then closes live feeds, writes the last counters
    /// and waits for the store writer to finish what is queued.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let Server {
            state,
            listener,
            shutdown: stop,
            writer_task,
        } = self;
        let ticker = tokio::spawn(run_ticker(state.clone(), stop.subscribe()));
        let app = api::router(state.clone());
        let stop_for_serve = stop.clone();
        let result = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                shutdown.await;
                // Ends SSE streams, which would otherwise hold graceful shutdown open.
                let _ = stop_for_serve.send(true);
            })
            .await
            .map_err(ServerError::Serve);
        let _ = stop.send(true);
        let _ = ticker.await;
        state.writer.flush().await;
        drop(state);
        writer_task.abort();
        result
    }
}

/// Once a second: closes the live second (SSE `stats`), refreshes the uptime gauge; every ten
/// seconds and at shutdown, hands the per-minute counters to the store writer.
async fn run_ticker(state: Arc<AppState>, mut stop: watch::Receiver<bool>) {
    let mut every_second = tokio::time::interval(Duration::from_secs(1));
    every_second.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seconds = 0u64;
    loop {
        tokio::select! {
            _ = every_second.tick() => {}
            _ = stop.changed() => break,
        }
        seconds += 1;
        state.live.tick(goshawk_store::now_ms());
        state
            .metrics
            .uptime_seconds
            .set(state.started.elapsed().as_secs() as i64);
        if seconds.is_multiple_of(10) {
            state.writer.store_counts(state.live.take_counts());
        }
    }
    state.writer.store_counts(state.live.take_counts());
}
