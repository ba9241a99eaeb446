//! Reading HTTP requests from files and streams into [`goshawk_core::HttpRequest`] records.
//!
//! Why this exists: every way requests reach goshawk as text — a raw-HTTP dataset, a web
//! server's access log, a list of URLs or payloads, a JSON export — must become the same
//! `HttpRequest`, streaming (a 1 GB log is read line by line, never loaded), and with every
//! input line accounted for: each one is part of a record, part of an error record, or a blank
//! line (counted in [`HttpReader::blank_lines`]).
//!
//! # Formats ([`HttpFormat`])
//! - `csic` — raw HTTP/1.x requests back to back (CSIC 2010): see the `csic` submodule
//!   ([`parse_raw_request`]). Bytes are ISO-8859-1, mapped one to one to chars.
//! - `combined` — Apache/nginx combined or common access-log lines, also wrapped in an extra
//!   pair of quotes (see [`parse_combined`]). A request field that is not
//!   `METHOD target PROTO` (e.g. `"-"`, `"\x16\x03..."`) still gives a record with an empty
//!   method and the field as `url`; a line whose other fields do not parse is an error record.
//! - `lines` — one request line (`GET /x HTTP/1.1`), URL or raw payload per line; a request
//!   line fills method/url/version, anything else becomes [`HttpRequest::from_target`] of the
//!   whole line, untouched (a `#` line is a payload too). Lines that are empty or only
//!   whitespace are not records.
//! - `jsonl` — one JSON object per line (see the `jsonl` submodule).
//!
//! Text decoding: `csic` is Latin-1. `combined` and `lines` are UTF-8 when a line is valid
//! UTF-8, else Latin-1 for that line — never lossy, never a failure. `jsonl` must be UTF-8
//! (JSON is); an invalid line is an error record. A UTF-8 byte-order mark on line 1 is ignored.
//!
//! # Detection
//! Without an explicit format, the first 16 KiB (after gzip decoding) decide: a first line
//! starting with `{` is `jsonl`; a request line followed by a `Name: value` header line is
//! `csic`; at least half of the first 32 non-blank lines parsing as access-log lines is
//! `combined`; anything else is `lines`.
//!
//! # Input and limits
//! Paths go through [`open_input`] (`-` is stdin, gzip by magic bytes). A line — or a whole
//! `csic` request — over [`ReadOptions::max_record_bytes`] (default 1 MiB) becomes an error
//! record and reading goes on after it; memory stays bounded by that limit. A read failure
//! (e.g. "truncated gzip stream") comes after every record decoded before it, as one final
//! error record (which also names a `csic` request cut off inside its header block). An
//! empty input gives no records and no error: check [`HttpReader::records_read`].
//!
//! Labelled request lists (CSV or JSONL with a label column) are read by [`read_labeled`].

mod combined;
mod csic;
mod jsonl;
mod labeled;
mod request_line;
mod text;

use std::collections::VecDeque;
use std::fmt;
use std::io::Read;
use std::str::FromStr;
use std::sync::Arc;

use goshawk_core::HttpRequest;

pub use self::combined::parse_combined;
pub use self::csic::parse_raw_request;
pub use self::labeled::{read_labeled, read_labeled_with, LabeledReader, LabeledRecord, Labels};
pub use self::request_line::{is_request_start, request_from_line};
pub use crate::input::{open_input, IoError, DEFAULT_MAX_RECORD_BYTES};

use self::csic::{CsicAssembler, Outcome};
use self::text::{is_blank, utf8_or_latin1};
use crate::input::{Line, LineReader};

/// How many bytes format detection looks at.
const SNIFF_BYTES: usize = 16 * 1024;
/// How many non-blank lines format detection tries to parse.
const SNIFF_LINES: usize = 32;

/// The text formats requests can be read from (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpFormat {
    Csic,
    Combined,
    Lines,
    Jsonl,
}

impl HttpFormat {
    /// Every format, in the order they are documented.
    pub const ALL: [HttpFormat; 4] = [
        HttpFormat::Csic,
        HttpFormat::Combined,
        HttpFormat::Lines,
        HttpFormat::Jsonl,
    ];

    /// The name used on the command line and in output.
    pub fn name(self) -> &'static str {
        match self {
            HttpFormat::Csic => "csic",
            HttpFormat::Combined => "combined",
            HttpFormat::Lines => "lines",
            HttpFormat::Jsonl => "jsonl",
        }
    }
}

impl fmt::Display for HttpFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is not one of [`HttpFormat::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown HTTP input format `{0}` (expected csic, combined, lines or jsonl)")]
pub struct UnknownHttpFormat(pub String);

impl FromStr for HttpFormat {
    type Err = UnknownHttpFormat;

    /// The four names, case-insensitive; `common` is accepted for `combined` and `json` /
    /// `ndjson` for `jsonl`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csic" => Ok(HttpFormat::Csic),
            "combined" | "common" => Ok(HttpFormat::Combined),
            "lines" => Ok(HttpFormat::Lines),
            "jsonl" | "json" | "ndjson" => Ok(HttpFormat::Jsonl),
            _ => Err(UnknownHttpFormat(s.to_string())),
        }
    }
}

/// One request read from an input.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRecord {
    /// 1-based line where the record starts.
    pub line: u64,
    pub request: HttpRequest,
    /// The record's original text (decoded as the format says), for keyword rules; for `csic`
    /// with line ends normalised to `\n` (see the `csic` submodule).
    pub raw: String,
}

/// A record that could not be read, and why. Displays as `FILE:LINE: reason`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}: {reason}")]
pub struct RecordError {
    pub path: String,
    /// 1-based line where the bad record starts (or where reading failed).
    pub line: u64,
    pub reason: String,
}

/// What [`HttpReader`] yields.
pub type RecordResult = Result<HttpRecord, RecordError>;

/// Limits for readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The longest line (or `csic` request) kept; longer ones are skipped and reported.
    pub max_record_bytes: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        }
    }
}

/// Opens `path` (`-` = stdin, gzip detected) and reads requests in `format`, detected from
/// the content when `None`.
pub fn read_http(path: &str, format: Option<HttpFormat>) -> Result<HttpReader, IoError> {
    read_http_with(path, format, &ReadOptions::default())
}

/// [`read_http`] with explicit limits.
pub fn read_http_with(
    path: &str,
    format: Option<HttpFormat>,
    options: &ReadOptions,
) -> Result<HttpReader, IoError> {
    let input = open_input(path)?;
    Ok(HttpReader::new(input, path, format, options))
}

/// Streams [`RecordResult`]s from one input. Never panics on input; after a read failure it
/// yields one error record and then ends.
pub struct HttpReader {
    path: Arc<str>,
    format: HttpFormat,
    lines: LineReader<Box<dyn Read + Send>>,
    csic: Option<CsicAssembler>,
    queue: VecDeque<Outcome>,
    finished: bool,
    records: u64,
    errors: u64,
    blank_lines: u64,
}

impl HttpReader {
    /// Reads from any byte source; `name` is used in error messages. The source is taken as
    /// is — wrap it with [`crate::input::gunzip_if_needed`] if it may be gzip.
    pub fn new<R: Read + Send + 'static>(
        source: R,
        name: &str,
        format: Option<HttpFormat>,
        options: &ReadOptions,
    ) -> Self {
        let boxed: Box<dyn Read + Send> = Box::new(source);
        let mut lines = LineReader::new(boxed, options.max_record_bytes);
        let format = match format {
            Some(format) => format,
            None => detect_format(lines.peek(SNIFF_BYTES)),
        };
        HttpReader {
            path: Arc::from(name),
            format,
            lines,
            csic: (format == HttpFormat::Csic)
                .then(|| CsicAssembler::new(options.max_record_bytes)),
            queue: VecDeque::with_capacity(4),
            finished: false,
            records: 0,
            errors: 0,
            blank_lines: 0,
        }
    }

    /// The format being read (given or detected).
    pub fn format(&self) -> HttpFormat {
        self.format
    }

    /// The name errors are reported under.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Records yielded so far (not counting error records). Zero after the end means the
    /// input held no request.
    pub fn records_read(&self) -> u64 {
        self.records
    }

    /// Error records yielded so far.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Blank lines skipped so far (line formats; in `csic`, blank lines are separators).
    pub fn blank_lines(&self) -> u64 {
        self.blank_lines
    }

    /// Lines read so far.
    pub fn lines_read(&self) -> u64 {
        self.lines.line_number()
    }

    /// Bytes read so far (after gzip decoding), for progress reports.
    pub fn bytes_read(&self) -> u64 {
        self.lines.bytes_read()
    }

    fn deliver(&mut self, outcome: Outcome) -> RecordResult {
        match outcome {
            Ok(record) => {
                self.records += 1;
                Ok(record)
            }
            Err((line, reason)) => {
                self.errors += 1;
                Err(RecordError {
                    path: self.path.to_string(),
                    line,
                    reason,
                })
            }
        }
    }

    /// Reads lines until at least one outcome is queued or the input is done.
    fn advance(&mut self) {
        while self.queue.is_empty() && !self.finished {
            let Some(line) = self.lines.next_line() else {
                self.finished = true;
                if let Some(csic) = &mut self.csic {
                    csic.finish(&mut self.queue);
                }
                return;
            };
            match line {
                Line::Text { number, bytes } => {
                    let bytes = if number == 1 {
                        bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
                    } else {
                        bytes
                    };
                    if let Some(csic) = &mut self.csic {
                        csic.push_line(number, bytes, &mut self.queue);
                    } else if is_blank(bytes) {
                        self.blank_lines += 1;
                    } else {
                        self.queue.push_back(parse_line(self.format, number, bytes));
                    }
                }
                Line::TooLong { number, length } => match &mut self.csic {
                    Some(csic) => csic.push_too_long(number, length, &mut self.queue),
                    None => self.queue.push_back(Err((
                        number,
                        format!(
                            "line is {length} bytes, over the {} byte limit; skipped",
                            self.lines.max_line()
                        ),
                    ))),
                },
                Line::Failed { number, error } => {
                    self.finished = true;
                    let cut_off = match &mut self.csic {
                        Some(csic) => csic.abort(&mut self.queue),
                        None => None,
                    };
                    let reason = match cut_off {
                        Some(start) => {
                            format!("{error} (the request starting at line {start} was cut off)")
                        }
                        None => error.to_string(),
                    };
                    self.queue.push_back(Err((number, reason)));
                }
            }
        }
    }
}

impl Iterator for HttpReader {
    type Item = RecordResult;

    fn next(&mut self) -> Option<RecordResult> {
        self.advance();
        let outcome = self.queue.pop_front()?;
        Some(self.deliver(outcome))
    }
}

/// One non-blank line of a line-based format.
fn parse_line(format: HttpFormat, number: u64, bytes: &[u8]) -> Outcome {
    let parsed = match format {
        HttpFormat::Combined => {
            let text = utf8_or_latin1(bytes);
            combined::parse_combined(&text).map(|request| (request, text.into_owned()))
        }
        HttpFormat::Lines => {
            let text = utf8_or_latin1(bytes);
            Ok((request_from_line(&text), text.into_owned()))
        }
        HttpFormat::Jsonl => jsonl::parse_json_line(bytes)
            .and_then(|json| json.into_request())
            // parse_json_line checked the bytes are UTF-8.
            .map(|request| (request, String::from_utf8_lossy(bytes).into_owned())),
        HttpFormat::Csic => Err("csic is not a line format".to_string()),
    };
    parsed
        .map(|(request, raw)| HttpRecord {
            line: number,
            request,
            raw,
        })
        .map_err(|reason| (number, reason))
}

/// Guesses the format from the first bytes of an input (see the module documentation).
pub fn detect_format(prefix: &[u8]) -> HttpFormat {
    let prefix = prefix.strip_prefix(b"\xef\xbb\xbf").unwrap_or(prefix);
    // Only whole lines count, unless the prefix is the whole input.
    let complete = if prefix.len() >= SNIFF_BYTES {
        match memchr::memrchr(b'\n', prefix) {
            Some(last) => &prefix[..last],
            None => prefix,
        }
    } else {
        prefix
    };
    let lines: Vec<&[u8]> = complete
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .collect();
    let Some(first) = lines.iter().position(|line| !is_blank(line)) else {
        return HttpFormat::Lines;
    };
    let first_line = lines[first];
    if first_line.trim_ascii_start().starts_with(b"{") {
        return HttpFormat::Jsonl;
    }
    if is_request_start(first_line) && lines.get(first + 1).is_some_and(|l| is_header_line(l)) {
        return HttpFormat::Csic;
    }
    let sample: Vec<&[u8]> = lines[first..]
        .iter()
        .copied()
        .filter(|line| !is_blank(line))
        .take(SNIFF_LINES)
        .collect();
    let combined = sample
        .iter()
        .filter(|line| parse_combined(&utf8_or_latin1(line)).is_ok())
        .count();
    if combined > 0 && combined * 2 >= sample.len() {
        return HttpFormat::Combined;
    }
    HttpFormat::Lines
}

/// `Name: value` (or `Name:value`) with a token name.
fn is_header_line(line: &[u8]) -> bool {
    match memchr::memchr(b':', line) {
        Some(colon) => std::str::from_utf8(&line[..colon]).is_ok_and(csic::is_header_name),
        None => false,
    }
}

#[cfg(test)]
mod tests;
