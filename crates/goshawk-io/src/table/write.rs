//! Writing records as a table — CSV, JSON Lines or Parquet — and `convert`, which reads any
//! supported input of a kind and writes it out typed and validated, setting bad records aside.
//!
//! Every format uses the kind's canonical column names (the dataset's, Zeek's for Zeek), then
//! the label column (`attack_detected` for sessions, `label` otherwise) and, for Zeek, the
//! detailed label (`detailedlabel`), so that what is written reads back with the defaults.
//! CSV writes no value as an empty cell, booleans as `true`/`false` and sets comma-joined;
//! JSON Lines leaves out the keys of unset values, like Zeek's own JSON. Memory is bounded: CSV
//! and JSON Lines stream, Parquet holds one row group.

use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::marker::PhantomData;
use std::path::Path;
use std::str::FromStr;

use goshawk_core::{EventKind, IotReading, NetSession, ZeekConn};

use super::parquet::ParquetSink;
use super::schema::{Cell, TableRow};
use super::{read_events, EventReader, SourceFormat, TableError, TableOptions, TableReader};
use crate::http::RecordError;

/// How many set-aside records a [`ConvertSummary`] keeps the errors of.
pub const MAX_REPORTED_ERRORS: usize = 20;

/// The formats tables are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableFormat {
    Parquet,
    Jsonl,
    Csv,
}

impl TableFormat {
    pub fn name(self) -> &'static str {
        match self {
            TableFormat::Parquet => "parquet",
            TableFormat::Jsonl => "jsonl",
            TableFormat::Csv => "csv",
        }
    }
}

impl fmt::Display for TableFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name other than `parquet`, `jsonl` (or `json`, `ndjson`) and `csv`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown table format `{0}` (expected parquet, jsonl or csv)")]
pub struct UnknownTableFormat(pub String);

impl FromStr for TableFormat {
    type Err = UnknownTableFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "parquet" | "pq" => Ok(TableFormat::Parquet),
            "jsonl" | "json" | "ndjson" => Ok(TableFormat::Jsonl),
            "csv" => Ok(TableFormat::Csv),
            _ => Err(UnknownTableFormat(s.to_string())),
        }
    }
}

/// Writes records of kind `T` to a file (`-` = standard output) in one [`TableFormat`].
/// Call [`TableWriter::finish`] at the end: a Parquet file without it has no footer.
pub struct TableWriter<T> {
    sink: Sink,
    path: String,
    rows: u64,
    _kind: PhantomData<fn(&T)>,
}

enum Sink {
    Csv(Box<csv::Writer<Box<dyn Write + Send>>>),
    Jsonl(BufWriter<Box<dyn Write + Send>>),
    Parquet(Box<ParquetSink>),
}

/// The names of a kind's columns as written: the columns, the label, the detailed label.
fn column_names<T: TableRow>() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = T::COLUMNS.iter().map(|c| c.name).collect();
    names.push(T::DEFAULT_LABEL);
    if let Some(name) = T::DETAILED_LABEL.first() {
        names.push(name);
    }
    names
}

impl<T: TableRow> TableWriter<T> {
    /// Creates (or truncates) `path` and writes the CSV header if the format has one.
    pub fn create(path: &Path, format: TableFormat) -> Result<Self, TableError> {
        let shown = path.display().to_string();
        let output: Box<dyn Write + Send> = if shown == "-" {
            Box::new(io::stdout())
        } else {
            Box::new(File::create(path).map_err(|source| TableError::Write {
                path: shown.clone(),
                source,
            })?)
        };
        Self::from_writer(output, &shown, format)
    }

    /// Writes to any byte sink; `name` is used in error messages.
    pub fn from_writer(
        output: Box<dyn Write + Send>,
        name: &str,
        format: TableFormat,
    ) -> Result<Self, TableError> {
        let write_error = |e: csv::Error| TableError::Write {
            path: name.to_string(),
            source: io::Error::other(e),
        };
        let sink = match format {
            TableFormat::Csv => {
                let mut writer = csv::WriterBuilder::new()
                    .buffer_capacity(64 * 1024)
                    .from_writer(output);
                writer
                    .write_record(column_names::<T>())
                    .map_err(write_error)?;
                Sink::Csv(Box::new(writer))
            }
            TableFormat::Jsonl => Sink::Jsonl(BufWriter::with_capacity(64 * 1024, output)),
            TableFormat::Parquet => Sink::Parquet(Box::new(ParquetSink::new::<T>(output, name)?)),
        };
        Ok(TableWriter {
            sink,
            path: name.to_string(),
            rows: 0,
            _kind: PhantomData,
        })
    }

    /// Rows written so far.
    pub fn rows_written(&self) -> u64 {
        self.rows
    }

    pub fn write(&mut self, record: &T) -> Result<(), TableError> {
        let result = match &mut self.sink {
            Sink::Csv(writer) => write_csv_row(writer, record),
            Sink::Jsonl(writer) => write_json_row(writer, record),
            Sink::Parquet(sink) => return sink.write(record).map(|()| self.rows += 1),
        };
        result.map_err(|source| TableError::Write {
            path: self.path.clone(),
            source,
        })?;
        self.rows += 1;
        Ok(())
    }

    /// Flushes everything (and writes the Parquet footer). Returns the rows written.
    pub fn finish(self) -> Result<u64, TableError> {
        let write_error = |source| TableError::Write {
            path: self.path.clone(),
            source,
        };
        match self.sink {
            Sink::Csv(mut writer) => writer.flush().map_err(write_error)?,
            Sink::Jsonl(mut writer) => writer.flush().map_err(write_error)?,
            Sink::Parquet(sink) => sink.finish()?,
        }
        Ok(self.rows)
    }
}

fn write_csv_row<T: TableRow>(
    writer: &mut csv::Writer<Box<dyn Write + Send>>,
    record: &T,
) -> io::Result<()> {
    let mut result = Ok(());
    let mut field = String::new();
    record.encode(&mut |cell| {
        if result.is_err() {
            return;
        }
        field.clear();
        let text: &str = match &cell {
            Cell::Absent => "",
            Cell::Text(t) => t,
            Cell::Bool(true) => "true",
            Cell::Bool(false) => "false",
            Cell::List(items) => {
                field.push_str(&items.join(","));
                &field
            }
            Cell::Float(v) => {
                use std::fmt::Write as _;
                let _ = write!(field, "{v}");
                &field
            }
            Cell::Int(v) => {
                use std::fmt::Write as _;
                let _ = write!(field, "{v}");
                &field
            }
            Cell::UInt(v) => {
                use std::fmt::Write as _;
                let _ = write!(field, "{v}");
                &field
            }
        };
        result = writer.write_field(text);
    });
    result
        .and_then(|()| writer.write_record(None::<&[u8]>))
        .map_err(io::Error::other)
}

fn write_json_row<T: TableRow>(writer: &mut impl Write, record: &T) -> io::Result<()> {
    let names = column_names::<T>();
    let mut result: io::Result<()> = Ok(());
    let mut column = 0;
    let mut first = true;
    writer.write_all(b"{")?;
    record.encode(&mut |cell| {
        let name = names.get(column).copied().unwrap_or("?");
        column += 1;
        if result.is_err() || matches!(cell, Cell::Absent) {
            return;
        }
        result = (|| -> io::Result<()> {
            if !first {
                writer.write_all(b",")?;
            }
            first = false;
            serde_json::to_writer(&mut *writer, name)?;
            writer.write_all(b":")?;
            match cell {
                Cell::Absent => {}
                Cell::Text(t) => serde_json::to_writer(&mut *writer, t.as_ref())?,
                Cell::Float(v) => serde_json::to_writer(&mut *writer, &v)?,
                Cell::Int(v) => serde_json::to_writer(&mut *writer, &v)?,
                Cell::UInt(v) => serde_json::to_writer(&mut *writer, &v)?,
                Cell::Bool(v) => serde_json::to_writer(&mut *writer, &v)?,
                Cell::List(items) => serde_json::to_writer(&mut *writer, &items)?,
            }
            Ok(())
        })();
    });
    result?;
    writer.write_all(b"}\n")
}

/// What [`convert`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertSummary {
    pub kind: EventKind,
    pub input_format: SourceFormat,
    pub output_format: TableFormat,
    pub rows_written: u64,
    /// Records that could not be read or were invalid, and were not written.
    pub set_aside: u64,
    /// The first [`MAX_REPORTED_ERRORS`] of them.
    pub errors: Vec<RecordError>,
}

/// Reads `input` (`-` = stdin; gzip, CSV, JSON Lines, Zeek TSV or Parquet) as records of
/// `kind` (detected from the content when `None`, see [`super::detect_table_kind`]) and
/// writes every valid one to `out` (`-` = stdout) in `to`. Records with a bad field are set
/// aside, counted, and the first few kept in the summary; a read failure (e.g. a truncated
/// gzip) ends the input and is counted the same way, after every record before it was written.
pub fn convert(
    input: &str,
    kind: Option<EventKind>,
    to: TableFormat,
    out: &Path,
) -> Result<ConvertSummary, TableError> {
    convert_with(input, kind, to, out, &TableOptions::default())
}

/// [`convert`] with reading options (label column name, record size limit).
pub fn convert_with(
    input: &str,
    kind: Option<EventKind>,
    to: TableFormat,
    out: &Path,
    options: &TableOptions,
) -> Result<ConvertSummary, TableError> {
    match read_events(input, kind, options)? {
        EventReader::Sessions(reader) => convert_rows::<NetSession>(reader, to, out),
        EventReader::Iot(reader) => convert_rows::<IotReading>(reader, to, out),
        EventReader::Zeek(reader) => convert_rows::<ZeekConn>(reader, to, out),
    }
}

fn convert_rows<T: TableRow>(
    mut reader: TableReader<T>,
    to: TableFormat,
    out: &Path,
) -> Result<ConvertSummary, TableError> {
    let mut writer = TableWriter::<T>::create(out, to)?;
    let mut errors = Vec::new();
    let mut set_aside = 0;
    for item in &mut reader {
        match item {
            Ok(row) => writer.write(&row.record)?,
            Err(error) => {
                set_aside += 1;
                if errors.len() < MAX_REPORTED_ERRORS {
                    errors.push(error);
                }
            }
        }
    }
    let rows_written = writer.finish()?;
    Ok(ConvertSummary {
        kind: T::KIND,
        input_format: reader.format(),
        output_format: to,
        rows_written,
        set_aside,
        errors,
    })
}
