//! What the binary's integration tests share: running goshawk, a running server stopped when
//! dropped, and small HTTP helpers. Not every test file uses every helper.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const TOKEN: &str = "test-token-5f1c";

/// Runs goshawk with `args` to the end.
pub fn goshawk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_goshawk"))
        .args(args)
        .output()
        .expect("goshawk runs")
}

/// Runs goshawk and requires success, showing its stderr when it fails.
pub fn goshawk_ok(args: &[&str]) -> Output {
    let out = goshawk(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A running `goshawk serve`, stopped (SIGTERM, then killed) when dropped.
pub struct Served {
    pub child: Child,
    pub base: String,
}

impl Served {
    pub fn start(data_dir: &Path, extra: &[&str]) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_goshawk"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .env("GOSHAWK_API_TOKEN", TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("goshawk serve starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut lines = BufReader::new(stderr).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("serve prints its address before anything can go wrong")
                .expect("stderr is text");
            if let Some(rest) = line.split("serving http://").nth(1) {
                let addr = rest.split('/').next().unwrap();
                break format!("http://{addr}");
            }
            assert!(
                !line.contains("Error") && !line.contains("error:"),
                "serve failed: {line}"
            );
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Served { child, base }
    }

    pub fn stop(mut self) {
        terminate(&mut self.child);
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SIGTERM, and wait for a graceful exit.
pub fn terminate(child: &mut Child) {
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "serve exited with {status} on SIGTERM");
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("serve did not stop within 20 s of SIGTERM");
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

pub fn get(base: &str, path: &str) -> (u16, Value) {
    let mut response = agent()
        .get(&format!("{base}{path}"))
        .call()
        .expect("GET answered");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}
