//! Delivery of simulated events to a running goshawk server: `POST /analyze` with a batch
//! `{"events":[...]}`. One attempt per batch and no retries, so a failing server shows up as
//! failures in the caller's count rather than as a stalled simulation.

use std::time::Duration;

use super::BankError;

/// Why one batch was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("server answered {0}")]
    Status(u16),
    #[error("{0}")]
    Transport(String),
}

/// A blocking client for one server's `/analyze`.
#[derive(Debug)]
pub struct AnalyzeClient {
    agent: ureq::Agent,
    url: String,
}

impl AnalyzeClient {
    /// A client for `http://HOST:PORT` (posting to `/analyze`) or a full `http://.../path`.
    /// Each request may take up to `timeout`.
    pub fn new(base: &str, timeout: Duration) -> Result<AnalyzeClient, BankError> {
        let rest = base
            .strip_prefix("http://")
            .ok_or_else(|| BankError::InvalidServerUrl(base.to_string()))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return Err(BankError::InvalidServerUrl(base.to_string()));
        }
        let path = if path.is_empty() || path == "/" {
            "/analyze"
        } else {
            path
        };
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build();
        Ok(AnalyzeClient {
            agent: config.into(),
            url: format!("http://{authority}{path}"),
        })
    }

    /// Where batches go.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Posts events already serialised as JSON objects (see [`super::wire::event_json`]) as
    /// one `{"events":[...]}` batch.
    pub fn post(&self, events: &[String]) -> Result<(), PostError> {
        let mut body =
            String::with_capacity(events.iter().map(|e| e.len() + 1).sum::<usize>() + 16);
        body.push_str("{\"events\":[");
        for (i, event) in events.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(event);
        }
        body.push_str("]}");
        let response = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .send(body.as_str())
            .map_err(|e| PostError::Transport(e.to_string()))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(PostError::Status(status))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    #[test]
    fn addresses_are_checked_and_default_to_analyze() {
        let t = Duration::from_secs(1);
        assert_eq!(
            AnalyzeClient::new("http://127.0.0.1:8080", t)
                .expect("ok")
                .url(),
            "http://127.0.0.1:8080/analyze"
        );
        assert_eq!(
            AnalyzeClient::new("http://h:1/v2/analyze", t)
                .expect("ok")
                .url(),
            "http://h:1/v2/analyze"
        );
        for bad in ["127.0.0.1:8080", "https://h:1", "http://", "http:///x"] {
            assert!(AnalyzeClient::new(bad, t).is_err(), "{bad}");
        }
    }

    /// A one-connection server that answers `status` and hands back the request it read.
    fn serve_once(status: &'static str) -> (String, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = format!("http://{}", listener.local_addr().expect("addr"));
        let handle = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().expect("accept");
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                let n = stream.read(&mut buf).expect("read");
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request);
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let length = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse::<usize>().ok())
                                .flatten()
                        })
                        .unwrap_or(0);
                    if request.len() >= head_end + 4 + length || n == 0 {
                        break;
                    }
                }
            }
            let reply =
                format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}");
            stream.write_all(reply.as_bytes()).expect("write");
            String::from_utf8_lossy(&request).into_owned()
        });
        (addr, handle)
    }

    #[test]
    fn a_batch_is_one_post_of_an_events_array() {
        let (addr, server) = serve_once("200 OK");
        let client = AnalyzeClient::new(&addr, Duration::from_secs(5)).expect("client");
        client
            .post(&[
                "{\"kind\":\"http\",\"url\":\"/a\"}".into(),
                "{\"kind\":\"http\",\"url\":\"/b\"}".into(),
            ])
            .expect("accepted");
        let request = server.join().expect("server");
        assert!(request.starts_with("POST /analyze HTTP/1.1"), "{request}");
        let body = &request[request.find("\r\n\r\n").expect("body") + 4..];
        let parsed: serde_json::Value = serde_json::from_str(body).expect("JSON body");
        assert_eq!(parsed["events"][1]["url"], "/b");
    }

    #[test]
    fn refusals_and_unreachable_servers_are_errors() {
        let (addr, server) = serve_once("413 Payload Too Large");
        let client = AnalyzeClient::new(&addr, Duration::from_secs(5)).expect("client");
        assert!(matches!(
            client.post(&["{}".into()]),
            Err(PostError::Status(413))
        ));
        server.join().expect("server");
        // Nothing listens on a port just released.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let client =
            AnalyzeClient::new(&format!("http://127.0.0.1:{port}"), Duration::from_secs(2))
                .expect("client");
        assert!(matches!(
            client.post(&["{}".into()]),
            Err(PostError::Transport(_))
        ));
    }
}
