//! Kafka transport: a consumer-group source and a producer sink, and nothing about detection.
//!
//! It exists so the rest of goshawk sees Kafka as batches of records in and records out, with
//! the delivery guarantees decided here in one place:
//! - **at least once**: offsets are never committed automatically; the caller commits a batch
//!   with [`KafkaSource::commit`] only after its verdicts and alerts are durably written;
//! - **nothing scored twice on a clean rebalance**: records of partitions revoked while a batch
//!   was being gathered are dropped from it (uncommitted, so the partition's next owner reads
//!   them), and a batch is processed and committed before the consumer polls again;
//! - **nothing lost on the way out**: [`KafkaSink::flush`] waits for every message to be
//!   acknowledged and reports any that were not.
//!
//! Both ends follow the crate's pattern of a config struct plus a build step
//! ([`KafkaSourceConfig::build`], [`KafkaSinkConfig::build`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientContext, Offset, TopicPartitionList};

/// Why a Kafka operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("kafka configuration: {0}")]
    Config(String),
    #[error("cannot create the Kafka {what} for {brokers}: {source}")]
    Create {
        what: &'static str,
        brokers: String,
        source: KafkaError,
    },
    #[error("cannot subscribe to {topics:?}: {source}")]
    Subscribe {
        topics: Vec<String>,
        source: KafkaError,
    },
    #[error("reading from Kafka: {0}")]
    Poll(KafkaError),
    #[error("committing offsets {offsets}: {source}")]
    Commit { offsets: String, source: KafkaError },
    #[error("producing to topic {topic}: {source}")]
    Produce { topic: String, source: KafkaError },
    #[error("{failed} message(s) to topic {topic} were not acknowledged (first error: {first})")]
    Undelivered {
        topic: String,
        failed: u64,
        first: String,
    },
    #[error("reading the history of {partitions}: {reason}")]
    History { partitions: String, reason: String },
    #[error("flushing messages to topic {topic}: {source}")]
    Flush { topic: String, source: KafkaError },
}

pub type Result<T> = std::result::Result<T, Error>;

/// Topic partitions, as (topic, partition).
pub type Partitions = Vec<(String, i32)>;

/// Extra librdkafka properties (`key = value`), passed through as given.
pub type Properties = BTreeMap<String, String>;

/// What to consume, as one member of a consumer group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaSourceConfig {
    /// Bootstrap brokers, `HOST:PORT[,HOST:PORT...]`.
    pub brokers: String,
    pub topics: Vec<String>,
    /// Consumer group: members of one group split the topics' partitions between them.
    pub group: String,
    /// Extra librdkafka properties; they win over the defaults set here, except that
    /// automatic commits stay off (the delivery guarantee depends on it).
    pub properties: Properties,
}

/// Properties goshawk's guarantees depend on; a configuration may not change them.
const FIXED_CONSUMER_PROPERTIES: [(&str, &str); 2] = [
    ("enable.auto.commit", "false"),
    ("enable.auto.offset.store", "false"),
];

/// How long the group waits for a silent member before giving its partitions to the others.
const DEFAULT_SESSION_TIMEOUT_MS: u64 = 10_000;

/// Longest a fetch may wait at the broker for data (librdkafka's default is 500 ms). A real
/// Kafka answers as soon as it has data, so this is only the idle consumer's polling period;
/// tansu 0.6 holds every fetch for the whole wait, data or not (its fetch loop sleeps out the
/// remaining wait before checking what it read: tansu-storage `service/fetch.rs`), so against
/// it the wait paces delivery. Measured with 200,000 events on 4 partitions: at 500 ms one
/// consumer scored ~35,000 events/s; at 100 ms ~85,000, waiting 0.8-1.1 s of its 2.3 s in
/// `poll`; at 50 ms 83,000-120,000 (5, 10 and 20 ms: no better beyond this machine's noise).
/// An idle consumer costs tansu 1.7 % of a core at 50 ms, 3.8 % at 20, 7.6 % at 5
/// (`bash bench/kafka_fetch_wait.sh`, BENCHMARKS.md).
const DEFAULT_FETCH_WAIT_MAX_MS: u64 = 50;

impl KafkaSourceConfig {
    /// How long the group waits for a silent member (a killed one, say) before moving its
    /// partitions: `session.timeout.ms`, as configured or goshawk's default of 10 s.
    pub fn session_timeout(&self) -> Duration {
        let ms = self
            .properties
            .get("session.timeout.ms")
            .and_then(|ms| ms.trim().parse().ok())
            .unwrap_or(DEFAULT_SESSION_TIMEOUT_MS);
        Duration::from_millis(ms)
    }

    /// Validates the configuration, creates the consumer and subscribes it.
    pub fn build(&self) -> Result<KafkaSource> {
        if self.brokers.trim().is_empty() {
            return Err(Error::Config("no brokers given".into()));
        }
        if self.topics.is_empty() || self.topics.iter().any(|t| t.trim().is_empty()) {
            return Err(Error::Config(format!(
                "topics must be non-empty names, got {:?}",
                self.topics
            )));
        }
        if self.group.trim().is_empty() {
            return Err(Error::Config("the consumer group id is empty".into()));
        }
        for (key, _) in FIXED_CONSUMER_PROPERTIES {
            if self.properties.contains_key(key) {
                return Err(Error::Config(format!(
                    "{key} cannot be set: goshawk commits offsets itself, after verdicts and alerts are written"
                )));
            }
        }
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.brokers)
            .set("group.id", &self.group)
            .set("auto.offset.reset", "earliest")
            // A lost member's partitions move to the others within this time.
            .set("session.timeout.ms", DEFAULT_SESSION_TIMEOUT_MS.to_string())
            .set("fetch.wait.max.ms", DEFAULT_FETCH_WAIT_MAX_MS.to_string())
            .set("client.id", "goshawk");
        for (key, value) in &self.properties {
            config.set(key, value);
        }
        for (key, value) in FIXED_CONSUMER_PROPERTIES {
            config.set(key, value);
        }
        let reader_config = config.clone();
        let context = SourceContext::default();
        let revoked = context.revoked.clone();
        let assigned = context.assigned.clone();
        let consumer: BaseConsumer<SourceContext> =
            config
                .create_with_context(context)
                .map_err(|source| Error::Create {
                    what: "consumer",
                    brokers: self.brokers.clone(),
                    source,
                })?;
        let topics: Vec<&str> = self.topics.iter().map(String::as_str).collect();
        consumer
            .subscribe(&topics)
            .map_err(|source| Error::Subscribe {
                topics: self.topics.clone(),
                source,
            })?;
        Ok(KafkaSource {
            consumer,
            reader_config,
            revoked,
            assigned,
        })
    }
}

/// Notes the partitions taken away in a rebalance, so a batch being gathered can drop their
/// records (see [`KafkaSource::poll_batch`]).
#[derive(Default)]
struct SourceContext {
    revoked: Arc<Mutex<Partitions>>,
    /// The latest assignment not yet seen by the caller (see [`KafkaSource::assignment_change`]).
    assigned: Arc<Mutex<Option<Partitions>>>,
}

impl ClientContext for SourceContext {}

impl ConsumerContext for SourceContext {
    fn pre_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Revoke(list) => {
                let mut revoked = self.revoked.lock().unwrap_or_else(|e| e.into_inner());
                for element in list.elements() {
                    revoked.push((element.topic().to_string(), element.partition()));
                }
                tracing::info!(partitions = list.count(), "kafka: partitions revoked");
            }
            Rebalance::Assign(list) => {
                tracing::info!(partitions = list.count(), "kafka: partitions assigned");
                let partitions = list
                    .elements()
                    .iter()
                    .map(|e| (e.topic().to_string(), e.partition()))
                    .collect();
                *self.assigned.lock().unwrap_or_else(|e| e.into_inner()) = Some(partitions);
            }
            Rebalance::Error(error) => tracing::warn!(%error, "kafka: rebalance error"),
        }
    }
}

/// One consumed message, owned (the batch outlives the poll that read it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    /// Empty for a message without a payload.
    pub payload: Vec<u8>,
    /// Header names and values, in order (a header without a value has an empty one).
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Record {
    fn of(message: &impl Message) -> Record {
        Record {
            topic: message.topic().to_string(),
            partition: message.partition(),
            offset: message.offset(),
            key: message.key().map(<[u8]>::to_vec),
            payload: message.payload().map(<[u8]>::to_vec).unwrap_or_default(),
            headers: message
                .headers()
                .map(|headers| {
                    headers
                        .iter()
                        .map(|h| (h.key.to_string(), h.value.unwrap_or_default().to_vec()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// `topic/partition/offset`: unique per message, the idempotency key of what it produces.
    pub fn position(&self) -> String {
        format!("{}/{}/{}", self.topic, self.partition, self.offset)
    }

    /// The value of the first header called `name`.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_slice())
    }
}

/// A consumer-group member with manual commits. Dropping it leaves the group.
pub struct KafkaSource {
    consumer: BaseConsumer<SourceContext>,
    /// The consumer's settings, for readers of a partition's history.
    reader_config: ClientConfig,
    revoked: Arc<Mutex<Partitions>>,
    assigned: Arc<Mutex<Option<Partitions>>>,
}

/// Offsets `from..to` of one partition (`from` may lie before the earliest offset the broker
/// still holds: the read then starts there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetRange {
    pub topic: String,
    pub partition: i32,
    pub from: i64,
    pub to: i64,
}

/// Per-partition lag of the assigned partitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionLag {
    pub topic: String,
    pub partition: i32,
    /// Messages in the partition not yet consumed by this member (high watermark − position).
    pub lag: i64,
}

impl KafkaSource {
    /// Waits up to `wait` for a first record, then takes what is already fetched, up to `max`
    /// records. Records of partitions revoked meanwhile are left out (they were not processed
    /// and are not committed: the partition's new owner reads them).
    pub fn poll_batch(&self, max: usize, wait: Duration) -> Result<Vec<Record>> {
        let mut batch = Vec::new();
        let deadline = Instant::now() + wait;
        while batch.len() < max {
            let timeout = if batch.is_empty() {
                deadline.saturating_duration_since(Instant::now())
            } else {
                Duration::ZERO
            };
            let polled = self.consumer.poll(timeout);
            self.drop_revoked(&mut batch);
            match polled {
                None => {
                    if !batch.is_empty() || Instant::now() >= deadline {
                        break;
                    }
                }
                Some(Ok(message)) => batch.push(Record::of(&message)),
                // The end of a partition is information, not an error.
                Some(Err(KafkaError::PartitionEOF(_))) => {}
                Some(Err(error)) if is_transient(&error) => {
                    tracing::warn!(%error, "kafka: transient error, retrying");
                }
                Some(Err(error)) => return Err(Error::Poll(error)),
            }
        }
        if let (Some(first), Some(last)) = (batch.first(), batch.last()) {
            tracing::debug!(
                records = batch.len(),
                first = %first.position(),
                last = %last.position(),
                "kafka: batch"
            );
        }
        Ok(batch)
    }

    /// The partitions of the group's latest assignment to this member (possibly none), once
    /// per assignment: `None` when there was no new assignment since the last call. Until the
    /// first one, the member has not joined the group yet (a restarted member waits for the
    /// group to give up on its predecessor).
    pub fn assignment_change(&self) -> Option<Partitions> {
        self.assigned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    fn drop_revoked(&self, batch: &mut Vec<Record>) {
        let mut revoked = self.revoked.lock().unwrap_or_else(|e| e.into_inner());
        if revoked.is_empty() {
            return;
        }
        let before = batch.len();
        tracing::debug!(?revoked, "kafka: revoked, dropping");
        batch.retain(|r| {
            !revoked
                .iter()
                .any(|(topic, partition)| *topic == r.topic && *partition == r.partition)
        });
        if batch.len() < before {
            tracing::info!(
                dropped = before - batch.len(),
                "kafka: records of revoked partitions left to their new owner"
            );
        }
        revoked.clear();
    }

    /// Commits, synchronously, the position after the last record of each partition in
    /// `records`: call it once they are durably processed.
    pub fn commit(&self, records: &[Record]) -> Result<()> {
        let mut next: BTreeMap<(&str, i32), i64> = BTreeMap::new();
        for record in records {
            let offset = next
                .entry((&record.topic, record.partition))
                .or_insert(record.offset + 1);
            *offset = (*offset).max(record.offset + 1);
        }
        if next.is_empty() {
            return Ok(());
        }
        tracing::debug!(?next, "kafka: committing");
        let mut list = TopicPartitionList::new();
        for ((topic, partition), offset) in &next {
            list.add_partition_offset(topic, *partition, Offset::Offset(*offset))
                .map_err(|source| Error::Commit {
                    offsets: format!("{topic}/{partition}@{offset}"),
                    source,
                })?;
        }
        self.consumer
            .commit(&list, CommitMode::Sync)
            .map_err(|source| Error::Commit {
                offsets: next
                    .iter()
                    .map(|((t, p), o)| format!("{t}/{p}@{o}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                source,
            })
    }

    /// Reads the records of each range, by offset, with a reader outside the group (it commits
    /// nothing and moves no member's position): the history before where the group resumes,
    /// which a member taking over partitions replays into its behaviour windows. Records come
    /// in offset order within a partition. Gives up after `timeout`.
    pub fn read_history(&self, ranges: &[OffsetRange], timeout: Duration) -> Result<Vec<Record>> {
        let names = || describe(ranges.iter().map(|r| (r.topic.as_str(), r.partition)));
        let failed = |reason: String| Error::History {
            partitions: names(),
            reason,
        };
        let mut pending: BTreeMap<(&str, i32), i64> = BTreeMap::new();
        let mut list = TopicPartitionList::new();
        for range in ranges.iter().filter(|r| r.from < r.to) {
            list.add_partition_offset(&range.topic, range.partition, Offset::Offset(range.from))
                .map_err(|e| failed(e.to_string()))?;
            pending.insert((&range.topic, range.partition), range.to);
        }
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        let mut config = self.reader_config.clone();
        // Its own group id: the reader never joins a group, and the members' group is left
        // alone (tansu 0.6 gave a restarted member no partitions after the group's offsets
        // were fetched outside its poll loop).
        let group = config.get("group.id").unwrap_or("goshawk").to_string();
        config
            .set("group.id", format!("{group}.history"))
            .set("enable.partition.eof", "true")
            .set("auto.offset.reset", "earliest");
        let reader: BaseConsumer = config
            .create()
            .map_err(|e| failed(format!("creating a reader: {e}")))?;
        reader
            .assign(&list)
            .map_err(|e| failed(format!("assigning: {e}")))?;
        let deadline = Instant::now() + timeout;
        let mut records = Vec::new();
        while !pending.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(failed(format!(
                    "{} partition(s) not read to the end within {:.0}s",
                    pending.len(),
                    timeout.as_secs_f64()
                )));
            }
            match reader.poll(left) {
                Some(Ok(message)) => {
                    let key = (message.topic(), message.partition());
                    if let Some(&to) = pending.get(&key) {
                        if message.offset() < to {
                            records.push(Record::of(&message));
                        }
                        if message.offset() + 1 >= to {
                            pending.retain(|k, _| *k != key);
                        }
                    }
                }
                // The end of what the partition holds (a range may end in a control record,
                // which is never delivered). The error names the partition number only: with
                // several topics, another topic's range of that number may end early, which
                // shortens its history rather than holding the reader.
                Some(Err(KafkaError::PartitionEOF(partition))) => {
                    pending.retain(|(_, p), _| *p != partition);
                }
                Some(Err(error)) if is_transient(&error) => {
                    tracing::warn!(%error, "kafka: transient error reading history, retrying");
                }
                Some(Err(error)) => return Err(failed(error.to_string())),
                None => {}
            }
        }
        Ok(records)
    }

    /// Lag of every assigned partition (asks the brokers for watermarks; a partition whose
    /// watermarks cannot be had within `timeout` is left out).
    pub fn lag(&self, timeout: Duration) -> Vec<PartitionLag> {
        let Ok(positions) = self.consumer.position() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for element in positions.elements() {
            let Ok((_, high)) =
                self.consumer
                    .fetch_watermarks(element.topic(), element.partition(), timeout)
            else {
                continue;
            };
            let consumed = match element.offset() {
                Offset::Offset(o) => Some(o),
                _ => None,
            };
            let lag = match consumed {
                Some(position) => (high - position).max(0),
                // Nothing consumed yet: a committed offset may exist, but the watermark bounds it.
                None => high.max(0),
            };
            out.push(PartitionLag {
                topic: element.topic().to_string(),
                partition: element.partition(),
                lag,
            });
        }
        out
    }

    /// Leaves the group now, so the others take over this member's partitions at once.
    pub fn close(self) {
        self.consumer.unsubscribe();
        // Serve the revoke callback of the unsubscribe.
        let _ = self.consumer.poll(Duration::from_millis(100));
    }
}

/// `topic/partition, ...` for messages.
fn describe<'a>(partitions: impl Iterator<Item = (&'a str, i32)>) -> String {
    partitions
        .map(|(topic, partition)| format!("{topic}/{partition}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Errors librdkafka recovers from by itself (a broker restarting, a transport hiccup).
fn is_transient(error: &KafkaError) -> bool {
    matches!(
        error.rdkafka_error_code(),
        Some(
            RDKafkaErrorCode::BrokerTransportFailure
                | RDKafkaErrorCode::AllBrokersDown
                | RDKafkaErrorCode::OperationTimedOut
                | RDKafkaErrorCode::UnknownTopicOrPartition
                | RDKafkaErrorCode::NotCoordinator
                | RDKafkaErrorCode::CoordinatorNotAvailable
                | RDKafkaErrorCode::RequestTimedOut
        )
    )
}

/// Where to produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaSinkConfig {
    pub brokers: String,
    pub topic: String,
    /// Extra librdkafka properties, passed through as given.
    pub properties: Properties,
}

/// Properties that make every message its own record batch. tansu 0.6 (the test broker) answers
/// a fetch from an offset inside a batch with the batches that start after it
/// (`tansu-storage` `dynostore.rs`, `fetch`: `offsets.split_off(&offset)`), so a consumer that
/// resumes from a committed offset in the middle of a batch never sees the rest of it. Producers
/// whose data must survive consumer restarts on tansu use these; Kafka itself does not need them.
pub const ONE_MESSAGE_PER_BATCH: [(&str, &str); 1] = [("batch.num.messages", "1")];

impl KafkaSinkConfig {
    pub fn build(&self) -> Result<KafkaSink> {
        if self.brokers.trim().is_empty() {
            return Err(Error::Config("no brokers given".into()));
        }
        if self.topic.trim().is_empty() {
            return Err(Error::Config("the topic name is empty".into()));
        }
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.brokers)
            .set("client.id", "goshawk")
            // Every in-sync replica has the message before it counts as sent.
            .set("acks", "all")
            .set("linger.ms", "5")
            // A broker that cannot be reached fails the send in 30 s, not librdkafka's 5 min.
            .set("message.timeout.ms", "30000");
        for (key, value) in &self.properties {
            config.set(key, value);
        }
        let producer: BaseProducer<SinkContext> = config
            .create_with_context(SinkContext::default())
            .map_err(|source| Error::Create {
                what: "producer",
                brokers: self.brokers.clone(),
                source,
            })?;
        Ok(KafkaSink {
            producer,
            topic: self.topic.clone(),
        })
    }
}

/// Counts deliveries that failed, for [`KafkaSink::flush`].
#[derive(Default)]
struct SinkContext {
    failed: AtomicU64,
    first_failure: Mutex<Option<String>>,
}

impl ClientContext for SinkContext {}

impl ProducerContext for SinkContext {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((error, _)) = result {
            self.failed.fetch_add(1, Ordering::Relaxed);
            let mut first = self.first_failure.lock().unwrap_or_else(|e| e.into_inner());
            first.get_or_insert_with(|| error.to_string());
        }
    }
}

/// A producer to one topic.
pub struct KafkaSink {
    producer: BaseProducer<SinkContext>,
    topic: String,
}

/// How long a full local queue may block a send before it is an error.
const QUEUE_FULL_WAIT: Duration = Duration::from_secs(30);

impl KafkaSink {
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Queues one message (headers as `name = value`); [`KafkaSink::flush`] sends it.
    pub fn send(&self, key: &[u8], payload: &[u8], headers: &[(&str, &[u8])]) -> Result<()> {
        let mut owned = OwnedHeaders::new_with_capacity(headers.len());
        for (name, value) in headers {
            owned = owned.insert(Header {
                key: name,
                value: Some(*value),
            });
        }
        let mut record = BaseRecord::to(&self.topic)
            .key(key)
            .payload(payload)
            .headers(owned);
        let started = Instant::now();
        loop {
            match self.producer.send(record) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back))
                    if started.elapsed() < QUEUE_FULL_WAIT =>
                {
                    record = back;
                    self.producer.poll(Duration::from_millis(50));
                }
                Err((source, _)) => {
                    return Err(Error::Produce {
                        topic: self.topic.clone(),
                        source,
                    })
                }
            }
        }
    }

    /// Waits until every queued message is acknowledged; an error when any was not.
    pub fn flush(&self, timeout: Duration) -> Result<()> {
        self.producer
            .flush(timeout)
            .map_err(|source| Error::Flush {
                topic: self.topic.clone(),
                source,
            })?;
        let context = self.producer.context();
        let failed = context.failed.swap(0, Ordering::Relaxed);
        if failed > 0 {
            let first = context
                .first_failure
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or_default();
            return Err(Error::Undelivered {
                topic: self.topic.clone(),
                failed,
                first,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source_config() -> KafkaSourceConfig {
        KafkaSourceConfig {
            brokers: "127.0.0.1:9".into(),
            topics: vec!["events".into()],
            group: "g".into(),
            properties: Properties::new(),
        }
    }

    #[test]
    fn a_source_refuses_settings_that_would_break_its_guarantees() {
        let mut config = source_config();
        config
            .properties
            .insert("enable.auto.commit".into(), "true".into());
        let err = config.build().err().expect("refused").to_string();
        assert!(err.contains("enable.auto.commit"), "{err}");

        let mut config = source_config();
        config.topics = vec![];
        assert!(config.build().is_err());
        let mut config = source_config();
        config.group = " ".into();
        assert!(config
            .build()
            .err()
            .expect("refused")
            .to_string()
            .contains("group"));
    }

    #[test]
    fn an_unknown_property_is_named() {
        let mut config = source_config();
        config
            .properties
            .insert("no.such.property".into(), "1".into());
        let err = config.build().err().expect("refused").to_string();
        assert!(err.contains("no.such.property"), "{err}");
    }

    #[test]
    fn a_record_position_is_topic_partition_offset() {
        let record = Record {
            topic: "t".into(),
            partition: 2,
            offset: 41,
            key: None,
            payload: b"x".to_vec(),
            headers: Vec::new(),
        };
        assert_eq!(record.position(), "t/2/41");
    }
}
