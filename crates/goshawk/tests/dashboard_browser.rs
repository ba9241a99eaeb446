//! The dashboard of the real `goshawk serve --demo` in a real browser (Debian's headless
//! chromium driven by playwright-core): the demo traffic and posted attacks appear live, the
//! charts move, and XSS payloads are shown as text and never run. Takes a screenshot: to a
//! temporary file, or where `GOSHAWK_SCREENSHOT` says (`GOSHAWK_SCREENSHOT=docs/dashboard.png`
//! refreshes the README's). Prerequisites and skipping: see `crates/goshawk-server/e2e/check.rs`.

#[path = "../../goshawk-server/e2e/check.rs"]
mod check;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn the_demo_dashboard_shows_attacks_live_and_never_runs_their_payloads() {
    if !check::browser_available() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_goshawk"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("goshawk serve starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("serve prints its address").unwrap();
        if let Some(rest) = line.split("serving http://").nth(1) {
            break format!("http://{}", rest.split('/').next().unwrap());
        }
    };
    std::thread::spawn(move || for _ in lines {});
    // A relative path is from the repository root, as the README says it.
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let screenshot = std::env::var("GOSHAWK_SCREENSHOT")
        .map(|path| repository.join(path))
        .unwrap_or_else(|_| data.path().join("dashboard.png"));
    let result = std::panic::catch_unwind(|| check::run_dashboard_checks(&base, &screenshot));
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
