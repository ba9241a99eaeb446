//! Labelled request lists for training and evaluation (`train web --labeled`,
//! `evaluate --labeled`): a CSV with a header row, or JSON Lines, one request per record with
//! a label saying whether it is an attack.
//!
//! CSV columns (names matched case-insensitively, first match wins):
//! - the request — required: `url`, `uri`, `request` or `payload` (in that order of preference). Its text becomes the
//!   request as in the `lines` format (a request line is split, anything else is the target);
//! - the label: `label`, `class`, `is_attack` or `is_malicious`, read by
//!   [`goshawk_core::parse_label`] (empty cell = unlabelled). Required when asked for
//!   ([`Labels::Required`]), otherwise optional;
//! - the attack type, optional: `attack_type` or `category`;
//! - optional `method` and `body` columns fill those fields.
//!
//! JSONL objects are read as in the `jsonl` HTTP format, plus `label` (bool, number or
//! string) and `attack_type`/`category`.
//!
//! The format is the content's: a first non-blank byte `{` means JSONL, anything else CSV.
//! CSV is parsed by `csv-core` into buffers this module bounds, so an over-long record is
//! skipped and reported like an over-long line, and reading goes on after it. Fields are
//! UTF-8 when valid, else Latin-1. A missing required column is an [`IoError::MissingColumn`]
//! naming the file and the column.

use std::io::{self, BufRead};

use csv_core::{ReadRecordResult, Reader as CsvCore};
use goshawk_core::{parse_label, HttpRequest};
use serde_json::Value;

use super::jsonl::parse_json_line;
use super::request_line::request_from_line;
use super::text::{is_blank, utf8_or_latin1};
use super::{ReadOptions, RecordError};
use crate::input::{open_input, IoError, Line, LineReader};

const PAYLOAD_COLUMNS: [&str; 4] = ["url", "uri", "request", "payload"];
const LABEL_COLUMNS: [&str; 4] = ["label", "class", "is_attack", "is_malicious"];
const ATTACK_TYPE_COLUMNS: [&str; 2] = ["attack_type", "category"];

/// One labelled request.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledRecord {
    /// 1-based line where the record starts.
    pub line: u64,
    pub request: HttpRequest,
    /// `Some(true)` = attack, `Some(false)` = normal, `None` = no label given.
    pub label: Option<bool>,
    pub attack_type: Option<String>,
}

/// Whether every record must carry a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Labels {
    /// Training and evaluation: a CSV without a label column is an
    /// [`IoError::MissingColumn`], a JSONL object without `label` is an error record. (An
    /// empty label cell is still read, as `label: None`.)
    Required,
    /// Labels are read when present.
    Optional,
}

/// Opens a labelled list; see the module documentation.
pub fn read_labeled(path: &str, labels: Labels) -> Result<LabeledReader, IoError> {
    read_labeled_with(path, labels, &ReadOptions::default())
}

/// [`read_labeled`] with explicit limits.
pub fn read_labeled_with(
    path: &str,
    labels: Labels,
    options: &ReadOptions,
) -> Result<LabeledReader, IoError> {
    let require_label = labels == Labels::Required;
    let mut input = open_input(path)?;
    let read_error = |source| IoError::Read {
        path: path.to_string(),
        source,
    };
    let is_json = first_content_byte(&mut input).map_err(read_error)? == Some(b'{');
    let source = if is_json {
        Source::Jsonl(LineReader::new(input, options.max_record_bytes))
    } else {
        let mut csv = Box::new(CsvRecords::new(input, options.max_record_bytes));
        let columns = match csv.next_record() {
            None => None,
            Some(Ok(_)) => Some(Columns::from_header(path, &csv.fields(), require_label)?),
            Some(Err(CsvFailure { reason, .. })) => {
                return Err(IoError::CsvHeader {
                    path: path.to_string(),
                    reason,
                })
            }
        };
        Source::Csv { csv, columns }
    };
    Ok(LabeledReader {
        path: path.to_string(),
        source,
        require_label,
        finished: false,
        records: 0,
        errors: 0,
    })
}

/// The first byte that is not whitespace or a UTF-8 BOM, without consuming anything.
fn first_content_byte(input: &mut Box<dyn BufRead + Send>) -> io::Result<Option<u8>> {
    let buffered = loop {
        match input.fill_buf() {
            Ok(bytes) => break bytes,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    };
    Ok(buffered
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace() && ![0xef, 0xbb, 0xbf].contains(b)))
}

/// Streams [`LabeledRecord`]s; errors name the file and line.
pub struct LabeledReader {
    path: String,
    source: Source,
    require_label: bool,
    finished: bool,
    records: u64,
    errors: u64,
}

enum Source {
    Csv {
        /// Boxed: the parser's transition table makes it large.
        csv: Box<CsvRecords>,
        /// `None` for an empty file (no header row).
        columns: Option<Columns>,
    },
    Jsonl(LineReader<Box<dyn BufRead + Send>>),
}

impl LabeledReader {
    /// Records yielded so far (not counting error records).
    pub fn records_read(&self) -> u64 {
        self.records
    }

    /// Error records yielded so far.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// The CSV label column's name as written in the header, if there is one (always `None`
    /// for JSONL, where each object may or may not have a label).
    pub fn label_column(&self) -> Option<&str> {
        match &self.source {
            Source::Csv {
                columns: Some(columns),
                ..
            } => columns.label.as_ref().map(|(_, name)| name.as_str()),
            _ => None,
        }
    }

    fn next_outcome(&mut self) -> Option<Result<LabeledRecord, (u64, String)>> {
        if self.finished {
            return None;
        }
        match &mut self.source {
            Source::Csv { csv, columns } => {
                let Some(columns) = columns else {
                    self.finished = true;
                    return None;
                };
                match csv.next_record()? {
                    Ok(line) => Some(columns.record(line, &csv.fields())),
                    Err(CsvFailure {
                        line,
                        reason,
                        fatal,
                    }) => {
                        self.finished = fatal;
                        Some(Err((line, reason)))
                    }
                }
            }
            Source::Jsonl(lines) => loop {
                match lines.next_line()? {
                    Line::Text { bytes, .. } if is_blank(bytes) => continue,
                    Line::Text { number, bytes } => {
                        let bytes = match number {
                            1 => bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes),
                            _ => bytes,
                        };
                        return Some(json_record(number, bytes, self.require_label));
                    }
                    Line::TooLong { number, length } => {
                        let limit = lines.max_line();
                        return Some(Err((
                            number,
                            format!("line is {length} bytes, over the {limit} byte limit; skipped"),
                        )));
                    }
                    Line::Failed { number, error } => {
                        self.finished = true;
                        return Some(Err((number, error.to_string())));
                    }
                }
            },
        }
    }
}

impl Iterator for LabeledReader {
    type Item = Result<LabeledRecord, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_outcome()? {
            Ok(record) => {
                self.records += 1;
                Some(Ok(record))
            }
            Err((line, reason)) => {
                self.errors += 1;
                Some(Err(RecordError {
                    path: self.path.clone(),
                    line,
                    reason,
                }))
            }
        }
    }
}

fn json_record(
    number: u64,
    bytes: &[u8],
    require_label: bool,
) -> Result<LabeledRecord, (u64, String)> {
    let fail = |reason: String| (number, reason);
    let mut json = parse_json_line(bytes).map_err(fail)?;
    let label = match json.label.take() {
        None | Some(Value::Null) if require_label => return Err(fail("no `label` field".into())),
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(b),
        Some(Value::Number(n)) => parse_label(&n.to_string()),
        Some(Value::String(s)) => parse_label(&s),
        Some(other) => return Err(fail(format!("`label` is not a scalar: {other}"))),
    };
    let attack_type = json
        .attack_type
        .take()
        .or_else(|| json.category.take())
        .filter(|t| !t.trim().is_empty());
    let request = json.into_request().map_err(fail)?;
    Ok(LabeledRecord {
        line: number,
        request,
        label,
        attack_type,
    })
}

/// Which CSV field holds what.
struct Columns {
    payload: (usize, String),
    label: Option<(usize, String)>,
    attack_type: Option<usize>,
    method: Option<usize>,
    body: Option<usize>,
}

impl Columns {
    fn from_header(path: &str, header: &[String], require_label: bool) -> Result<Self, IoError> {
        let find = |names: &[&str]| {
            names.iter().find_map(|name| {
                header
                    .iter()
                    .position(|h| h.trim().eq_ignore_ascii_case(name))
                    .map(|i| (i, header[i].trim().to_string()))
            })
        };
        let missing = |column: &str, accepted: &[&str]| IoError::MissingColumn {
            path: path.to_string(),
            column: column.to_string(),
            accepted: accepted.join(", "),
            found: header.join(","),
        };
        let payload = find(&PAYLOAD_COLUMNS).ok_or_else(|| missing("payload", &PAYLOAD_COLUMNS))?;
        let label = find(&LABEL_COLUMNS);
        if require_label && label.is_none() {
            return Err(missing("label", &LABEL_COLUMNS));
        }
        Ok(Columns {
            payload,
            label,
            attack_type: find(&ATTACK_TYPE_COLUMNS).map(|(i, _)| i),
            method: find(&["method"]).map(|(i, _)| i),
            body: find(&["body"]).map(|(i, _)| i),
        })
    }

    fn record(&self, line: u64, fields: &[String]) -> Result<LabeledRecord, (u64, String)> {
        let get = |i: usize| fields.get(i).map(String::as_str);
        let payload = get(self.payload.0).ok_or_else(|| {
            (
                line,
                format!(
                    "row has {} fields, no `{}` (field {})",
                    fields.len(),
                    self.payload.1,
                    self.payload.0 + 1
                ),
            )
        })?;
        let mut request = request_from_line(payload);
        if let Some(method) = self.method.and_then(get).filter(|m| !m.is_empty()) {
            request.method = method.to_string();
        }
        if let Some(body) = self.body.and_then(get) {
            request.body = body.to_string();
        }
        Ok(LabeledRecord {
            line,
            request,
            label: self
                .label
                .as_ref()
                .and_then(|(i, _)| get(*i))
                .and_then(parse_label),
            attack_type: self
                .attack_type
                .and_then(get)
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        })
    }
}

/// A CSV record that could not be read.
struct CsvFailure {
    line: u64,
    reason: String,
    /// The source failed; nothing more can be read.
    fatal: bool,
}

/// CSV records from a byte stream, in buffers that never grow past the limit.
struct CsvRecords {
    input: Box<dyn BufRead + Send>,
    parser: CsvCore,
    /// Field bytes of the current record, and where each field ends.
    output: Vec<u8>,
    ends: Vec<usize>,
    /// How much of `output` and `ends` the current record fills.
    fields_len: (usize, usize),
    max_record: usize,
    done: bool,
}

impl CsvRecords {
    fn new(input: Box<dyn BufRead + Send>, max_record: usize) -> Self {
        CsvRecords {
            input,
            parser: CsvCore::new(),
            output: vec![0; 4096.min(max_record.max(1))],
            ends: vec![0; 64],
            fields_len: (0, 0),
            max_record: max_record.max(1),
            done: false,
        }
    }

    /// The fields of the record last read, decoded.
    fn fields(&self) -> Vec<String> {
        let (out_len, ends_len) = self.fields_len;
        let mut start = 0;
        self.ends[..ends_len]
            .iter()
            .map(|&end| {
                let end = end.clamp(start, out_len);
                let field = utf8_or_latin1(&self.output[start..end]).into_owned();
                start = end;
                field
            })
            .collect()
    }

    /// Reads the next record into the buffers; `Ok(line it starts on)`.
    fn next_record(&mut self) -> Option<Result<u64, CsvFailure>> {
        if self.done {
            return None;
        }
        let mut out_len = 0;
        let mut ends_len = 0;
        let mut overflow = false;
        let mut start_line = None;
        loop {
            let input = match self.input.fill_buf() {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    return Some(Err(CsvFailure {
                        line: start_line.unwrap_or_else(|| self.parser.line()),
                        reason: e.to_string(),
                        fatal: true,
                    }));
                }
            };
            // Blank lines before a record are skipped by the parser too; skipping them here
            // first makes the record's start line exact.
            let mut skipped = 0;
            if start_line.is_none() {
                while skipped < input.len() && matches!(input[skipped], b'\n' | b'\r') {
                    skipped += 1;
                }
                let newlines = input[..skipped].iter().filter(|&&b| b == b'\n').count();
                self.parser.set_line(self.parser.line() + newlines as u64);
                if skipped == input.len() && !input.is_empty() {
                    self.input.consume(skipped);
                    continue;
                }
                start_line = Some(self.parser.line());
            }
            let input = &input[skipped..];
            let (result, read, written, ended) = self.parser.read_record(
                input,
                &mut self.output[out_len..],
                &mut self.ends[ends_len..],
            );
            self.input.consume(skipped + read);
            out_len += written;
            ends_len += ended;
            let line = start_line.unwrap_or(1);
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    if self.output.len() >= self.max_record {
                        overflow = true;
                        out_len = 0;
                    } else {
                        let grown = (self.output.len() * 2).min(self.max_record);
                        self.output.resize(grown, 0);
                    }
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= self.max_record / 8 + 64 {
                        overflow = true;
                        ends_len = 0;
                    } else {
                        let grown = self.ends.len() * 2;
                        self.ends.resize(grown, 0);
                    }
                }
                ReadRecordResult::Record if overflow => {
                    self.ends.truncate(0);
                    self.ends.resize(64, 0);
                    return Some(Err(CsvFailure {
                        line,
                        reason: format!(
                            "CSV record is over the {} byte limit; skipped",
                            self.max_record
                        ),
                        fatal: false,
                    }));
                }
                ReadRecordResult::Record => {
                    self.fields_len = (out_len, ends_len);
                    return Some(Ok(line));
                }
                ReadRecordResult::End => {
                    self.done = true;
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn rows(text: &[u8], max: usize) -> Vec<Result<(u64, Vec<String>), String>> {
        let mut csv = CsvRecords::new(Box::new(Cursor::new(text.to_vec())), max);
        let mut out = Vec::new();
        while let Some(item) = csv.next_record() {
            out.push(match item {
                Ok(line) => Ok((line, csv.fields())),
                Err(failure) => Err(format!("{}: {}", failure.line, failure.reason)),
            });
        }
        out
    }

    #[test]
    fn csv_records_with_quotes_crlf_blank_lines_and_exact_start_lines() {
        let out = rows(
            b"payload,label\r\n\"a,b\",1\r\n\r\n\r\n\"two\nlines\",0\r\nplain\xff,norm",
            1 << 20,
        );
        let expected: Vec<Result<(u64, Vec<String>), String>> = vec![
            Ok((1, vec!["payload".into(), "label".into()])),
            Ok((2, vec!["a,b".into(), "1".into()])),
            Ok((5, vec!["two\nlines".into(), "0".into()])),
            Ok((7, vec!["plainÿ".into(), "norm".into()])),
        ];
        assert_eq!(out, expected);
    }

    #[test]
    fn over_long_csv_record_is_skipped_and_reading_goes_on() {
        let mut text = b"payload,label\n\"".to_vec();
        text.extend(std::iter::repeat_n(b'x', 100_000));
        text.extend_from_slice(b"\nstill inside the quotes\",1\nafter,0\n");
        let out = rows(&text, 1000);
        assert_eq!(out.len(), 3);
        assert_eq!(
            out[1],
            Err("2: CSV record is over the 1000 byte limit; skipped".to_string())
        );
        assert_eq!(out[2], Ok((4, vec!["after".into(), "0".into()])));

        // Many tiny fields hit the same bound.
        let mut text = b"payload\n".to_vec();
        text.extend(std::iter::repeat_n(b',', 50_000));
        text.extend_from_slice(b"\nok\n");
        let out = rows(&text, 1000);
        assert!(out[1].as_ref().is_err_and(|e| e.contains("byte limit")));
        assert_eq!(out[2], Ok((3, vec!["ok".into()])));
    }
}
