//! JSON Lines tables: one object per line, read by key (Zeek's JSON logs, and sessions or IoT
//! readings exported as JSON). Keys are matched like CSV header names; an absent key or a
//! `null` is no value; numbers, strings holding numbers, booleans and (for sets) arrays are
//! all accepted where the column's type allows.

use std::borrow::Cow;
use std::io::Read;

use serde_json::{Map, Value};

use super::schema::{Cell, Cells, NameLookup, TableRow};
use super::{build, Failure, TableRecord};
use crate::input::{Line, LineReader};

/// Rows of a JSON Lines input.
pub struct JsonlSource {
    lines: LineReader<Box<dyn Read + Send>>,
    lookup: NameLookup,
}

impl JsonlSource {
    pub fn new<T: TableRow>(lines: LineReader<Box<dyn Read + Send>>, label_column: &str) -> Self {
        JsonlSource {
            lines,
            lookup: NameLookup::new::<T>(label_column),
        }
    }

    pub fn lines_read(&self) -> u64 {
        self.lines.line_number()
    }

    pub fn bytes_read(&self) -> u64 {
        self.lines.bytes_read()
    }

    pub fn next_row<T: TableRow>(&mut self) -> Option<Result<TableRecord<T>, Failure>> {
        loop {
            match self.lines.next_line()? {
                Line::Text { number, bytes } => {
                    let bytes = if number == 1 {
                        bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
                    } else {
                        bytes
                    };
                    if bytes.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    return Some(
                        decode_object::<T>(bytes, &self.lookup)
                            .map(|record| TableRecord {
                                line: number,
                                record,
                            })
                            .map_err(|reason| Failure::bad(number, reason)),
                    );
                }
                Line::TooLong { number, length } => {
                    return Some(Err(Failure::bad(
                        number,
                        format!(
                            "line is {length} bytes, over the {} byte limit; skipped",
                            self.lines.max_line()
                        ),
                    )))
                }
                Line::Failed { number, error } => {
                    return Some(Err(Failure::fatal(number, error.to_string())))
                }
            }
        }
    }
}

fn decode_object<T: TableRow>(bytes: &[u8], lookup: &NameLookup) -> Result<T, String> {
    let object: Map<String, Value> =
        serde_json::from_slice(bytes).map_err(|e| format!("not a JSON object: {e}"))?;
    let mut slots: Vec<Option<&Value>> = vec![None; lookup.width];
    for (key, value) in &object {
        if let Some(index) = lookup.find(key) {
            slots[index].get_or_insert(value);
        }
    }
    build::<T, _>(&JsonCells(slots))
}

struct JsonCells<'a>(Vec<Option<&'a Value>>);

impl Cells for JsonCells<'_> {
    fn cell(&self, column: usize) -> Cell<'_> {
        match self.0.get(column).copied().flatten() {
            None | Some(Value::Null) => Cell::Absent,
            Some(value) => json_cell(value),
        }
    }
}

fn json_cell(value: &Value) -> Cell<'_> {
    match value {
        Value::Null => Cell::Absent,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) => {
            if let Some(v) = n.as_u64() {
                Cell::UInt(v)
            } else if let Some(v) = n.as_i64() {
                Cell::Int(v)
            } else {
                // Every JSON number that is not an integer is an f64 without arbitrary precision.
                Cell::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(s) => Cell::Text(Cow::Borrowed(s)),
        Value::Array(items) => Cell::List(
            items
                .iter()
                .map(|item| match item {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
        ),
        Value::Object(_) => Cell::Text(Cow::Owned(value.to_string())),
    }
}
