//! Parquet in and out, through Arrow record batches.
//!
//! Written files have one typed column per field of the kind (text `Utf8`, numbers `Float64`,
//! counts `UInt64`, flags `Boolean`, Zeek sets `List<Utf8>`; unset values are nulls), the label
//! columns last, Snappy compression, and row groups of [`ROW_GROUP_ROWS`] rows; rows are handed
//! to the writer in batches of [`BATCH_ROWS`], so memory stays bounded by one row group. The
//! schema's metadata records the kind under `goshawk.kind`.
//!
//! Reading maps columns by name like a CSV header, so files written by other tools work too
//! (any integer, float, string or boolean Arrow type is accepted where the column's type
//! allows). A record's "line" is its 1-based row number.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Float64Builder, ListBuilder, StringBuilder, UInt64Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::schema::{Cell, Cells, ColumnMap, ColumnType, TableRow};
use super::{build, Failure, TableError, TableRecord};

/// Rows per Parquet row group.
pub const ROW_GROUP_ROWS: usize = 64 * 1024;
/// Rows per Arrow batch, written and read.
pub const BATCH_ROWS: usize = 8 * 1024;
/// The schema metadata key naming the event kind.
pub const KIND_METADATA: &str = "goshawk.kind";

/// The four bytes every Parquet file starts with.
pub const MAGIC: &[u8; 4] = b"PAR1";

fn parquet_error(path: &str, error: impl std::fmt::Display) -> TableError {
    TableError::Parquet {
        path: path.to_string(),
        reason: error.to_string(),
    }
}

/// The Arrow schema of a kind's table.
pub fn arrow_schema<T: TableRow>() -> SchemaRef {
    let mut fields: Vec<Field> = T::COLUMNS
        .iter()
        .map(|column| Field::new(column.name, arrow_type(column.ty), !column.required))
        .collect();
    fields.push(Field::new(T::DEFAULT_LABEL, DataType::Utf8, true));
    if let Some(name) = T::DETAILED_LABEL.first() {
        fields.push(Field::new(*name, DataType::Utf8, true));
    }
    let metadata = HashMap::from([(KIND_METADATA.to_string(), T::KIND.as_str().to_string())]);
    Arc::new(Schema::new_with_metadata(fields, metadata))
}

fn arrow_type(ty: ColumnType) -> DataType {
    match ty {
        ColumnType::Text | ColumnType::Addr => DataType::Utf8,
        ColumnType::Float | ColumnType::Time => DataType::Float64,
        ColumnType::Count => DataType::UInt64,
        ColumnType::Bool => DataType::Boolean,
        ColumnType::TextSet => {
            DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
        }
    }
}

// --- Writing ---------------------------------------------------------------------------------

/// One column being filled.
enum Builder {
    Text(StringBuilder),
    Float(Float64Builder),
    Count(UInt64Builder),
    Bool(BooleanBuilder),
    TextSet(ListBuilder<StringBuilder>),
}

impl Builder {
    fn new(data_type: &DataType) -> Self {
        match data_type {
            DataType::Float64 => Builder::Float(Float64Builder::with_capacity(BATCH_ROWS)),
            DataType::UInt64 => Builder::Count(UInt64Builder::with_capacity(BATCH_ROWS)),
            DataType::Boolean => Builder::Bool(BooleanBuilder::with_capacity(BATCH_ROWS)),
            DataType::List(_) => Builder::TextSet(ListBuilder::new(StringBuilder::new())),
            _ => Builder::Text(StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 16)),
        }
    }

    /// Appends a cell; a cell of another type than the column's is converted as a reader
    /// would convert it, and one that cannot be is a null.
    fn append(&mut self, cell: Cell<'_>) {
        match self {
            Builder::Text(b) => match cell {
                Cell::Absent => b.append_null(),
                Cell::Text(t) => b.append_value(t),
                Cell::List(items) => b.append_value(items.join(",")),
                Cell::Float(v) => b.append_value(v.to_string()),
                Cell::Int(v) => b.append_value(v.to_string()),
                Cell::UInt(v) => b.append_value(v.to_string()),
                Cell::Bool(v) => b.append_value(v.to_string()),
            },
            Builder::Float(b) => match cell {
                Cell::Float(v) => b.append_value(v),
                Cell::Int(v) => b.append_value(v as f64),
                Cell::UInt(v) => b.append_value(v as f64),
                _ => b.append_null(),
            },
            Builder::Count(b) => match cell {
                Cell::UInt(v) => b.append_value(v),
                Cell::Int(v) => b.append_option(u64::try_from(v).ok()),
                _ => b.append_null(),
            },
            Builder::Bool(b) => match cell {
                Cell::Bool(v) => b.append_value(v),
                _ => b.append_null(),
            },
            Builder::TextSet(b) => match cell {
                Cell::Absent => b.append_null(),
                Cell::List(items) => {
                    for item in items {
                        b.values().append_value(item);
                    }
                    b.append(true);
                }
                Cell::Text(t) => {
                    for item in t.split(',').filter(|item| !item.is_empty()) {
                        b.values().append_value(item);
                    }
                    b.append(true);
                }
                _ => b.append_null(),
            },
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Float(b) => Arc::new(b.finish()),
            Builder::Count(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::TextSet(b) => Arc::new(b.finish()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Builder::Text(b) => b.len(),
            Builder::Float(b) => b.len(),
            Builder::Count(b) => b.len(),
            Builder::Bool(b) => b.len(),
            Builder::TextSet(b) => b.len(),
        }
    }
}

/// Writes records of one kind to a Parquet file, a batch at a time.
pub struct ParquetSink {
    writer: ArrowWriter<Box<dyn Write + Send>>,
    schema: SchemaRef,
    builders: Vec<Builder>,
    path: String,
}

impl ParquetSink {
    pub fn new<T: TableRow>(output: Box<dyn Write + Send>, path: &str) -> Result<Self, TableError> {
        let schema = arrow_schema::<T>();
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        let writer = ArrowWriter::try_new(output, schema.clone(), Some(properties))
            .map_err(|e| parquet_error(path, e))?;
        let builders = schema
            .fields()
            .iter()
            .map(|field| Builder::new(field.data_type()))
            .collect();
        Ok(ParquetSink {
            writer,
            schema,
            builders,
            path: path.to_string(),
        })
    }

    pub fn write<T: TableRow>(&mut self, record: &T) -> Result<(), TableError> {
        let mut column = 0;
        let builders = &mut self.builders;
        record.encode(&mut |cell| {
            if let Some(builder) = builders.get_mut(column) {
                builder.append(cell);
            }
            column += 1;
        });
        if self.builders.first().map_or(0, Builder::len) >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), TableError> {
        if self.builders.first().map_or(0, Builder::len) == 0 {
            return Ok(());
        }
        let columns: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| parquet_error(&self.path, e))?;
        self.writer
            .write(&batch)
            .map_err(|e| parquet_error(&self.path, e))
    }

    /// Writes what is buffered and the file's footer.
    pub fn finish(mut self) -> Result<(), TableError> {
        self.flush()?;
        let mut output = self
            .writer
            .into_inner()
            .map_err(|e| parquet_error(&self.path, e))?;
        output.flush().map_err(|source| TableError::Write {
            path: self.path.clone(),
            source,
        })
    }
}

// --- Reading ---------------------------------------------------------------------------------

/// Opens a Parquet file: its batch reader and its schema.
pub fn open(path: &str) -> Result<(ParquetRecordBatchReader, SchemaRef), TableError> {
    let file = File::open(path).map_err(|source| crate::input::IoError::Open {
        path: path.to_string(),
        source,
    })?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| parquet_error(path, e))?;
    let schema = builder.schema().clone();
    let reader = builder
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| parquet_error(path, e))?;
    Ok((reader, schema))
}

/// The column names and the `goshawk.kind` metadata of a Parquet file.
pub fn describe(path: &str) -> Result<(Vec<String>, Option<String>), TableError> {
    let (_, schema) = open(path)?;
    let names = schema.fields().iter().map(|f| f.name().clone()).collect();
    Ok((names, schema.metadata().get(KIND_METADATA).cloned()))
}

/// Rows of a Parquet file.
pub struct ParquetSource {
    batches: ParquetRecordBatchReader,
    map: ColumnMap,
    /// The current batch's column for each position of `map`.
    columns: Vec<Option<ArrayRef>>,
    rows_in_batch: usize,
    next_in_batch: usize,
    rows_before_batch: u64,
    done: bool,
}

impl ParquetSource {
    pub fn new<T: TableRow>(path: &str, label_column: &str) -> Result<Self, TableError> {
        let (batches, schema) = open(path)?;
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        let map = ColumnMap::from_header::<T>(path, &names, label_column)?;
        Ok(ParquetSource {
            batches,
            map,
            columns: Vec::new(),
            rows_in_batch: 0,
            next_in_batch: 0,
            rows_before_batch: 0,
            done: false,
        })
    }

    pub fn map(&self) -> &ColumnMap {
        &self.map
    }

    /// Rows read so far.
    pub fn rows_read(&self) -> u64 {
        self.rows_before_batch + self.next_in_batch as u64
    }

    pub fn next_row<T: TableRow>(&mut self) -> Option<Result<TableRecord<T>, Failure>> {
        while self.next_in_batch >= self.rows_in_batch {
            if self.done {
                return None;
            }
            match self.batches.next()? {
                Ok(batch) => {
                    self.rows_before_batch += self.rows_in_batch as u64;
                    self.rows_in_batch = batch.num_rows();
                    self.next_in_batch = 0;
                    self.columns = self
                        .map
                        .positions
                        .iter()
                        .map(|position| position.map(|p| batch.column(p).clone()))
                        .collect();
                }
                Err(error) => {
                    self.done = true;
                    return Some(Err(Failure::fatal(
                        self.rows_read() + 1,
                        format!("Parquet: {error}"),
                    )));
                }
            }
        }
        let row = self.next_in_batch;
        self.next_in_batch += 1;
        let line = self.rows_before_batch + self.next_in_batch as u64;
        let cells = ArrowCells {
            columns: &self.columns,
            row,
        };
        Some(
            build::<T, _>(&cells)
                .map(|record| TableRecord { line, record })
                .map_err(|reason| Failure::bad(line, reason)),
        )
    }
}

struct ArrowCells<'a> {
    columns: &'a [Option<ArrayRef>],
    row: usize,
}

impl Cells for ArrowCells<'_> {
    fn cell(&self, column: usize) -> Cell<'_> {
        match self.columns.get(column) {
            Some(Some(array)) => arrow_cell(array.as_ref(), self.row),
            _ => Cell::Absent,
        }
    }
}

/// One value of an Arrow array as a cell. Types without a meaning here become text naming the
/// type, which the column's decoder then rejects with that name in the message.
fn arrow_cell(array: &dyn Array, row: usize) -> Cell<'_> {
    if row >= array.len() || array.is_null(row) {
        return Cell::Absent;
    }
    macro_rules! primitive {
        ($type:ty, $cell:expr) => {
            match array.as_primitive_opt::<$type>() {
                Some(values) => $cell(values.value(row)),
                None => Cell::Absent,
            }
        };
    }
    match array.data_type() {
        DataType::Utf8 => array
            .as_string_opt::<i32>()
            .map_or(Cell::Absent, |a| Cell::Text(Cow::Borrowed(a.value(row)))),
        DataType::LargeUtf8 => array
            .as_string_opt::<i64>()
            .map_or(Cell::Absent, |a| Cell::Text(Cow::Borrowed(a.value(row)))),
        DataType::Utf8View => array
            .as_string_view_opt()
            .map_or(Cell::Absent, |a| Cell::Text(Cow::Borrowed(a.value(row)))),
        DataType::Boolean => array
            .as_boolean_opt()
            .map_or(Cell::Absent, |a| Cell::Bool(a.value(row))),
        DataType::Float64 => primitive!(Float64Type, Cell::Float),
        DataType::Float32 => primitive!(Float32Type, |v: f32| Cell::Float(f64::from(v))),
        DataType::Int64 => primitive!(Int64Type, Cell::Int),
        DataType::Int32 => primitive!(Int32Type, |v: i32| Cell::Int(v.into())),
        DataType::Int16 => primitive!(Int16Type, |v: i16| Cell::Int(v.into())),
        DataType::Int8 => primitive!(Int8Type, |v: i8| Cell::Int(v.into())),
        DataType::UInt64 => primitive!(UInt64Type, Cell::UInt),
        DataType::UInt32 => primitive!(UInt32Type, |v: u32| Cell::UInt(v.into())),
        DataType::UInt16 => primitive!(UInt16Type, |v: u16| Cell::UInt(v.into())),
        DataType::UInt8 => primitive!(UInt8Type, |v: u8| Cell::UInt(v.into())),
        DataType::List(_) => match array.as_list_opt::<i32>() {
            Some(list) => {
                let items = list.value(row);
                Cell::List(
                    (0..items.len())
                        .map(|i| match arrow_cell(items.as_ref(), i) {
                            Cell::Text(t) => t.into_owned(),
                            Cell::Absent => String::new(),
                            other => format!("{other:?}"),
                        })
                        .collect(),
                )
            }
            None => Cell::Absent,
        },
        other => Cell::Text(Cow::Owned(format!("<unsupported Parquet type {other}>"))),
    }
}
