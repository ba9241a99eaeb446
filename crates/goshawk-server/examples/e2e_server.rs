//! A goshawk server over the marker test double (no models), for the browser test by hand and
//! for `bench/serve_load.sh` before the real `goshawk serve` is wired:
//! `cargo run -p goshawk-server --example e2e_server -- [ADDR] [DATA_DIR]`.

#[path = "../tests/support/double.rs"]
mod double;

use std::sync::Arc;

use goshawk_server::{Server, ServerConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let listen = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:8080".into())
        .parse()?;
    let data_dir = args
        .next()
        .unwrap_or_else(|| "target/e2e-server-data".into());
    let config = ServerConfig::new(listen, data_dir).token_from_env();
    let server = Server::bind(config, Arc::new(double::MarkerAnalyzer::default())).await?;
    println!("listening on http://{}", server.local_addr()?);
    server
        .run(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
