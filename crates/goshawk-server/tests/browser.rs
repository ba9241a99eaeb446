//! The dashboard in a real browser: starts a server over the marker double and runs
//! `e2e/dashboard.mjs` (playwright-core driving Debian's headless chromium), which posts
//! attacks, checks that they appear, that the charts update and that XSS payloads are shown as
//! text and never run, and saves `docs/dashboard.png`.
//!
//! Needs /usr/bin/chromium, node and `e2e/node_modules` (`e2e/install.sh` installs all three).
//! Without them the test says so and passes, unless `GOSHAWK_E2E_REQUIRED=1` (set it in CI),
//! in which case it fails.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

fn missing_prerequisite(e2e: &Path) -> Option<String> {
    let chromium = std::env::var("GOSHAWK_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("{chromium} is not installed"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    if !e2e.join("node_modules/playwright-core").is_dir() {
        return Some(format!(
            "{} has no node_modules/playwright-core",
            e2e.display()
        ));
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_attacks_live_and_never_runs_their_payloads() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let e2e = crate_dir.join("e2e");
    if let Some(missing) = missing_prerequisite(&e2e) {
        if std::env::var("GOSHAWK_E2E_REQUIRED").is_ok_and(|v| v == "1") {
            panic!("browser test required but {missing}; run crates/goshawk-server/e2e/install.sh");
        }
        eprintln!("SKIPPED browser test: {missing} (run crates/goshawk-server/e2e/install.sh)");
        return;
    }
    let screenshot = std::env::var("GOSHAWK_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| crate_dir.join("../../docs/dashboard.png"));
    if let Some(dir) = screenshot.parent() {
        std::fs::create_dir_all(dir).expect("screenshot directory");
    }
    let data = tempfile::tempdir().expect("tempdir");
    let server = support::start(data.path(), |_| {}).await;
    let base = server.base.clone();
    let script = e2e.join("dashboard.mjs");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(&script)
            .arg(&base)
            .arg(&screenshot)
            .current_dir(script.parent().expect("e2e dir"))
            .output()
    })
    .await
    .expect("join")
    .expect("run node");
    server.stop().await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "browser checks failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("ok: no payload ran"), "{stdout}");
}
