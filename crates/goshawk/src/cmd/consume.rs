//! `goshawk consume`: a Kafka consumer-group member running every message through the same
//! validate → detect → decide pipeline as `POST /analyze`.
//!
//! Each batch goes: poll → decode (a JSON event of any kind, or a raw access-log line) → analyze
//! → write verdicts (`--output`), alerts (the store in `--data-dir`, `--alerts-topic`) and
//! undecodable records (`--dead-letter-topic`) → flush and sync all of them → commit offsets.
//! Offsets are committed only after everything the batch produced is durably written, so a
//! killed consumer loses nothing; its successor re-reads the uncommitted batch, and alerts keep
//! one row per message because their idempotency key is `topic/partition/offset`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use goshawk_core::{Action, Alert, AttackType, Event, EventKind, LoggedTime, Verdict};
use goshawk_kafka::{KafkaSink, KafkaSinkConfig, KafkaSourceConfig, Properties};
use goshawk_server::goshawk_store::{self, AlertStore, Retention};

use crate::live_engine::{EngineArgs, EngineFiles, EngineKeys, LiveEngine};

/// Records analysed and committed together.
pub const DEFAULT_BATCH: usize = 5000;
/// Most records per partition replayed into the behaviour windows on an assignment.
pub const DEFAULT_WINDOW_REPLAY: usize = 100_000;
/// Records per partition read back first when rebuilding windows; the read grows fourfold
/// until it reaches the longest window's span of event time (or the limit).
const FIRST_REPLAY: usize = 1_000;
/// Longest wait for a partition's history.
const HISTORY_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest wait for a first record of a batch.
const POLL_WAIT: Duration = Duration::from_millis(500);
/// Longest wait for the alerts and dead-letter topics to acknowledge a batch.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest wait for the group to give this member its first assignment.
const JOIN_TIMEOUT: Duration = Duration::from_secs(120);
/// How often progress is logged.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

#[derive(Debug, clap::Args)]
pub struct ConsumeArgs {
    /// Bootstrap brokers, HOST:PORT[,HOST:PORT...].
    #[arg(long)]
    pub brokers: Option<String>,
    /// Topic to consume (repeatable).
    #[arg(long = "topic", value_name = "TOPIC")]
    pub topics: Vec<String>,
    /// Consumer group id: consumers of one group split the partitions.
    #[arg(long)]
    pub group: Option<String>,
    /// Also publish every alert (JSON, keyed by its source) to this topic.
    #[arg(long)]
    pub alerts_topic: Option<String>,
    /// Publish messages that cannot be read here, with the reason and the original bytes.
    /// Without it they are logged and counted.
    #[arg(long)]
    pub dead_letter_topic: Option<String>,
    /// Append one JSON line per scored event (its `"id"`, where it was read, the verdict).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Stop after this many seconds with nothing to read (default: run until SIGINT/SIGTERM).
    #[arg(long, value_name = "SECONDS")]
    pub exit_when_idle: Option<f64>,
    /// TOML configuration (see docs/kafka.md); flags win over it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Most records analysed and committed together: a batch is what has arrived, up to this
    /// many, so a larger bound adds no wait [default: 5000].
    #[arg(long)]
    pub batch: Option<usize>,
    /// On taking over partitions, read back up to this many records per partition before the
    /// group's committed offset, as far as the longest behaviour window reaches in event time,
    /// and replay them into the windows (0: start the windows empty) [default: 100000].
    #[arg(long, value_name = "RECORDS")]
    pub window_replay: Option<usize>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// The configuration file: every key optional, unknown keys an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsumeConfig {
    brokers: Option<String>,
    #[serde(default)]
    topics: Vec<String>,
    group: Option<String>,
    alerts_topic: Option<String>,
    dead_letter_topic: Option<String>,
    output: Option<PathBuf>,
    exit_when_idle: Option<f64>,
    data_dir: Option<PathBuf>,
    batch: Option<usize>,
    window_replay: Option<usize>,
    web_model: Option<PathBuf>,
    #[serde(default)]
    models: Vec<PathBuf>,
    #[serde(default)]
    rules: Vec<String>,
    policy: Option<PathBuf>,
    /// librdkafka properties for the consumer and producers (`security.protocol`, ...).
    #[serde(default)]
    kafka: Properties,
}

/// Everything the consumer needs, flags and file merged.
struct Settings {
    kafka: KafkaLoop,
    data_dir: PathBuf,
    engine: EngineFiles,
}

/// What to consume and where its results go: the part `serve --kafka` shares.
pub struct KafkaLoop {
    pub source: KafkaSourceConfig,
    pub alerts_topic: Option<String>,
    pub dead_letter_topic: Option<String>,
    pub output: Option<PathBuf>,
    pub exit_when_idle: Option<Duration>,
    pub batch: usize,
    /// Most records per partition replayed into the behaviour windows on an assignment.
    pub window_replay: usize,
}

fn settings(args: ConsumeArgs) -> Result<Settings> {
    let file = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str::<ConsumeConfig>(&text)
                .with_context(|| format!("{}: invalid configuration", path.display()))?
        }
        None => ConsumeConfig::default(),
    };
    let Some(brokers) = args.brokers.or(file.brokers) else {
        bail!("no brokers: give --brokers HOST:PORT (or `brokers` in --config)");
    };
    let topics = if args.topics.is_empty() {
        file.topics
    } else {
        args.topics
    };
    if topics.is_empty() {
        bail!("no topic: give --topic NAME (or `topics` in --config)");
    }
    let Some(group) = args.group.or(file.group) else {
        bail!("no consumer group: give --group ID (or `group` in --config)");
    };
    let exit_when_idle = match args.exit_when_idle.or(file.exit_when_idle) {
        Some(s) if s.is_finite() && s >= 0.0 => Some(Duration::from_secs_f64(s)),
        Some(s) => bail!("--exit-when-idle {s}: expected a number of seconds >= 0"),
        None => None,
    };
    let batch = args.batch.or(file.batch).unwrap_or(DEFAULT_BATCH);
    if batch == 0 {
        bail!("--batch must be at least 1");
    }
    let (data_dir, engine) = args.engine.over(EngineKeys {
        data_dir: file.data_dir,
        web_model: file.web_model,
        models: file.models,
        rules: file.rules,
        policy: file.policy,
    });
    Ok(Settings {
        kafka: KafkaLoop {
            source: KafkaSourceConfig {
                brokers,
                topics,
                group,
                properties: file.kafka,
            },
            alerts_topic: args.alerts_topic.or(file.alerts_topic),
            dead_letter_topic: args.dead_letter_topic.or(file.dead_letter_topic),
            output: args.output.or(file.output),
            exit_when_idle,
            batch,
            window_replay: args
                .window_replay
                .or(file.window_replay)
                .unwrap_or(DEFAULT_WINDOW_REPLAY),
        },
        data_dir,
        engine,
    })
}

pub fn run(args: ConsumeArgs) -> Result<()> {
    let settings = settings(args)?;
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("creating {}", settings.data_dir.display()))?;
    let engine = LiveEngine::from_files(&settings.engine, &settings.data_dir)?;
    let store = AlertStore::open(settings.data_dir.join("alerts.db"), Retention::default())
        .context("opening the alert store")?;
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, stop.clone()).context("installing signal handlers")?;
    }
    consume(
        &settings.kafka,
        Pipeline::Standalone {
            engine: Box::new(engine),
            store: Box::new(store),
        },
        &stop,
    )
}

/// Runs a consumer inside `serve` on its own thread until `stop` is set: verdicts go through
/// the server (metrics, live feed, alert store), progress to `/metrics`.
pub fn spawn_in_server(
    kafka: KafkaLoop,
    handle: goshawk_server::ServerHandle,
    runtime: tokio::runtime::Handle,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Result<()>> {
    std::thread::spawn(move || {
        let result = consume(&kafka, Pipeline::Server { handle, runtime }, &stop);
        if let Err(err) = &result {
            tracing::error!("the Kafka consumer stopped: {err:#}");
        }
        result
    })
}

/// Where decoded events are analysed and their alerts stored.
enum Pipeline {
    /// `goshawk consume`: the engine in this process, alerts to the store in the data directory.
    Standalone {
        engine: Box<LiveEngine>,
        store: Box<AlertStore>,
    },
    /// `goshawk serve --kafka`: through the server, as if posted to `/analyze`.
    Server {
        handle: goshawk_server::ServerHandle,
        runtime: tokio::runtime::Handle,
    },
}

impl Pipeline {
    fn window_secs(&self) -> u64 {
        match self {
            Pipeline::Standalone { engine, .. } => goshawk_server::Analyzer::window_secs(&**engine),
            Pipeline::Server { handle, .. } => handle.window_secs(),
        }
    }

    fn replay_windows(&self, events: &[Event], raw_lines: &[Option<&str>]) {
        match self {
            Pipeline::Standalone { engine, .. } => {
                goshawk_server::Analyzer::replay_windows(&**engine, events, raw_lines)
            }
            Pipeline::Server { handle, .. } => handle.replay_windows(events, raw_lines),
        }
    }
}

/// Gives `replay` the readable records before where each partition resumes, decoded, in
/// event-time order, and returns how many: for each partition, the last `span` records, with
/// `span` growing from [`FIRST_REPLAY`] fourfold until they reach back `window_secs` of event
/// time before its newest one, the partition's start, or `limit`.
fn replay_history(
    source: &goshawk_kafka::KafkaSource,
    resumes: &BTreeMap<(String, i32), i64>,
    limit: usize,
    window_secs: f64,
    replay: impl FnOnce(&[Event], &[Option<&str>]),
) -> Result<usize> {
    let mut span = FIRST_REPLAY.min(limit) as i64;
    loop {
        let ranges: Vec<goshawk_kafka::OffsetRange> = resumes
            .iter()
            .filter(|(_, &to)| to > 0)
            .map(|((topic, partition), &to)| goshawk_kafka::OffsetRange {
                topic: topic.clone(),
                partition: *partition,
                from: (to - span).max(0),
                to,
            })
            .collect();
        if ranges.is_empty() {
            return Ok(0);
        }
        let records = source.read_history(&ranges, HISTORY_TIMEOUT)?;
        // Unreadable records were set aside when first read; they are skipped here. Each
        // record's own time is read once: the coverage check and the sort both use it.
        let mut history: Vec<_> = records
            .par_iter()
            .filter_map(|record| {
                let decoded = decode(&record.payload).ok()?;
                let time = match decoded.event.logged_time() {
                    LoggedTime::At(t) => Some(t),
                    _ => None,
                };
                Some((record, decoded, time))
            })
            .collect();
        // Per partition: the lowest offset read, and the oldest and newest event time.
        let mut read: BTreeMap<(&str, i32), (i64, f64, f64)> = BTreeMap::new();
        for record in &records {
            let (lowest, _, _) = read
                .entry((record.topic.as_str(), record.partition))
                .or_insert((record.offset, f64::INFINITY, f64::NEG_INFINITY));
            *lowest = (*lowest).min(record.offset);
        }
        for (record, _, time) in &history {
            if let (Some(t), Some((_, oldest, newest))) = (
                *time,
                read.get_mut(&(record.topic.as_str(), record.partition)),
            ) {
                *oldest = oldest.min(t);
                *newest = newest.max(t);
            }
        }
        let reaches_back = ranges.iter().all(|range| {
            match read.get(&(range.topic.as_str(), range.partition)) {
                // Nothing readable there: nothing older to read either.
                None => true,
                Some(&(lowest, oldest, newest)) => {
                    // The start of what the broker holds (older records are gone), no event
                    // with a time of its own (they count at the wall clock), or far enough.
                    range.from == 0
                        || lowest > range.from
                        || oldest > newest
                        || newest - oldest >= window_secs
                }
            }
        });
        if reaches_back || span >= limit as i64 {
            // Stable: events without a time of their own keep their place, after the others.
            history.sort_by(|(_, _, a), (_, _, b)| {
                a.unwrap_or(f64::INFINITY)
                    .total_cmp(&b.unwrap_or(f64::INFINITY))
            });
            let (events, raw_lines): (Vec<Event>, Vec<Option<&str>>) = history
                .into_iter()
                .map(|(_, decoded, _)| (decoded.event, decoded.raw_line))
                .unzip();
            replay(&events, &raw_lines);
            return Ok(events.len());
        }
        span = (span * 4).min(limit as i64);
    }
}

/// How often a consumer inside the server updates `/metrics`.
const SERVER_REPORT_EVERY: Duration = Duration::from_secs(2);

/// The consume loop: poll, process, commit, until idle or `stop`.
fn consume(kafka: &KafkaLoop, pipeline: Pipeline, stop: &AtomicBool) -> Result<()> {
    let sink = |topic: &Option<String>| -> Result<Option<KafkaSink>> {
        topic
            .as_ref()
            .map(|topic| {
                KafkaSinkConfig {
                    brokers: kafka.source.brokers.clone(),
                    topic: topic.clone(),
                    properties: kafka.source.properties.clone(),
                }
                .build()
                .map_err(anyhow::Error::from)
            })
            .transpose()
    };
    let mut consumer = Consumer {
        pipeline,
        alerts: sink(&kafka.alerts_topic)?,
        dead_letters: sink(&kafka.dead_letter_topic)?,
        output: kafka.output.as_deref().map(VerdictFile::open).transpose()?,
        counts: Counts::default(),
    };
    let source = kafka.source.build()?;
    eprintln!(
        "goshawk: consuming {:?} from {} as group {}",
        kafka.source.topics, kafka.source.brokers, kafka.source.group
    );
    let in_server = matches!(consumer.pipeline, Pipeline::Server { .. });
    let report_every = if in_server {
        SERVER_REPORT_EVERY
    } else {
        PROGRESS_EVERY
    };
    let mut first_record: Option<Instant> = None;
    let mut last_record = Instant::now();
    let mut last_done = Instant::now();
    let mut last_report = (Instant::now(), Counts::default());
    let started = Instant::now();
    let mut joined = false;
    // The partitions this member holds, and those of them whose windows are yet to be rebuilt
    // from their history (on their first record, where the member resumes them).
    let mut owned = BTreeSet::new();
    let mut awaiting_history = BTreeSet::new();
    let outcome = loop {
        if stop.load(Ordering::Relaxed) {
            eprintln!("goshawk: stopping (signal): the last batch was committed");
            break Ok(());
        }
        if !joined {
            // Only a run meant to end gives up; a long-running consumer waits for the broker.
            if kafka.exit_when_idle.is_some() && started.elapsed() >= JOIN_TIMEOUT {
                break Err(anyhow::anyhow!(
                    "no partition assignment from {} within {}s (is the broker reachable?)",
                    kafka.source.brokers,
                    JOIN_TIMEOUT.as_secs()
                ));
            }
            last_record = Instant::now();
        }
        if let Some(idle) = kafka.exit_when_idle {
            // A member holding no partition may be waiting for the group to give up on a
            // member that died holding them (a restart after a kill): that takes the session
            // timeout, which is not idleness.
            let patience = if owned.is_empty() {
                idle + kafka.source.session_timeout()
            } else {
                idle
            };
            if last_record.elapsed() >= patience {
                eprintln!(
                    "goshawk: nothing to read for {:.1}s, stopping",
                    patience.as_secs_f64()
                );
                break Ok(());
            }
        }
        if last_report.0.elapsed() >= report_every {
            let lag: i64 = source
                .lag(Duration::from_secs(1))
                .iter()
                .map(|p| p.lag)
                .sum();
            let counts = &consumer.counts;
            let seconds = last_report.0.elapsed().as_secs_f64();
            let stats = goshawk_server::KafkaStats {
                records: counts.committed - last_report.1.committed,
                dead_letters: counts.dead_letters - last_report.1.dead_letters,
                lag,
                records_per_second: (counts.committed - last_report.1.committed) as f64 / seconds,
            };
            match &consumer.pipeline {
                Pipeline::Server { handle, .. } => handle.report_kafka(stats),
                Pipeline::Standalone { .. } => tracing::info!(
                    committed = counts.committed,
                    alerts = counts.alerts,
                    dead_letters = counts.dead_letters,
                    lag,
                    records_per_second = stats.records_per_second,
                    "consuming"
                ),
            }
            last_report = (Instant::now(), consumer.counts.clone());
        }
        let wait = match kafka.exit_when_idle {
            Some(idle) => POLL_WAIT.min(idle.saturating_sub(last_record.elapsed())),
            None => POLL_WAIT,
        };
        let batch = match source.poll_batch(kafka.batch, wait) {
            Ok(batch) => batch,
            Err(err) => break Err(anyhow::Error::from(err)),
        };
        // After the poll (the group assigns inside it) and before the batch is analysed: the
        // windows of partitions taken over are rebuilt before their records are decided.
        if let Some(partitions) = source.assignment_change() {
            let names: Vec<String> = partitions.iter().map(|(t, p)| format!("{t}/{p}")).collect();
            eprintln!(
                "goshawk: assigned {} partition(s): {}",
                names.len(),
                names.join(", ")
            );
            let assigned: BTreeSet<_> = partitions.into_iter().collect();
            awaiting_history.retain(|p| assigned.contains(p));
            awaiting_history.extend(assigned.difference(&owned).cloned());
            owned = assigned;
            if !joined {
                joined = true;
                // Idle time counts from joining the group: a restarted member may wait for
                // the group to give up on its predecessor first.
                last_record = Instant::now();
            }
        }
        if batch.is_empty() {
            continue;
        }
        if !awaiting_history.is_empty() {
            // Where each partition taken over resumes: its first record here (a partition's
            // records arrive in offset order).
            let mut resumes: BTreeMap<(String, i32), i64> = BTreeMap::new();
            awaiting_history.retain(|(topic, partition)| {
                let first = batch
                    .iter()
                    .find(|r| r.partition == *partition && r.topic == *topic);
                if let Some(record) = first {
                    resumes.insert((topic.clone(), *partition), record.offset);
                }
                first.is_none()
            });
            consumer.rebuild_windows(&source, &resumes, kafka.window_replay);
        }
        first_record.get_or_insert(last_record);
        last_record = Instant::now();
        if let Err(err) = consumer.process(&batch) {
            break Err(err.context("processing a batch (its offsets were not committed)"));
        }
        match source.commit(&batch) {
            Ok(()) => consumer.counts.committed += batch.len() as u64,
            // A rebalance took the partitions: their new owner re-reads the batch (at least
            // once; the store keeps one alert per message).
            Err(err) => {
                consumer.counts.commit_failures += 1;
                tracing::warn!(%err, "commit failed; the batch will be read again");
            }
        }
        last_done = Instant::now();
    };
    source.close();
    // From the first record read to the last batch done: the rate while there was work.
    let busy = first_record.map_or(0.0, |first| (last_done - first).as_secs_f64());
    let counts = &consumer.counts;
    eprintln!(
        "goshawk: {} record(s) committed ({} failed commit(s)), {} scored, {} alert(s), {} unreadable ({}), {:.0} records/s over {busy:.1}s busy",
        counts.committed,
        counts.commit_failures,
        counts.scored,
        counts.alerts,
        counts.dead_letters,
        if consumer.dead_letters.is_some() { "sent to the dead-letter topic" } else { "logged" },
        counts.committed as f64 / busy.max(1e-9),
    );
    outcome
}

#[derive(Debug, Default, Clone)]
struct Counts {
    committed: u64,
    scored: u64,
    alerts: u64,
    dead_letters: u64,
    commit_failures: u64,
}

/// The pipeline after the source: decode, analyze, write.
struct Consumer {
    pipeline: Pipeline,
    alerts: Option<KafkaSink>,
    dead_letters: Option<KafkaSink>,
    output: Option<VerdictFile>,
    counts: Counts,
}

impl Consumer {
    /// Rebuilds the behaviour windows of partitions taken over (from a killed or departed
    /// member, or at start), given the offset each resumes from: replays each one's records
    /// before it, back as far as the longest window reaches in event time (at most `limit`
    /// records), so that what follows is decided as the previous owner would have. A failure
    /// to read the history is logged, and the windows start without it.
    fn rebuild_windows(
        &self,
        source: &goshawk_kafka::KafkaSource,
        resumes: &BTreeMap<(String, i32), i64>,
        limit: usize,
    ) {
        let window_secs = self.pipeline.window_secs();
        if window_secs == 0 || limit == 0 || resumes.is_empty() {
            return;
        }
        let started = Instant::now();
        let replay = |events: &[Event], raw_lines: &[Option<&str>]| {
            self.pipeline.replay_windows(events, raw_lines);
        };
        match replay_history(source, resumes, limit, window_secs as f64, replay) {
            Ok(0) => {}
            Ok(replayed) => {
                eprintln!(
                    "goshawk: behaviour windows rebuilt from {replayed} earlier record(s) of {} partition(s) in {:.1}s",
                    resumes.len(),
                    started.elapsed().as_secs_f64()
                );
            }
            Err(err) => tracing::warn!(
                "behaviour windows of {} partition(s) start empty: {err:#}",
                resumes.len()
            ),
        }
    }

    /// Decodes and analyses records, writes their verdict lines (`--output`), and adds the
    /// alerts among them to `alerts`; an unreadable record goes to the dead letters.
    fn analyze_chunk(
        &mut self,
        batch: &[goshawk_kafka::Record],
        alerts: &mut Vec<Alert>,
    ) -> Result<()> {
        // Decoding is a good part of the work (JSON): on every core, like the analysis.
        let decoded: Vec<_> = batch.par_iter().map(|r| decode(&r.payload)).collect();
        let mut events = Vec::with_capacity(batch.len());
        // A raw log line is what keyword (fieldless) rules match.
        let mut raw_lines = Vec::with_capacity(batch.len());
        let mut origins = Vec::with_capacity(batch.len());
        for (record, decoded) in batch.iter().zip(decoded) {
            match decoded {
                Ok(Decoded {
                    id,
                    event,
                    raw_line,
                }) => {
                    // Named once: it is the output's source, the trace id and the alert key.
                    let position = record.position();
                    events.push(event);
                    raw_lines.push(raw_line);
                    origins.push((id.unwrap_or_else(|| position.clone()), position));
                }
                Err(reason) => self.dead_letter(record, &reason)?,
            }
        }
        let mut verdicts = match &self.pipeline {
            Pipeline::Standalone { engine, .. } => engine.analyze_lines(&events, &raw_lines),
            Pipeline::Server { handle, runtime } => {
                let keys = origins.iter().map(|(_, p)| p.clone()).collect();
                let raw_lines = raw_lines.iter().map(|l| l.map(str::to_string)).collect();
                runtime
                    .block_on(handle.analyze_durably(events.clone(), raw_lines, keys))
                    .map_err(|err| anyhow::anyhow!("analysing through the server: {err:?}"))?
            }
        };
        if verdicts.len() != events.len() {
            bail!(
                "the engine returned {} verdicts for {} events",
                verdicts.len(),
                events.len()
            );
        }
        let now_ms = goshawk_store::now_ms();
        self.counts.scored += events.len() as u64;
        verdicts
            .par_iter_mut()
            .zip(&origins)
            .filter(|(verdict, _)| verdict.trace_id.is_empty())
            .for_each(|(verdict, (_, position))| verdict.trace_id.clone_from(position));
        if let Some(output) = self.output.as_mut() {
            // Encoded on every core, a chunk of lines at a time, then written in order.
            let chunks = events
                .par_chunks(LINES_PER_CHUNK)
                .zip(verdicts.par_chunks(LINES_PER_CHUNK))
                .zip(origins.par_chunks(LINES_PER_CHUNK))
                .map(|((events, verdicts), origins)| encode_lines(events, verdicts, origins))
                .collect::<serde_json::Result<Vec<Vec<u8>>>>()
                .context("encoding verdict lines")?;
            for chunk in &chunks {
                output.write(chunk)?;
            }
        }
        // What is done with: freed on the pool, off this sequential path (a batch's requests
        // and verdicts took 10 % of it to free here).
        let mut spent = Vec::with_capacity(events.len());
        for ((event, verdict), (id, position)) in events.into_iter().zip(verdicts).zip(origins) {
            if verdict.action.is_alert() {
                alerts.push(Alert {
                    idempotency_key: position,
                    time_ms: now_ms,
                    source: event.source(),
                    kind: event.kind(),
                    verdict,
                    event,
                });
            } else {
                spent.push((event, verdict, id, position));
            }
        }
        rayon::spawn(move || drop(spent));
        Ok(())
    }

    /// Runs one batch and makes everything it produced durable; an error means nothing of the
    /// batch may be committed.
    fn process(&mut self, batch: &[goshawk_kafka::Record]) -> Result<()> {
        // Analysed a chunk at a time, so that a chunk's events, verdicts and lines are still in
        // cache when they are encoded (as `scan`'s blocks); the server analyses a batch in one
        // call, since each call writes its alerts durably.
        let chunk = match &self.pipeline {
            Pipeline::Standalone { .. } => crate::cmd::scan::BLOCK,
            Pipeline::Server { .. } => batch.len().max(1),
        };
        let mut alerts = Vec::new();
        for records in batch.chunks(chunk) {
            self.analyze_chunk(records, &mut alerts)?;
        }
        self.counts.alerts += alerts.len() as u64;
        // One encoding (on every core) serves the store and the alerts topic.
        let encoded = alerts
            .par_iter()
            .map(|alert| Ok((alert, goshawk_store::encode(alert)?)))
            .collect::<goshawk_store::Result<Vec<_>>>()
            .context("encoding alerts")?;
        if let Pipeline::Standalone { store, .. } = &self.pipeline {
            store
                .insert_encoded(&encoded)
                .context("writing alerts to the store")?;
        }
        if let Some(sink) = &self.alerts {
            for (alert, json) in &encoded {
                let key = alert.source.as_deref().unwrap_or(&alert.idempotency_key);
                sink.send(
                    key.as_bytes(),
                    json.as_bytes(),
                    &[("goshawk.idempotency_key", alert.idempotency_key.as_bytes())],
                )?;
            }
            sink.flush(FLUSH_TIMEOUT)?;
        }
        if let Some(sink) = &self.dead_letters {
            sink.flush(FLUSH_TIMEOUT)?;
        }
        if let Some(output) = self.output.as_mut() {
            output.sync()?;
        }
        Ok(())
    }

    /// Sets aside a record that cannot be read: to the dead-letter topic (original bytes, the
    /// reason and where it came from in headers) when there is one, else to the log.
    fn dead_letter(&mut self, record: &goshawk_kafka::Record, reason: &str) -> Result<()> {
        self.counts.dead_letters += 1;
        tracing::warn!(record = %record.position(), %reason, "unreadable record set aside");
        if let Some(sink) = &self.dead_letters {
            let position = record.position();
            sink.send(
                record.key.as_deref().unwrap_or(position.as_bytes()),
                &record.payload,
                &[
                    ("goshawk.error", reason.as_bytes()),
                    ("goshawk.source", position.as_bytes()),
                ],
            )?;
        }
        Ok(())
    }
}

/// Longest message read as an event; a longer one is set aside (a bound on what one sender can
/// make the consumer hold).
const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// A message read as an event.
#[derive(Debug)]
struct Decoded<'a> {
    /// The message's `"id"`, when it carries one.
    id: Option<String>,
    event: Event,
    /// The message itself when it is a raw log line (not JSON): keyword rules search it.
    raw_line: Option<&'a str>,
}

/// A message as an event, or why it cannot be read. Messages are JSON events of any kind (as
/// `POST /analyze` takes them) or raw access-log lines.
fn decode(payload: &[u8]) -> std::result::Result<Decoded<'_>, String> {
    if payload.len() > MAX_MESSAGE_BYTES {
        return Err(format!(
            "message of {} bytes exceeds the {MAX_MESSAGE_BYTES}-byte limit",
            payload.len()
        ));
    }
    let text = std::str::from_utf8(payload)
        .map_err(|e| format!("not UTF-8 text: {e}"))?
        .trim();
    if text.is_empty() {
        return Err("empty message".into());
    }
    if text.starts_with('{') {
        let message = goshawk_server::ingest::parse_message(text).map_err(|(field, reason)| {
            if field.is_empty() {
                reason
            } else {
                format!("field {field}: {reason}")
            }
        })?;
        return Ok(Decoded {
            id: message.id,
            event: message.event,
            raw_line: None,
        });
    }
    let request = goshawk_io::http::parse_combined(text)
        .map_err(|e| format!("neither a JSON event nor an access-log line: {e}"))?;
    let event = Event::Http(request);
    event
        .validate()
        .map_err(|invalid| format!("field {}: {}", invalid.field, invalid.reason))?;
    Ok(Decoded {
        id: None,
        event,
        raw_line: Some(text),
    })
}

/// One `--output` line: the event's id, where it was read, and the verdict without findings.
#[derive(Serialize)]
struct VerdictLine<'a> {
    id: &'a str,
    source: &'a str,
    kind: EventKind,
    score: f64,
    is_threat: bool,
    action: Action,
    confidence: f64,
    attack_type: Option<&'a AttackType>,
    explanation: &'a [String],
    trace_id: &'a str,
}

/// Verdict lines encoded per task on the pool (a quarter of an analysis chunk, so that every
/// core has some).
const LINES_PER_CHUNK: usize = 64;

/// The `--output` lines of events, their verdicts and (id, position), one JSON line each.
fn encode_lines(
    events: &[Event],
    verdicts: &[Verdict],
    origins: &[(String, String)],
) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(events.len() * 256);
    for ((event, verdict), (id, position)) in events.iter().zip(verdicts).zip(origins) {
        let line = VerdictLine {
            id,
            source: position,
            kind: event.kind(),
            score: verdict.score,
            is_threat: verdict.is_threat,
            action: verdict.action,
            confidence: verdict.confidence,
            attack_type: verdict.attack_type.as_ref(),
            explanation: &verdict.explanation,
            trace_id: &verdict.trace_id,
        };
        serde_json::to_writer(&mut out, &line)?;
        out.push(b'\n');
    }
    Ok(out)
}

/// `--output`: one JSON line per scored event, appended, synced before each commit.
struct VerdictFile {
    path: PathBuf,
    writer: BufWriter<File>,
}

impl VerdictFile {
    fn open(path: &Path) -> Result<VerdictFile> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        Ok(VerdictFile {
            path: path.to_path_buf(),
            writer: BufWriter::with_capacity(1 << 16, file),
        })
    }

    /// Appends lines encoded by [`encode_lines`].
    fn write(&mut self, lines: &[u8]) -> Result<()> {
        self.writer
            .write_all(lines)
            .with_context(|| format!("writing {}", self.path.display()))
    }

    fn sync(&mut self) -> Result<()> {
        self.writer
            .flush()
            .and_then(|()| self.writer.get_ref().sync_data())
            .with_context(|| format!("writing {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_events_of_any_kind_and_access_log_lines_decode() {
        let http = decode(br#"{"id":"e-1","kind":"http","method":"GET","url":"/x?q=1"}"#)
            .expect("http event");
        assert_eq!(http.id.as_deref(), Some("e-1"));
        assert_eq!(http.event.kind(), goshawk_core::EventKind::Http);
        assert_eq!(http.raw_line, None, "a JSON event is no log line");

        let zeek = decode(
            br#"{"id":7,"uid":"C1","ts":1.0,"id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":80,"proto":"tcp"}"#,
        )
        .expect("zeek record");
        assert_eq!(zeek.id.as_deref(), Some("7"));
        assert_eq!(zeek.event.kind(), goshawk_core::EventKind::Zeek);

        let line = br#"10.0.0.9 - - [10/Oct/2000:13:55:36 -0700] "GET /etc/passwd HTTP/1.1" 404 0 "-" "curl/8""#;
        let logged = decode(line).expect("access log line");
        assert_eq!(logged.id, None);
        assert_eq!(logged.raw_line.map(str::as_bytes), Some(&line[..]));
        let Event::Http(request) = logged.event else {
            panic!("http")
        };
        assert_eq!(request.url, "/etc/passwd");
        assert_eq!(request.client_ip.as_deref(), Some("10.0.0.9"));
    }

    #[test]
    fn unreadable_messages_say_why() {
        let cases: [(&[u8], &str); 5] = [
            (b"", "empty"),
            (b"{not json", "invalid JSON"),
            (br#"{"kind":"iot","device_id":"d1"}"#, "field"),
            (b"\xff\xfe", "UTF-8"),
            (
                b"hello world",
                "neither a JSON event nor an access-log line",
            ),
        ];
        for (payload, expected) in cases {
            let err = decode(payload).expect_err("unreadable");
            assert!(err.contains(expected), "{payload:?}: {err}");
        }
        let huge = vec![b' '; MAX_MESSAGE_BYTES + 1];
        assert!(decode(&huge).expect_err("too big").contains("limit"));
    }
}
