//! The store writer: one task that owns every write to the alert store and the JSON Lines
//! sink. Requests hand it alerts through a bounded queue and never wait for the disk: when the
//! queue is full the alerts are counted as not stored (a metric) instead of slowing analysis.
//! The task batches whatever is queued into one transaction, and enforces retention once a
//! minute.

use std::sync::Arc;
use std::time::Duration;

use goshawk_core::Alert;
use goshawk_store::{AlertStore, CountRow, JsonlSink};
use tokio::sync::{mpsc, oneshot};

use crate::metrics::Metrics;

/// Work for the writer.
pub enum WriteJob {
    Alerts(Vec<Alert>),
    Counts(Vec<CountRow>),
    /// Answered once everything queued before it is written.
    Flush(oneshot::Sender<()>),
}

/// The request side of the writer queue.
#[derive(Clone)]
pub struct StoreWriter {
    queue: mpsc::Sender<WriteJob>,
    metrics: Arc<Metrics>,
}

/// Most jobs merged into one transaction.
const MAX_JOBS_PER_WRITE: usize = 256;
const RETENTION_EVERY: Duration = Duration::from_secs(60);

impl StoreWriter {
    /// Starts the writer task on the current runtime. `capacity`: jobs queued at most.
    pub fn spawn(
        store: Arc<AlertStore>,
        jsonl: Option<JsonlSink>,
        capacity: usize,
        metrics: Arc<Metrics>,
    ) -> (StoreWriter, tokio::task::JoinHandle<()>) {
        let (queue, jobs) = mpsc::channel(capacity.max(1));
        let handle = tokio::spawn(run(store, jsonl, jobs, metrics.clone()));
        (StoreWriter { queue, metrics }, handle)
    }

    /// Queues alerts without waiting; counts them as not stored if the queue is full.
    pub fn store_alerts(&self, alerts: Vec<Alert>) {
        if alerts.is_empty() {
            return;
        }
        let n = alerts.len() as u64;
        if self.queue.try_send(WriteJob::Alerts(alerts)).is_err() {
            self.metrics.alerts_not_stored.inc_by(n);
        }
    }

    /// Queues per-minute counters without waiting.
    pub fn store_counts(&self, counts: Vec<CountRow>) {
        if !counts.is_empty() && self.queue.try_send(WriteJob::Counts(counts)).is_err() {
            self.metrics.store_errors.inc();
        }
    }

    /// Waits until everything queued so far is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue.send(WriteJob::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn run(
    store: Arc<AlertStore>,
    mut jsonl: Option<JsonlSink>,
    mut jobs: mpsc::Receiver<WriteJob>,
    metrics: Arc<Metrics>,
) {
    let mut retention = tokio::time::interval(RETENTION_EVERY);
    retention.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let first = tokio::select! {
            job = jobs.recv() => match job {
                Some(job) => job,
                None => break,
            },
            _ = retention.tick() => {
                let store = store.clone();
                match tokio::task::spawn_blocking(move || store.enforce_retention()).await {
                    Ok(Ok(deleted)) if deleted > 0 => tracing::info!("retention: deleted {deleted} old alerts"),
                    Ok(Err(err)) => { metrics.store_errors.inc(); tracing::warn!("retention: {err}") }
                    _ => {}
                }
                continue;
            }
        };
        let mut batch = vec![first];
        while batch.len() < MAX_JOBS_PER_WRITE {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut alerts = Vec::new();
        let mut counts = Vec::new();
        let mut flushes = Vec::new();
        for job in batch {
            match job {
                WriteJob::Alerts(a) => alerts.extend(a),
                WriteJob::Counts(c) => counts.extend(c),
                WriteJob::Flush(done) => flushes.push(done),
            }
        }
        let store_for_write = store.clone();
        let write = tokio::task::spawn_blocking(move || {
            let mut errors = Vec::new();
            if !alerts.is_empty() {
                if let Err(err) = store_for_write.insert_batch(&alerts) {
                    errors.push(err.to_string());
                }
                if let Some(sink) = jsonl.as_mut() {
                    if let Err(err) = sink.write_batch(&alerts) {
                        errors.push(err.to_string());
                    }
                }
            }
            if !counts.is_empty() {
                if let Err(err) = store_for_write.record_counts(&counts) {
                    errors.push(err.to_string());
                }
            }
            (jsonl, errors)
        })
        .await;
        match write {
            Ok((sink, errors)) => {
                jsonl = sink;
                for err in errors {
                    metrics.store_errors.inc();
                    tracing::warn!("alert store write failed: {err}");
                }
            }
            Err(err) => {
                metrics.store_errors.inc();
                tracing::error!("alert store writer stopped: {err}");
                return;
            }
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}
