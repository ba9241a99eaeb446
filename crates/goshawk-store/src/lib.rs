//! The alert store: alerts and per-minute counters in an embedded SQLite database, kept
//! across restarts, with retention by age and size; plus a JSON Lines file sink.
//!
//! It exists so that what the server decided outlives the process: the dashboard and
//! `GET /alerts` read history from here, and a restarted server shows what came before.
//! Each alert is stored whole as JSON, next to the few columns queries filter on (time, action,
//! kind, source, attack type), so the schema never has to follow the shape of `Alert`.

mod jsonl;

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use goshawk_core::{Action, Alert, EventKind};
use rusqlite::{params, params_from_iter, Connection, OpenFlags, OptionalExtension};

pub use jsonl::JsonlSink;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open alert store {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("alert store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("alert {key}: cannot encode as JSON: {source}")]
    Encode {
        key: String,
        source: serde_json::Error,
    },
    #[error("stored alert #{row} is not a valid alert: {source}")]
    Decode { row: i64, source: serde_json::Error },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("alert store lock poisoned (a previous writer panicked)")]
    Poisoned,
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// How much history to keep. `None` keeps everything on that axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Alerts and counters older than this are deleted.
    pub max_age: Option<Duration>,
    /// At most this many alerts are kept (the newest ones).
    pub max_rows: Option<u64>,
}

impl Default for Retention {
    /// Thirty days and one million alerts. An alert with its findings is 1–3 KB of JSON, so the
    /// file can reach a few GB (3.5 GB after a 10-minute soak of 100-event batches).
    fn default() -> Self {
        Retention {
            max_age: Some(Duration::from_secs(30 * 24 * 3600)),
            max_rows: Some(1_000_000),
        }
    }
}

/// Which alerts to read. Results come newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertQuery {
    /// Only alerts raised at or after this time (Unix milliseconds).
    pub since_ms: Option<i64>,
    pub action: Option<Action>,
    pub kind: Option<EventKind>,
    /// Only alerts from this source (client IP, device id, ...).
    pub source: Option<String>,
    /// At most this many (0 means the default of 100).
    pub limit: usize,
}

/// One per-minute counter: how many events of this kind got this action (and attack type).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CountRow {
    /// Minutes since the Unix epoch.
    pub minute: i64,
    pub kind: String,
    pub action: String,
    /// Empty when the verdict named no attack type.
    pub attack_type: String,
    pub n: u64,
}

/// A source and how many alerts it raised.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceCount {
    pub source: String,
    pub alerts: u64,
}

/// The SQLite alert store. Safe to share between threads: writes go through one connection,
/// reads through another, and WAL mode lets readers proceed while a write is in progress.
pub struct AlertStore {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    retention: Retention,
    path: PathBuf,
    /// Declared last: dropped after the connections, so its last checkpoint sees every write.
    _checkpointer: Option<Checkpointer>,
}

/// How often the write-ahead log is moved into the database, off the writers' path.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// The writer checkpoints by itself only past this many WAL pages (4 KB each): a backstop in
/// case the background checkpoints fall behind. SQLite's default, 1,000 pages, made every
/// fourth 5,000-event batch of `consume` wait ~50 ms for a checkpoint (and its fsync).
const WRITER_AUTOCHECKPOINT_PAGES: u32 = 16_384;

/// A thread that checkpoints the WAL every [`CHECKPOINT_EVERY`] with its own connection
/// (`PASSIVE`: it never blocks readers or the writer). Stops and joins when dropped.
struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    fn start(path: &Path) -> rusqlite::Result<Checkpointer> {
        let connection = Connection::open(path)?;
        connection.execute_batch("PRAGMA busy_timeout=5000;")?;
        let (stop, stopped) = mpsc::channel::<()>();
        let name = path.display().to_string();
        let thread = std::thread::Builder::new()
            .name("goshawk-store-checkpoint".into())
            .spawn(move || loop {
                let last = !matches!(
                    stopped.recv_timeout(CHECKPOINT_EVERY),
                    Err(mpsc::RecvTimeoutError::Timeout)
                );
                if let Err(error) =
                    connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                {
                    tracing::warn!(store = %name, %error, "alert store checkpoint failed");
                }
                if last {
                    break;
                }
            })
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    time_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    action TEXT NOT NULL,
    source TEXT,
    attack_type TEXT,
    score REAL NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_time ON alerts(time_ms);
CREATE TABLE IF NOT EXISTS counts (
    minute INTEGER NOT NULL,
    kind TEXT NOT NULL,
    action TEXT NOT NULL,
    attack_type TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (minute, kind, action, attack_type)
) WITHOUT ROWID;
";

/// Default number of alerts a query returns.
pub const DEFAULT_LIMIT: usize = 100;
/// Most alerts a single query may return.
pub const MAX_LIMIT: usize = 10_000;

/// An alert as the store keeps it (JSON): what [`AlertStore::insert_encoded`] takes.
pub fn encode(alert: &Alert) -> Result<String> {
    serde_json::to_string(alert).map_err(|source| StoreError::Encode {
        key: alert.idempotency_key.clone(),
        source,
    })
}

impl AlertStore {
    /// Opens (creating if needed) the database at `path` in WAL mode.
    pub fn open(path: impl AsRef<Path>, retention: Retention) -> Result<AlertStore> {
        let path = path.as_ref().to_path_buf();
        let open_err = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        let writer = Connection::open(&path).map_err(open_err)?;
        // WAL: readers do not block the writer; NORMAL sync is durable across process crashes
        // (only an OS crash may lose the last transactions), which suits an alert log.
        writer
            .execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            )
            .map_err(open_err)?;
        writer.execute_batch(SCHEMA).map_err(open_err)?;
        // Checkpoints run on their own thread; without it the writer keeps SQLite's default.
        let checkpointer = match Checkpointer::start(&path) {
            Ok(checkpointer) => {
                writer
                    .pragma_update(None, "wal_autocheckpoint", WRITER_AUTOCHECKPOINT_PAGES)
                    .map_err(open_err)?;
                Some(checkpointer)
            }
            Err(error) => {
                tracing::warn!(store = %path.display(), %error, "no background checkpoints");
                None
            }
        };
        let reader = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        reader
            .execute_batch("PRAGMA busy_timeout=5000;")
            .map_err(open_err)?;
        Ok(AlertStore {
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            retention,
            path,
            _checkpointer: checkpointer,
        })
    }

    /// Where the database lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn retention(&self) -> Retention {
        self.retention
    }

    fn writer(&self) -> Result<MutexGuard<'_, Connection>> {
        self.writer.lock().map_err(|_| StoreError::Poisoned)
    }

    fn reader(&self) -> Result<MutexGuard<'_, Connection>> {
        self.reader.lock().map_err(|_| StoreError::Poisoned)
    }

    /// Stores one alert. `Ok(false)` when an alert with the same idempotency key is already
    /// stored (the alert is then not stored again).
    pub fn insert(&self, alert: &Alert) -> Result<bool> {
        Ok(self.insert_batch(std::slice::from_ref(alert))? == 1)
    }

    /// Stores alerts in one transaction; returns how many were new (duplicates by idempotency
    /// key are skipped).
    pub fn insert_batch(&self, alerts: &[Alert]) -> Result<usize> {
        let encoded = alerts
            .iter()
            .map(|alert| Ok((alert, encode(alert)?)))
            .collect::<Result<Vec<_>>>()?;
        self.insert_encoded(&encoded)
    }

    /// [`AlertStore::insert_batch`] for alerts the caller encoded already with [`encode`]
    /// (`goshawk consume` encodes on every core, and publishes the same bytes).
    pub fn insert_encoded(&self, alerts: &[(&Alert, String)]) -> Result<usize> {
        let mut conn = self.writer()?;
        let tx = conn.transaction()?;
        let mut inserted = 0;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO alerts
                 (idempotency_key, time_ms, kind, action, source, attack_type, score, json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for (alert, json) in alerts {
                inserted += stmt.execute(params![
                    alert.idempotency_key,
                    alert.time_ms,
                    alert.kind.as_str(),
                    alert.verdict.action.as_str(),
                    alert.source,
                    alert.verdict.attack_type.as_ref().map(|t| t.as_str()),
                    alert.verdict.score,
                    json,
                ])?;
            }
        }
        tx.commit()?;
        Ok(inserted)
    }

    /// Alerts matching `query`, newest first.
    pub fn query(&self, query: &AlertQuery) -> Result<Vec<Alert>> {
        let mut sql = String::from("SELECT id, json FROM alerts WHERE 1=1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(since) = query.since_ms {
            sql.push_str(" AND time_ms >= ?");
            args.push(since.into());
        }
        if let Some(action) = query.action {
            sql.push_str(" AND action = ?");
            args.push(action.as_str().to_string().into());
        }
        if let Some(kind) = query.kind {
            sql.push_str(" AND kind = ?");
            args.push(kind.as_str().to_string().into());
        }
        if let Some(source) = &query.source {
            sql.push_str(" AND source = ?");
            args.push(source.clone().into());
        }
        let limit = match query.limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        sql.push_str(" ORDER BY time_ms DESC, id DESC LIMIT ?");
        args.push((limit as i64).into());

        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })?;
        let mut alerts = Vec::new();
        for row in rows {
            let (id, json) = row?;
            let alert = serde_json::from_str(&json)
                .map_err(|source| StoreError::Decode { row: id, source })?;
            alerts.push(alert);
        }
        Ok(alerts)
    }

    /// How many alerts are stored.
    pub fn len(&self) -> Result<u64> {
        let conn = self.reader()?;
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM alerts", [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// The sources that raised the most alerts since `since_ms`, most first.
    pub fn top_sources(&self, since_ms: i64, limit: usize) -> Result<Vec<SourceCount>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(
            "SELECT source, COUNT(*) AS n FROM alerts
             WHERE time_ms >= ?1 AND source IS NOT NULL
             GROUP BY source ORDER BY n DESC, source LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![since_ms, limit as i64], |row| {
            Ok(SourceCount {
                source: row.get(0)?,
                alerts: row.get::<_, i64>(1)?.max(0) as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Adds to the per-minute counters (one transaction; rows with the same key add up).
    pub fn record_counts(&self, counts: &[CountRow]) -> Result<()> {
        let mut conn = self.writer()?;
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO counts (minute, kind, action, attack_type, n) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (minute, kind, action, attack_type) DO UPDATE SET n = n + excluded.n",
            )?;
            for c in counts {
                stmt.execute(params![
                    c.minute,
                    c.kind,
                    c.action,
                    c.attack_type,
                    c.n.min(i64::MAX as u64) as i64
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every counter row from `since_minute` on, oldest minute first.
    pub fn counts_since(&self, since_minute: i64) -> Result<Vec<CountRow>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(
            "SELECT minute, kind, action, attack_type, n FROM counts WHERE minute >= ?1
             ORDER BY minute, kind, action, attack_type",
        )?;
        let rows = stmt.query_map(params![since_minute], |row| {
            Ok(CountRow {
                minute: row.get(0)?,
                kind: row.get(1)?,
                action: row.get(2)?,
                attack_type: row.get(3)?,
                n: row.get::<_, i64>(4)?.max(0) as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Deletes what the retention policy no longer keeps, as of now. Returns the number of
    /// alerts deleted.
    pub fn enforce_retention(&self) -> Result<usize> {
        self.enforce_retention_at(now_ms())
    }

    /// [`AlertStore::enforce_retention`] as of `now_ms` (Unix milliseconds). Alerts are
    /// deleted [`RETENTION_CHUNK`] at a time, one transaction each, oldest first: inserts wait
    /// for one chunk at most, and no statement sorts or holds the whole table.
    pub fn enforce_retention_at(&self, now_ms: i64) -> Result<usize> {
        let mut deleted = 0;
        if let Some(max_age) = self.retention.max_age {
            let cutoff_ms = now_ms.saturating_sub(max_age.as_millis().min(i64::MAX as u128) as i64);
            deleted += self.delete_in_chunks("time_ms < ?1", params![cutoff_ms])?;
            self.writer()?.execute(
                "DELETE FROM counts WHERE minute < ?1",
                params![cutoff_ms.div_euclid(60_000)],
            )?;
        }
        if let Some(max_rows) = self.retention.max_rows {
            // Keep the newest `max_rows` by time (ties: by insertion order): everything before
            // the oldest of them goes. The time index holds (time_ms, id) in that order.
            let oldest_kept: Option<(i64, i64)> = match max_rows.checked_sub(1) {
                Some(skip) => self
                    .writer()?
                    .query_row(
                        "SELECT time_ms, id FROM alerts ORDER BY time_ms DESC, id DESC
                         LIMIT 1 OFFSET ?1",
                        params![skip.min(i64::MAX as u64) as i64],
                        |row| Ok((row.get(0)?, row.get(1)?)),
                    )
                    .optional()?,
                None => Some((i64::MAX, i64::MAX)),
            };
            if let Some((time_ms, id)) = oldest_kept {
                deleted += self.delete_in_chunks(
                    "time_ms < ?1 OR (time_ms = ?1 AND id < ?2)",
                    params![time_ms, id],
                )?;
            }
        }
        Ok(deleted)
    }

    /// Deletes the alerts matching `condition`, oldest first, [`RETENTION_CHUNK`] per
    /// transaction, releasing the writer between chunks.
    fn delete_in_chunks(&self, condition: &str, params: &[&dyn rusqlite::ToSql]) -> Result<usize> {
        let sql = format!(
            "DELETE FROM alerts WHERE id IN
                 (SELECT id FROM alerts WHERE {condition} ORDER BY time_ms, id LIMIT {RETENTION_CHUNK})"
        );
        let mut deleted = 0;
        loop {
            let chunk = self.writer()?.execute(&sql, params)?;
            deleted += chunk;
            if chunk < RETENTION_CHUNK {
                return Ok(deleted);
            }
        }
    }
}

/// Alerts deleted per transaction by the retention sweep.
pub const RETENTION_CHUNK: usize = 10_000;

/// The current time in Unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis().min(i64::MAX as u128) as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use goshawk_core::{AttackType, Event, HttpRequest, Verdict};
    use std::collections::BTreeSet;

    fn alert(key: &str, time_ms: i64, action: Action, source: &str) -> Alert {
        Alert {
            idempotency_key: key.into(),
            time_ms,
            source: Some(source.into()),
            kind: EventKind::Http,
            verdict: Verdict {
                trace_id: key.into(),
                score: 0.9,
                is_threat: true,
                action,
                confidence: 0.8,
                attack_type: Some(AttackType::Sqli),
                explanation: vec!["matched ' or 1=1".into()],
                findings: vec![],
            },
            event: Event::Http(HttpRequest::from_target("/login?u=' or 1=1--")),
        }
    }

    fn open(dir: &tempfile::TempDir, retention: Retention) -> AlertStore {
        AlertStore::open(dir.path().join("alerts.db"), retention).expect("open store")
    }

    const KEEP_ALL: Retention = Retention {
        max_age: None,
        max_rows: None,
    };

    #[test]
    fn the_write_ahead_log_is_checkpointed_in_the_background() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = open(&dir, KEEP_ALL);
        let database = dir.path().join("alerts.db");
        let size = || std::fs::metadata(&database).expect("database file").len();
        let before = size();
        let batch: Vec<Alert> = (0..2_000)
            .map(|i| alert(&format!("k{i}"), i, Action::Alert, "10.0.0.1"))
            .collect();
        assert_eq!(store.insert_batch(&batch).expect("insert"), 2_000);
        // ~0.8 MB of alerts: far below the writer's own checkpoint threshold, so only the
        // background checkpoint moves them from the log into the database file.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while size() <= before + 400_000 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            size() > before + 400_000,
            "database file {} bytes (was {before}): no checkpoint",
            size()
        );
        assert_eq!(store.len().expect("len"), 2_000);
    }

    #[test]
    fn an_alert_delivered_twice_is_stored_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = open(&dir, KEEP_ALL);
        let a = alert("k1", 1_000, Action::Alert, "10.0.0.1");
        assert!(store.insert(&a).expect("insert"));
        assert!(!store.insert(&a).expect("insert again"));
        let batch = [a.clone(), alert("k2", 2_000, Action::Block, "10.0.0.2")];
        assert_eq!(store.insert_batch(&batch).expect("batch"), 1);
        assert_eq!(store.len().expect("len"), 2);
        let all = store.query(&AlertQuery::default()).expect("query");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].idempotency_key, "k2", "newest first");
        assert_eq!(all[1], a, "round trip keeps the whole alert");
    }

    #[test]
    fn queries_filter_by_time_action_kind_source_and_limit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = open(&dir, KEEP_ALL);
        let mut iot = alert("iot", 5_000, Action::Alert, "cam_1");
        iot.kind = EventKind::Iot;
        store
            .insert_batch(&[
                alert("a", 1_000, Action::Alert, "10.0.0.1"),
                alert("b", 2_000, Action::Block, "10.0.0.1"),
                alert("c", 3_000, Action::Alert, "10.0.0.2"),
                iot,
            ])
            .expect("insert");
        let keys = |q: AlertQuery| -> Vec<String> {
            store
                .query(&q)
                .expect("query")
                .into_iter()
                .map(|a| a.idempotency_key)
                .collect()
        };
        assert_eq!(
            keys(AlertQuery {
                since_ms: Some(2_000),
                ..Default::default()
            }),
            ["iot", "c", "b"]
        );
        assert_eq!(
            keys(AlertQuery {
                action: Some(Action::Block),
                ..Default::default()
            }),
            ["b"]
        );
        assert_eq!(
            keys(AlertQuery {
                kind: Some(EventKind::Iot),
                ..Default::default()
            }),
            ["iot"]
        );
        assert_eq!(
            keys(AlertQuery {
                source: Some("10.0.0.1".into()),
                ..Default::default()
            }),
            ["b", "a"]
        );
        assert_eq!(
            keys(AlertQuery {
                limit: 2,
                ..Default::default()
            }),
            ["iot", "c"]
        );
        let top = store.top_sources(0, 10).expect("top sources");
        assert_eq!(top[0].source, "10.0.0.1");
        assert_eq!(top[0].alerts, 2);
        assert_eq!(top.len(), 3);
    }

    #[test]
    fn retention_by_age_drops_old_alerts_and_counters() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = open(
            &dir,
            Retention {
                max_age: Some(Duration::from_secs(60)),
                max_rows: None,
            },
        );
        let now = 10_000_000;
        store
            .insert_batch(&[
                alert("old", now - 120_000, Action::Alert, "x"),
                alert("new", now - 1_000, Action::Alert, "x"),
            ])
            .expect("insert");
        let count = |minute| CountRow {
            minute,
            kind: "http".into(),
            action: "alert".into(),
            attack_type: String::new(),
            n: 1,
        };
        store
            .record_counts(&[count(now / 60_000 - 5), count(now / 60_000)])
            .expect("counts");
        assert_eq!(store.enforce_retention_at(now).expect("retention"), 1);
        let left = store.query(&AlertQuery::default()).expect("query");
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].idempotency_key, "new");
        assert_eq!(store.counts_since(0).expect("counts").len(), 1);
    }

    /// More rows to delete than one chunk, with ties in time: the newest by time, then by
    /// insertion, are kept.
    #[test]
    fn retention_deletes_in_chunks_and_keeps_the_newest_rows_on_ties() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = open(
            &dir,
            Retention {
                max_age: None,
                max_rows: Some(1_000),
            },
        );
        let total = RETENTION_CHUNK * 2 + 500;
        // Time goes up by one second every 100 alerts: 100-way ties.
        let alerts: Vec<Alert> = (0..total)
            .map(|i| {
                alert(
                    &format!("k{i}"),
                    (i / 100) as i64 * 1_000,
                    Action::Alert,
                    "x",
                )
            })
            .collect();
        store.insert_batch(&alerts).expect("insert");
        assert_eq!(
            store.enforce_retention_at(0).expect("retention"),
            total - 1_000
        );
        let kept = store
            .query(&AlertQuery {
                limit: MAX_LIMIT,
                ..AlertQuery::default()
            })
            .expect("query");
        assert_eq!(kept.len(), 1_000);
        let keys: BTreeSet<String> = kept.into_iter().map(|a| a.idempotency_key).collect();
        let newest: BTreeSet<String> = (total - 1_000..total).map(|i| format!("k{i}")).collect();
        assert_eq!(keys, newest);
        assert_eq!(store.enforce_retention_at(0).expect("again"), 0);
    }

    #[test]
    fn retention_by_size_keeps_the_newest_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = open(
            &dir,
            Retention {
                max_age: None,
                max_rows: Some(3),
            },
        );
        let alerts: Vec<Alert> = (0..10)
            .map(|i| alert(&format!("k{i}"), i * 1_000, Action::Alert, "x"))
            .collect();
        store.insert_batch(&alerts).expect("insert");
        assert_eq!(store.enforce_retention_at(0).expect("retention"), 7);
        let keys: Vec<String> = store
            .query(&AlertQuery::default())
            .expect("query")
            .into_iter()
            .map(|a| a.idempotency_key)
            .collect();
        assert_eq!(keys, ["k9", "k8", "k7"]);
    }

    #[test]
    fn reopening_keeps_alerts_counters_and_dedup() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = open(&dir, KEEP_ALL);
            store
                .insert(&alert("k1", 1_000, Action::Block, "x"))
                .expect("insert");
            store
                .record_counts(&[CountRow {
                    minute: 7,
                    kind: "http".into(),
                    action: "block".into(),
                    attack_type: "sqli".into(),
                    n: 3,
                }])
                .expect("counts");
        }
        let store = open(&dir, KEEP_ALL);
        assert_eq!(store.len().expect("len"), 1);
        assert!(!store
            .insert(&alert("k1", 1_000, Action::Block, "x"))
            .expect("insert"));
        store
            .record_counts(&[CountRow {
                minute: 7,
                kind: "http".into(),
                action: "block".into(),
                attack_type: "sqli".into(),
                n: 2,
            }])
            .expect("counts");
        let counts = store.counts_since(7).expect("counts");
        assert_eq!(counts.len(), 1);
        assert_eq!(counts[0].n, 5, "counters add up across restarts");
        assert!(store.counts_since(8).expect("counts").is_empty());
    }

    #[test]
    fn opening_a_path_in_a_missing_directory_names_the_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("missing").join("alerts.db");
        let err = AlertStore::open(&path, KEEP_ALL)
            .err()
            .expect("cannot open");
        assert!(err.to_string().contains("missing"), "{err}");
    }
}
