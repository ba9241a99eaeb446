//! Runs `dashboard.mjs` (playwright-core driving Debian's headless chromium) against a running
//! goshawk server and asserts every browser check passed. Shared by the server crate's browser
//! test (over the test double) and the binary's (the real `goshawk serve --demo`), included in
//! both with `#[path]`.
//!
//! Needs /usr/bin/chromium, node and `e2e/node_modules` (`e2e/install.sh` installs all three).
//! Without them the check says so and passes, unless `GOSHAWK_E2E_REQUIRED=1` (CI sets it),
//! in which case it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

/// This directory, from the including crate (every crate lives in `crates/<name>`).
fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../goshawk-server/e2e")
}

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

/// Whether the browser check can run here; `false` after saying why (a failure instead when
/// `GOSHAWK_E2E_REQUIRED=1`).
pub fn browser_available() -> bool {
    match missing_prerequisite(&e2e_dir()) {
        None => true,
        Some(missing) => {
            if std::env::var("GOSHAWK_E2E_REQUIRED").is_ok_and(|v| v == "1") {
                panic!(
                    "browser test required but {missing}; run crates/goshawk-server/e2e/install.sh"
                );
            }
            eprintln!("SKIPPED browser test: {missing} (run crates/goshawk-server/e2e/install.sh)");
            false
        }
    }
}

/// Runs the browser checks against `base` and saves a screenshot to `screenshot`.
pub fn run_dashboard_checks(base: &str, screenshot: &Path) {
    if let Some(dir) = screenshot.parent() {
        std::fs::create_dir_all(dir).expect("screenshot directory");
    }
    let e2e = e2e_dir();
    let output = Command::new("node")
        .arg(e2e.join("dashboard.mjs"))
        .arg(base)
        .arg(screenshot)
        .current_dir(&e2e)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "browser checks failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("ok: no payload ran"), "{stdout}");
}
