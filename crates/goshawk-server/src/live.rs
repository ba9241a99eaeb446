//! The live view: per-second statistics and the feed of alerts behind `GET /events`, and the
//! per-minute counters that go to the store. It exists so the dashboard can be live at any
//! traffic rate without the server's memory or CPU growing with it:
//! - the feed is a `tokio::sync::broadcast` channel of bounded capacity: a slow client lags and
//!   skips messages (counted), it never makes the server buffer more;
//! - at most [`ALERTS_STREAMED_PER_SECOND`] alerts a second are put on the feed (every alert is
//!   still counted and stored); nothing is serialised for the feed when no one listens;
//! - statistics are aggregated in fixed-size structures and sent once a second.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use goshawk_core::{Action, Alert, Event, Verdict};
use goshawk_store::CountRow;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::metrics::{action_index, kind_index, KINDS};

/// Alerts put on the live feed per second at most; the rest are counted and stored only.
pub const ALERTS_STREAMED_PER_SECOND: u32 = 50;
/// Seconds of per-second history kept for a dashboard that connects late (five minutes).
pub const HISTORY_SECONDS: usize = 300;
/// Score histogram buckets: [0, 0.1), [0.1, 0.2), ..., [0.9, 1].
pub const SCORE_BUCKETS: usize = 10;

/// One message of the SSE feed, already serialised.
#[derive(Debug)]
pub struct FeedMessage {
    /// The SSE event name: `alert` or `stats`.
    pub event: &'static str,
    pub data: String,
}

/// What happened in one second, as sent to the dashboard.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Tick {
    /// End of the second, Unix milliseconds.
    pub t_ms: i64,
    pub events: u64,
    pub alerts: u64,
    /// Events by action: monitor, investigate, alert, block.
    pub by_action: [u64; 4],
    /// Events by kind: http, sessions, iot, zeek.
    pub by_kind: [u64; 4],
    /// Alerts by attack type.
    pub attacks: HashMap<String, u64>,
}

/// The `stats` feed message: the last second plus running totals since start.
#[derive(Debug, Clone, Serialize)]
pub struct StatsMessage<'a> {
    pub tick: &'a Tick,
    pub score_histogram: [u64; SCORE_BUCKETS],
    pub total_events: u64,
    pub total_alerts: u64,
}

#[derive(Default)]
struct Inner {
    current: Tick,
    history: VecDeque<Tick>,
    score_histogram: [u64; SCORE_BUCKETS],
    total_events: u64,
    total_alerts: u64,
    /// Per-minute counters not yet written to the store, keyed (minute, kind, action, attack).
    pending_counts: HashMap<(i64, usize, usize, String), u64>,
    streamed_this_second: u32,
}

/// Live statistics and the SSE feed.
pub struct Live {
    feed: broadcast::Sender<Arc<FeedMessage>>,
    inner: Mutex<Inner>,
}

/// A snapshot for `GET /stats`.
#[derive(Debug, Clone, Serialize)]
pub struct LiveSnapshot {
    pub history: Vec<Tick>,
    pub score_histogram: [u64; SCORE_BUCKETS],
    pub total_events: u64,
    pub total_alerts: u64,
}

impl Live {
    /// `capacity`: messages the feed holds for its slowest client before that client skips.
    pub fn new(capacity: usize) -> Live {
        let (feed, _) = broadcast::channel(capacity.max(1));
        Live {
            feed,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<FeedMessage>> {
        self.feed.subscribe()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The guarded data are counters: after a panic elsewhere they are still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a batch (one lock per batch) and puts its alerts on the feed, within the
    /// per-second cap and only when someone listens.
    pub fn record(&self, events: &[Event], verdicts: &[Verdict], alerts: &[Alert], now_ms: i64) {
        let minute = now_ms.div_euclid(60_000);
        let listening = self.feed.receiver_count() > 0;
        let to_stream;
        {
            let mut inner = self.lock();
            for (event, verdict) in events.iter().zip(verdicts) {
                let kind = kind_index(event.kind());
                let action = action_index(verdict.action);
                let is_alert = verdict.action.is_alert();
                let attack = verdict
                    .attack_type
                    .as_ref()
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_default();
                let tick = &mut inner.current;
                tick.events += 1;
                tick.by_action[action] += 1;
                tick.by_kind[kind] += 1;
                if is_alert {
                    tick.alerts += 1;
                    *tick.attacks.entry(attack.clone()).or_insert(0) += 1;
                }
                let bucket = score_bucket(verdict.score);
                inner.score_histogram[bucket] += 1;
                *inner
                    .pending_counts
                    .entry((minute, kind, action, attack))
                    .or_insert(0) += 1;
            }
            inner.total_events += events.len() as u64;
            inner.total_alerts += alerts.len() as u64;
            let room = ALERTS_STREAMED_PER_SECOND.saturating_sub(inner.streamed_this_second);
            to_stream = if listening {
                alerts.len().min(room as usize)
            } else {
                0
            };
            inner.streamed_this_second += to_stream as u32;
        }
        for alert in &alerts[..to_stream] {
            if let Ok(data) = serde_json::to_string(alert) {
                // An error only means every client disconnected meanwhile.
                let _ = self.feed.send(Arc::new(FeedMessage {
                    event: "alert",
                    data,
                }));
            }
        }
    }

    /// Closes the current second: keeps it in the history, sends it on the feed and returns
    /// it. Called once a second by the server's ticker.
    pub fn tick(&self, now_ms: i64) -> Tick {
        let mut inner = self.lock();
        let mut tick = std::mem::take(&mut inner.current);
        tick.t_ms = now_ms;
        inner.streamed_this_second = 0;
        if inner.history.len() == HISTORY_SECONDS {
            inner.history.pop_front();
        }
        inner.history.push_back(tick.clone());
        if self.feed.receiver_count() > 0 {
            let message = StatsMessage {
                tick: &tick,
                score_histogram: inner.score_histogram,
                total_events: inner.total_events,
                total_alerts: inner.total_alerts,
            };
            if let Ok(data) = serde_json::to_string(&message) {
                let _ = self.feed.send(Arc::new(FeedMessage {
                    event: "stats",
                    data,
                }));
            }
        }
        tick
    }

    /// Takes the per-minute counters accumulated since the last call, for the store.
    pub fn take_counts(&self) -> Vec<CountRow> {
        let pending = std::mem::take(&mut self.lock().pending_counts);
        pending
            .into_iter()
            .map(|((minute, kind, action, attack_type), n)| CountRow {
                minute,
                kind: KINDS[kind].as_str().to_string(),
                action: Action::ALL[action].as_str().to_string(),
                attack_type,
                n,
            })
            .collect()
    }

    pub fn snapshot(&self) -> LiveSnapshot {
        let inner = self.lock();
        LiveSnapshot {
            history: inner.history.iter().cloned().collect(),
            score_histogram: inner.score_histogram,
            total_events: inner.total_events,
            total_alerts: inner.total_alerts,
        }
    }
}

fn score_bucket(score: f64) -> usize {
    if !score.is_finite() || score <= 0.0 {
        return 0;
    }
    ((score * SCORE_BUCKETS as f64) as usize).min(SCORE_BUCKETS - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use goshawk_core::{EventKind, HttpRequest};

    fn verdict(action: Action, score: f64) -> Verdict {
        Verdict {
            trace_id: "t".into(),
            score,
            is_threat: action.is_alert(),
            action,
            confidence: 0.5,
            attack_type: None,
            explanation: vec![],
            findings: vec![],
        }
    }

    fn alert(verdict: &Verdict) -> Alert {
        Alert {
            idempotency_key: "k".into(),
            time_ms: 0,
            source: None,
            kind: EventKind::Http,
            verdict: verdict.clone(),
            event: Event::Http(HttpRequest::from_target("/")),
        }
    }

    #[test]
    fn a_slow_client_skips_messages_and_the_feed_stays_bounded() {
        let live = Live::new(4);
        let mut slow = live.subscribe();
        let events = vec![Event::Http(HttpRequest::from_target("/x")); 1];
        let v = verdict(Action::Block, 0.95);
        for second in 0..20 {
            live.record(
                &events,
                std::slice::from_ref(&v),
                &[alert(&v)],
                second * 1000,
            );
            live.tick(second * 1000 + 999);
        }
        // 40 messages were sent; the channel holds 4, so the first receive reports the skip.
        match slow.try_recv() {
            Err(broadcast::error::TryRecvError::Lagged(skipped)) => assert_eq!(skipped, 36),
            other => panic!("expected a lag, got {other:?}"),
        }
        let mut kept = 0;
        while slow.try_recv().is_ok() {
            kept += 1;
        }
        assert_eq!(kept, 4);
    }

    #[test]
    fn alerts_on_the_feed_are_capped_per_second_but_all_are_counted() {
        let live = Live::new(1024);
        let mut client = live.subscribe();
        let v = verdict(Action::Alert, 0.7);
        let events = vec![Event::Http(HttpRequest::from_target("/x")); 200];
        let verdicts = vec![v.clone(); 200];
        let alerts = vec![alert(&v); 200];
        live.record(&events, &verdicts, &alerts, 0);
        let tick = live.tick(999);
        assert_eq!(tick.events, 200);
        assert_eq!(tick.alerts, 200);
        assert_eq!(tick.by_action[action_index(Action::Alert)], 200);
        let mut alert_messages = 0;
        while let Ok(message) = client.try_recv() {
            if message.event == "alert" {
                alert_messages += 1;
            }
        }
        assert_eq!(alert_messages, ALERTS_STREAMED_PER_SECOND);
        let snapshot = live.snapshot();
        assert_eq!(snapshot.score_histogram[7], 200);
        assert_eq!(snapshot.history.len(), 1);
        let counts = live.take_counts();
        assert_eq!(counts.len(), 1);
        assert_eq!(counts[0].n, 200);
        assert!(live.take_counts().is_empty());
    }

    #[test]
    fn history_is_bounded() {
        let live = Live::new(1);
        for s in 0..(HISTORY_SECONDS as i64 + 50) {
            live.tick(s * 1000);
        }
        let snapshot = live.snapshot();
        assert_eq!(snapshot.history.len(), HISTORY_SECONDS);
        assert_eq!(snapshot.history[0].t_ms, 50_000);
    }
}
