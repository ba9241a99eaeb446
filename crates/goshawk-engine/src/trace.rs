//! Trace ids: one per decision, unique across processes and cheap enough for the hot path (a
//! random per-process prefix and a counter, not a random draw per event).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn process_prefix() -> u64 {
    static PREFIX: OnceLock<u64> = OnceLock::new();
    *PREFIX.get_or_init(|| {
        // The standard library's hasher is randomly keyed per process: a random prefix with no
        // extra dependency.
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.write_u32(std::process::id());
        h.finish()
    })
}

/// A new trace id: 32 hex digits.
pub fn new_trace_id() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:016x}{:016x}", process_prefix(), n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn trace_ids_are_unique_and_fixed_width() {
        let a = super::new_trace_id();
        let b = super::new_trace_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert_eq!(a[..16], b[..16], "same process, same prefix");
    }
}
