//! Tables of network sessions, IoT readings and Zeek connections: reading them from CSV, JSON
//! Lines, Zeek TSV or Parquet into the typed records of `goshawk_core`
//! ([`NetSession`], [`IotReading`], [`ZeekConn`]), and writing them back out
//! ([`TableWriter`], [`convert`]).
//!
//! Why this exists: the anomaly detectors need every record of a kind to look the same and to
//! be valid, whatever file it came from, and a multi-gigabyte log must stream. So:
//! - columns are found by header name (order free, case-insensitive, extra columns ignored);
//!   a header without a required column is an [`IoError::MissingColumn`] naming it;
//! - every record is decoded and validated; a bad value (not a number, NaN, a negative
//!   duration, an empty required field, ...) gives a [`RecordError`]
//!   `FILE:LINE: field: reason`, the record is set aside, and reading goes on — never a panic;
//! - text inputs go through [`open_input`] and the shared bounded `LineReader` (`-` = stdin,
//!   gzip by magic bytes, a truncated gzip reported after the records before it, lines over
//!   [`TableOptions::max_record_bytes`] skipped and reported), so memory is bounded by the
//!   longest record allowed, not by the input.
//!
//! # Formats ([`SourceFormat`], detected from the content)
//! - Parquet: a file starting with `PAR1` (not from stdin; see the `parquet` submodule).
//! - JSON Lines: the first non-blank line starts with `{`.
//! - Zeek TSV (Zeek only): the first line starts with `#` or holds a tab; see the `zeek_tsv`
//!   submodule for the header directives and the IoT-23 three-space quirk. A log without a
//!   `#fields` line is [`TableError::MissingZeekFields`]; a log whose `#path` is not `conn`,
//!   [`TableError::NotConnLog`].
//! - CSV with a header row, anything else.
//!
//! # Labels
//! The label column (default `attack_detected` for sessions, `label` for IoT and Zeek;
//! [`TableOptions::label_column`] names another) is kept verbatim in the record's `label`
//! side field, which detectors never read; Zeek's `detailedlabel` / `detailed-label` goes to
//! `detailed_label`. Zeek's `local_orig`/`local_resp` are read but must never be features.

mod csv_source;
mod detect;
mod jsonl;
mod parquet;
mod schema;
mod write;
mod zeek_tsv;

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::marker::PhantomData;

use goshawk_core::{Event, EventKind, IotReading, NetSession, ZeekConn};

pub use self::detect::{detect_kind_in, detect_table_kind};
pub use self::parquet::{BATCH_ROWS, ROW_GROUP_ROWS};
pub use self::schema::{Column, ColumnType, TableRow};
pub use self::write::{
    convert, convert_with, ConvertSummary, TableFormat, TableWriter, UnknownTableFormat,
    MAX_REPORTED_ERRORS,
};
pub use crate::http::RecordError;
pub use crate::input::{open_input, IoError, DEFAULT_MAX_RECORD_BYTES};

use self::csv_source::CsvSource;
use self::jsonl::JsonlSource;
use self::parquet::ParquetSource;
use self::schema::{Cells, ColumnMap, Fields};
use self::zeek_tsv::{scan_header, ZeekTsvSource};
use crate::input::LineReader;

/// How many bytes format and kind detection look at.
const SNIFF_BYTES: usize = 64 * 1024;

/// Why a table input could not be opened or read as a whole (errors in single records are
/// [`RecordError`]s instead).
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error(transparent)]
    Io(#[from] IoError),
    #[error(
        "{path}: Zeek log without a `#fields` header line, so its columns cannot be named \
         (keep Zeek's header, or write the log as JSON)"
    )]
    MissingZeekFields { path: String },
    #[error("{path}: this is a Zeek `{log}` log (#path), not a `conn` log")]
    NotConnLog { path: String, log: String },
    #[error("{path}: Parquet: {reason}")]
    Parquet { path: String, reason: String },
    #[error("{path}: Parquet must be read from a file, not from a stream or a gzip")]
    ParquetStream { path: String },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "{path}: cannot tell which kind of records this is (sessions, iot or zeek); name the kind"
    )]
    UnknownKind { path: String },
    #[error("`{kind}` events are not read as a table (tables hold sessions, iot or zeek)")]
    NotATable { kind: EventKind },
}

/// The formats tables are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceFormat {
    Csv,
    Jsonl,
    ZeekTsv,
    Parquet,
}

impl SourceFormat {
    pub fn name(self) -> &'static str {
        match self {
            SourceFormat::Csv => "csv",
            SourceFormat::Jsonl => "jsonl",
            SourceFormat::ZeekTsv => "zeek-tsv",
            SourceFormat::Parquet => "parquet",
        }
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Options for table readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableOptions {
    /// The label column's name; `None` = the kind's default (`attack_detected` for sessions,
    /// `label` for IoT and Zeek). Matched case-insensitively.
    pub label_column: Option<String>,
    /// The longest line (or CSV record) kept; longer ones are skipped and reported.
    pub max_record_bytes: usize,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            label_column: None,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        }
    }
}

impl TableOptions {
    /// These options with the label read from `column`.
    pub fn with_label_column(mut self, column: impl Into<String>) -> Self {
        self.label_column = Some(column.into());
        self
    }
}

/// One record read from a table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRecord<T> {
    /// 1-based line where the record starts (for Parquet, its 1-based row number).
    pub line: u64,
    pub record: T,
}

/// A record that could not be read: where, why, and whether reading can go on.
#[derive(Debug)]
struct Failure {
    line: u64,
    reason: String,
    /// The source failed; nothing more can be read.
    fatal: bool,
}

impl Failure {
    fn bad(line: u64, reason: impl Into<String>) -> Self {
        Failure {
            line,
            reason: reason.into(),
            fatal: false,
        }
    }

    fn fatal(line: u64, reason: impl Into<String>) -> Self {
        Failure {
            line,
            reason: reason.into(),
            fatal: true,
        }
    }
}

/// Decodes and validates one row; the error is `field: reason`.
fn build<T: TableRow, C: Cells>(cells: &C) -> Result<T, String> {
    let record = T::decode(&Fields::new(cells, T::COLUMNS)).map_err(|e| e.to_string())?;
    record.validate().map_err(|e| e.to_string())?;
    Ok(record)
}

/// Network sessions from `path` (see the module documentation for formats).
pub fn read_sessions(path: &str) -> Result<TableReader<NetSession>, TableError> {
    read_table_with(path, &TableOptions::default())
}

/// IoT readings from `path`.
pub fn read_iot(path: &str) -> Result<TableReader<IotReading>, TableError> {
    read_table_with(path, &TableOptions::default())
}

/// Zeek connections from `path` (TSV with its header, JSON lines, CSV or Parquet).
pub fn read_zeek(path: &str) -> Result<TableReader<ZeekConn>, TableError> {
    read_table_with(path, &TableOptions::default())
}

/// Records of kind `T` from `path` (`-` = stdin), with options.
pub fn read_table_with<T: TableRow>(
    path: &str,
    options: &TableOptions,
) -> Result<TableReader<T>, TableError> {
    TableReader::open(Opened::open(path, options)?, path, options)
}

/// Records of any table kind from `path` as [`Event`]s; the kind is detected from the content
/// when `None` ([`TableError::UnknownKind`] when it cannot be).
pub fn read_events(
    path: &str,
    kind: Option<EventKind>,
    options: &TableOptions,
) -> Result<EventReader, TableError> {
    let mut opened = Opened::open(path, options)?;
    let kind = match kind {
        Some(kind) => kind,
        None => opened
            .detect(path)?
            .ok_or_else(|| TableError::UnknownKind {
                path: path.to_string(),
            })?,
    };
    Ok(match kind {
        EventKind::Sessions => EventReader::Sessions(TableReader::open(opened, path, options)?),
        EventKind::Iot => EventReader::Iot(TableReader::open(opened, path, options)?),
        EventKind::Zeek => EventReader::Zeek(TableReader::open(opened, path, options)?),
        EventKind::Http => return Err(TableError::NotATable { kind }),
    })
}

/// An input opened but not yet read: a Parquet file, or lines with their start buffered.
enum Opened {
    Parquet,
    Text(LineReader<Box<dyn Read + Send>>),
}

impl Opened {
    fn open(path: &str, options: &TableOptions) -> Result<Self, TableError> {
        if path != "-" && starts_with_parquet_magic(path)? {
            return Ok(Opened::Parquet);
        }
        let input: Box<dyn Read + Send> = Box::new(open_input(path)?);
        Ok(Opened::Text(LineReader::new(
            input,
            options.max_record_bytes,
        )))
    }

    fn detect(&mut self, path: &str) -> Result<Option<EventKind>, TableError> {
        match self {
            Opened::Parquet => detect::detect_parquet(path),
            Opened::Text(lines) => Ok(detect_kind_in(lines.peek(SNIFF_BYTES))),
        }
    }
}

fn starts_with_parquet_magic(path: &str) -> Result<bool, TableError> {
    let open_error = |source| IoError::Open {
        path: path.to_string(),
        source,
    };
    let mut file = File::open(path).map_err(open_error)?;
    let mut magic = [0u8; 4];
    let mut have = 0;
    while have < magic.len() {
        match file.read(&mut magic[have..]) {
            Ok(0) => break,
            Ok(n) => have += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(IoError::Read {
                    path: path.to_string(),
                    source,
                }
                .into())
            }
        }
    }
    Ok(have == 4 && &magic == self::parquet::MAGIC)
}

/// Streams `Result<TableRecord<T>, RecordError>` from one input. Never panics on input; after
/// a read failure it yields one error record and then ends.
pub struct TableReader<T> {
    path: String,
    source: Source,
    format: SourceFormat,
    label_column: Option<bool>,
    finished: bool,
    records: u64,
    errors: u64,
    _kind: PhantomData<fn() -> T>,
}

enum Source {
    Csv(Box<CsvSource>),
    Zeek(Box<ZeekTsvSource>),
    Jsonl(Box<JsonlSource>),
    Parquet(Box<ParquetSource>),
    /// A CSV without even a header row.
    Empty,
}

impl<T: TableRow> TableReader<T> {
    /// Reads a text table (CSV, JSON Lines, Zeek TSV) from any byte source; `name` is used in
    /// error messages. The source is taken as is — wrap it with
    /// [`crate::input::gunzip_if_needed`] if it may be gzip.
    pub fn from_reader<R: Read + Send + 'static>(
        source: R,
        name: &str,
        options: &TableOptions,
    ) -> Result<Self, TableError> {
        let boxed: Box<dyn Read + Send> = Box::new(source);
        let lines = LineReader::new(boxed, options.max_record_bytes);
        Self::open(Opened::Text(lines), name, options)
    }

    fn open(opened: Opened, path: &str, options: &TableOptions) -> Result<Self, TableError> {
        let label = options.label_column.as_deref().unwrap_or(T::DEFAULT_LABEL);
        let width = T::COLUMNS.len();
        let (source, format, label_column) = match opened {
            Opened::Parquet => {
                let source = ParquetSource::new::<T>(path, label)?;
                let has_label = source.map().has_label(width);
                (
                    Source::Parquet(Box::new(source)),
                    SourceFormat::Parquet,
                    Some(has_label),
                )
            }
            Opened::Text(mut lines) => {
                let prefix = lines.peek(SNIFF_BYTES);
                if prefix.starts_with(self::parquet::MAGIC) {
                    return Err(TableError::ParquetStream {
                        path: path.to_string(),
                    });
                }
                match sniff_format(prefix, T::KIND) {
                    SourceFormat::Jsonl => (
                        Source::Jsonl(Box::new(JsonlSource::new::<T>(lines, label))),
                        SourceFormat::Jsonl,
                        None,
                    ),
                    SourceFormat::ZeekTsv => {
                        let scan = scan_header(prefix);
                        if let Some(log) = scan.header.other_log() {
                            return Err(TableError::NotConnLog {
                                path: path.to_string(),
                                log: log.to_string(),
                            });
                        }
                        if scan.data_before_fields {
                            return Err(TableError::MissingZeekFields {
                                path: path.to_string(),
                            });
                        }
                        let has_label = match &scan.header.fields {
                            Some(fields) => {
                                let names: Vec<&str> = fields.iter().map(String::as_str).collect();
                                Some(
                                    ColumnMap::from_header::<T>(path, &names, label)?
                                        .has_label(width),
                                )
                            }
                            None => None,
                        };
                        (
                            Source::Zeek(Box::new(ZeekTsvSource::new(lines, path, label))),
                            SourceFormat::ZeekTsv,
                            has_label,
                        )
                    }
                    SourceFormat::Csv | SourceFormat::Parquet => {
                        let mut csv = CsvSource::new(lines);
                        if csv.read_header::<T>(path, label)? {
                            let has_label = csv.map().map(|map| map.has_label(width));
                            (Source::Csv(Box::new(csv)), SourceFormat::Csv, has_label)
                        } else {
                            (Source::Empty, SourceFormat::Csv, None)
                        }
                    }
                }
            }
        };
        Ok(TableReader {
            path: path.to_string(),
            source,
            format,
            label_column,
            finished: false,
            records: 0,
            errors: 0,
            _kind: PhantomData,
        })
    }
}

impl<T> TableReader<T> {
    /// The format being read.
    pub fn format(&self) -> SourceFormat {
        self.format
    }

    /// The name errors are reported under.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether the header has the label column: `Some(true/false)` for CSV, Zeek TSV and
    /// Parquet; `None` for JSON Lines (each object may or may not have one) and empty inputs.
    pub fn has_label_column(&self) -> Option<bool> {
        self.label_column
    }

    /// Records yielded so far (not counting error records).
    pub fn records_read(&self) -> u64 {
        self.records
    }

    /// Error records yielded so far (records set aside).
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Lines read so far (for Parquet, rows).
    pub fn lines_read(&self) -> u64 {
        match &self.source {
            Source::Csv(s) => s.lines_read(),
            Source::Zeek(s) => s.lines_read(),
            Source::Jsonl(s) => s.lines_read(),
            Source::Parquet(s) => s.rows_read(),
            Source::Empty => 0,
        }
    }

    /// Bytes read so far (after gzip decoding; 0 for Parquet), for progress reports.
    pub fn bytes_read(&self) -> u64 {
        match &self.source {
            Source::Csv(s) => s.bytes_read(),
            Source::Zeek(s) => s.bytes_read(),
            Source::Jsonl(s) => s.bytes_read(),
            Source::Parquet(_) | Source::Empty => 0,
        }
    }
}

impl<T: TableRow> Iterator for TableReader<T> {
    type Item = Result<TableRecord<T>, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let outcome = match &mut self.source {
            Source::Csv(s) => s.next_row::<T>(),
            Source::Zeek(s) => s.next_row::<T>(),
            Source::Jsonl(s) => s.next_row::<T>(),
            Source::Parquet(s) => s.next_row::<T>(),
            Source::Empty => None,
        };
        match outcome {
            None => {
                self.finished = true;
                None
            }
            Some(Ok(record)) => {
                self.records += 1;
                Some(Ok(record))
            }
            Some(Err(failure)) => {
                self.errors += 1;
                self.finished = failure.fatal;
                Some(Err(RecordError {
                    path: self.path.clone(),
                    line: failure.line,
                    reason: failure.reason,
                }))
            }
        }
    }
}

/// The format of a text input from its first bytes, for reading records of `kind`.
fn sniff_format(prefix: &[u8], kind: EventKind) -> SourceFormat {
    let first = detect::first_line(prefix);
    if first.trim_ascii_start().starts_with(b"{") {
        SourceFormat::Jsonl
    } else if kind == EventKind::Zeek && (first.starts_with(b"#") || first.contains(&b'\t')) {
        SourceFormat::ZeekTsv
    } else {
        SourceFormat::Csv
    }
}

/// Records of whichever table kind an input holds, as [`Event`]s (see [`read_events`]).
pub enum EventReader {
    Sessions(TableReader<NetSession>),
    Iot(TableReader<IotReading>),
    Zeek(TableReader<ZeekConn>),
}

macro_rules! each_reader {
    ($self:expr, $reader:ident => $body:expr) => {
        match $self {
            EventReader::Sessions($reader) => $body,
            EventReader::Iot($reader) => $body,
            EventReader::Zeek($reader) => $body,
        }
    };
}

impl EventReader {
    pub fn kind(&self) -> EventKind {
        match self {
            EventReader::Sessions(_) => EventKind::Sessions,
            EventReader::Iot(_) => EventKind::Iot,
            EventReader::Zeek(_) => EventKind::Zeek,
        }
    }

    pub fn format(&self) -> SourceFormat {
        each_reader!(self, r => r.format())
    }

    pub fn has_label_column(&self) -> Option<bool> {
        each_reader!(self, r => r.has_label_column())
    }

    pub fn records_read(&self) -> u64 {
        each_reader!(self, r => r.records_read())
    }

    pub fn errors(&self) -> u64 {
        each_reader!(self, r => r.errors())
    }

    pub fn lines_read(&self) -> u64 {
        each_reader!(self, r => r.lines_read())
    }

    pub fn bytes_read(&self) -> u64 {
        each_reader!(self, r => r.bytes_read())
    }
}

impl Iterator for EventReader {
    type Item = Result<TableRecord<Event>, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        each_reader!(self, r => r.next().map(|item| item.map(|row| TableRecord {
            line: row.line,
            record: row.record.into_event(),
        })))
    }
}

#[cfg(test)]
mod tests;
