//! `goshawk check`: one payload, URL or request, classified and explained.

use anyhow::Result;

use goshawk_core::{Event, HttpRequest};
use goshawk_engine::Scratch;

use crate::builtin::load_web_model;
use crate::cli::CheckArgs;
use crate::setup::{self, Models};

/// Reads what the user typed as a request: a request line or raw request, a URL or path, or a
/// bare payload (checked as the value of a query parameter, where payloads usually arrive).
pub fn request_from_text(text: &str) -> HttpRequest {
    let trimmed = text.trim();
    if let Some(req) = crate::inputs::parse_request_text(trimmed) {
        return req;
    }
    // `GET /path?q=a typed value` — a request line whose target has unencoded spaces.
    if let Some((method, rest)) = trimmed.split_once(' ') {
        let is_method = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]
            .iter()
            .any(|m| m.eq_ignore_ascii_case(method));
        if is_method && (rest.starts_with('/') || rest.to_ascii_lowercase().starts_with("http")) {
            let target = rest
                .rsplit_once(" HTTP/")
                .map(|(t, _)| t)
                .unwrap_or(rest)
                .trim();
            let mut req = HttpRequest::from_target(target);
            req.method = method.to_ascii_uppercase();
            return req;
        }
    }
    if trimmed.starts_with('/') || trimmed.to_ascii_lowercase().starts_with("http") {
        return HttpRequest::from_target(trimmed);
    }
    let mut req = HttpRequest::from_target(format!("/?q={trimmed}"));
    req.method = "GET".into();
    req
}

pub fn run(args: CheckArgs) -> Result<()> {
    let models = Models {
        web: Some(load_web_model(args.model.as_deref())?),
        anomaly: Vec::new(),
    };
    let engine = setup::engine(models, &args.decision)?;
    let req = request_from_text(&args.text);
    let shown = format!("{} {}", req.method, req.url);
    let line =
        super::scan::analyze_line(&engine, 0, &Event::Http(req), None, &mut Scratch::default());
    if args.json {
        outln!("{}", serde_json::to_string(&line)?);
        return Ok(());
    }
    let score = line.score.unwrap_or(0.0);
    let action = line.action.map(|a| a.to_string()).unwrap_or_default();
    if line.is_attack() {
        let kind = line
            .attack_type
            .as_ref()
            .map_or("unknown".to_string(), |t| t.to_string());
        outln!("ATTACK  score {score:.3}  type {kind}  action {action}");
    } else {
        outln!("NORMAL  score {score:.3}  action {action}");
    }
    outln!("  request: {shown}");
    for reason in &line.explanation {
        outln!("  - {reason}");
    }
    Ok(())
}
