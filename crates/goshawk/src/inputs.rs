//! Reading requests for the commands: HTTP inputs for `scan`, labelled examples for `train` and
//! `evaluate`. Every unreadable record is reported, never skipped in silence.

use anyhow::{bail, Context, Result};

use goshawk_core::{AttackType, HttpRequest};
use goshawk_io::http::{read_http, read_labeled, HttpFormat, HttpReader, Labels, RecordResult};
use goshawk_web::Example;

use crate::cli::{FormatArg, LabelledHttpArgs};

/// One item of a `scan` input: a request or the reason it could not be read.
pub type HttpItem = RecordResult;

fn format_of(arg: Option<FormatArg>) -> Option<HttpFormat> {
    arg.map(|f| match f {
        FormatArg::Csic => HttpFormat::Csic,
        FormatArg::Combined => HttpFormat::Combined,
        FormatArg::Lines => HttpFormat::Lines,
        FormatArg::Jsonl => HttpFormat::Jsonl,
    })
}

/// Opens one HTTP input (`-` = stdin, `.gz` transparent).
pub fn open_http(path: &str, format: Option<FormatArg>) -> Result<HttpReader> {
    read_http(path, format_of(format)).with_context(|| format!("opening {path}"))
}

/// A request typed on the command line as a raw request or request line, if it is one.
pub fn parse_request_text(text: &str) -> Option<HttpRequest> {
    let first = text.lines().next()?;
    if !goshawk_io::http::is_request_start(first.as_bytes()) {
        return None;
    }
    if text.contains('\n') {
        goshawk_io::http::parse_raw_request(text).ok()
    } else {
        Some(goshawk_io::http::request_from_line(first))
    }
}

/// Does this file look like a CSV payload list (a header with a `payload` column)?
fn is_payload_csv(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    (lower.ends_with(".csv") || lower.ends_with(".csv.gz"))
        && goshawk_io::input::open_input(path)
            .ok()
            .and_then(|mut r| {
                let mut first = String::new();
                std::io::BufRead::read_line(&mut r, &mut first).ok()?;
                Some(first.to_ascii_lowercase().contains("payload"))
            })
            .unwrap_or(false)
}

/// Loads labelled examples: `--normal` and `--attack` files (every record has that label) and
/// `--labeled` files (a label per record). Unreadable records abort with their location: a
/// training set with holes would be a silent lie about what the model saw.
pub fn load_examples(args: &LabelledHttpArgs) -> Result<Vec<Example>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (paths, label) in [(&args.normal, false), (&args.attack, true)] {
        for path in paths {
            if is_payload_csv(path) {
                let reader = read_labeled(path, Labels::Optional)
                    .with_context(|| format!("opening {path}"))?;
                for rec in reader {
                    match rec {
                        Ok(r) => out.push(Example {
                            request: r.request,
                            label,
                            attack_type: label
                                .then(|| r.attack_type.as_deref().and_then(AttackType::parse))
                                .flatten(),
                        }),
                        Err(e) => errors.push(e.to_string()),
                    }
                }
                continue;
            }
            for rec in open_http(path, args.format)? {
                match rec {
                    Ok(r) => out.push(Example {
                        request: r.request,
                        label,
                        attack_type: None,
                    }),
                    Err(e) => errors.push(e.to_string()),
                }
            }
        }
    }
    for path in &args.labeled {
        let reader =
            read_labeled(path, Labels::Required).with_context(|| format!("opening {path}"))?;
        for rec in reader {
            match rec {
                Ok(r) => match r.label {
                    Some(label) => out.push(Example {
                        request: r.request,
                        label,
                        attack_type: if label {
                            r.attack_type.as_deref().and_then(AttackType::parse)
                        } else {
                            None
                        },
                    }),
                    None => errors.push(format!("{path}:{}: empty label", r.line)),
                },
                Err(e) => errors.push(e.to_string()),
            }
        }
    }
    if !errors.is_empty() {
        let shown: Vec<&str> = errors.iter().take(10).map(String::as_str).collect();
        bail!(
            "{} unreadable record(s) in the labelled data:\n  {}{}",
            errors.len(),
            shown.join("\n  "),
            if errors.len() > 10 { "\n  ..." } else { "" }
        );
    }
    Ok(out)
}
