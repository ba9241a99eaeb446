//! The dashboard in a real browser: starts a server over the marker double and runs
//! `e2e/dashboard.mjs` (playwright-core driving Debian's headless chromium), which posts
//! attacks, checks that they appear, that the charts update and that XSS payloads are shown as
//! text and never run, and saves a screenshot.
//!
//! Prerequisites and skipping: see `e2e/check.rs`.

mod support;

#[path = "../e2e/check.rs"]
mod check;

use std::path::PathBuf;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_attacks_live_and_never_runs_their_payloads() {
    if !check::browser_available() {
        return;
    }
    // The README's screenshot comes from the real binary's browser test; this one keeps its
    // own unless told where to put it.
    let shots = tempfile::tempdir().expect("tempdir");
    let screenshot = std::env::var("GOSHAWK_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| shots.path().join("dashboard-double.png"));
    let data = tempfile::tempdir().expect("tempdir");
    let server = support::start(data.path(), |_| {}).await;
    let base = server.base.clone();
    tokio::task::spawn_blocking(move || check::run_dashboard_checks(&base, &screenshot))
        .await
        .expect("browser checks");
    server.stop().await;
}
