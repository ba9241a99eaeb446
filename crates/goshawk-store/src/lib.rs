//! The alert store: alerts and per-minute counters in an embedded SQLite database, kept
//! across restarts, with retention by age and size; plus a JSON Lines file sink.
