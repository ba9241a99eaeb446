//! Shared by the integration tests: a real server on a free loopback port, over the marker
//! double, stopped when dropped.

#![allow(dead_code)] // each test binary uses a different part

pub mod double;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use goshawk_server::{Server, ServerConfig, ServerHandle};
use tokio::sync::oneshot;

pub struct Running {
    pub base: String,
    /// In-process entry to the pipeline (what `serve --kafka` feeds).
    pub handle: ServerHandle,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops the server and waits for it to finish writing.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

pub async fn start(data_dir: &Path, adjust: impl FnOnce(&mut ServerConfig)) -> Running {
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), data_dir);
    adjust(&mut config);
    let server = Server::bind(config, Arc::new(double::MarkerAnalyzer::default()))
        .await
        .expect("bind");
    let base = format!("http://{}", server.local_addr().expect("addr"));
    let handle = server.handle();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server
            .run(async {
                let _ = stopped.await;
            })
            .await
            .expect("server ran");
    });
    Running {
        base,
        handle,
        stop: Some(stop),
        task: Some(task),
    }
}

/// Polls `probe` every 50 ms for up to 5 s until it returns `Some`.
pub async fn eventually<T, F, Fut>(mut probe: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..100 {
        if let Some(found) = probe().await {
            return Some(found);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}
