//! What a table of each kind looks like — its columns, their types and names — and the one
//! decoding of a row's cells into a record, shared by every format (CSV, Zeek TSV, JSON Lines,
//! Parquet) so that the same bad value gives the same error wherever it was read.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;

use goshawk_core::{Event, EventKind, InvalidField, IotReading, NetSession, ZeekConn};

use crate::input::IoError;

/// The type of a column: how its cells are read and how it is stored in Parquet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Text, kept as written (Parquet `Utf8`).
    Text,
    /// An IP address (text in files, `Utf8` in Parquet).
    Addr,
    /// A finite real number (`Float64`).
    Float,
    /// Seconds: a number, or an ISO 8601 date-time (`Float64`).
    Time,
    /// A whole number ≥ 0 (`UInt64`); `3.0` is read as 3.
    Count,
    /// `1`/`0`, `true`/`false`, `T`/`F`, `yes`/`no`, any case (`Boolean`).
    Bool,
    /// A set of strings: comma-separated in text, an array in JSON (`List<Utf8>`).
    TextSet,
}

/// One column of a table kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The canonical name, written by the writers and used in error messages.
    pub name: &'static str,
    /// Other header names accepted for it (matched case-insensitively, like `name`).
    pub aliases: &'static [&'static str],
    pub ty: ColumnType,
    /// A header without this column is an error, and so is a row without a value in it.
    pub required: bool,
}

const fn column(name: &'static str, ty: ColumnType, required: bool) -> Column {
    Column {
        name,
        aliases: &[],
        ty,
        required,
    }
}

/// One cell of a row, borrowed from the source where possible.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// No value: an absent column or JSON key, an empty CSV cell, Zeek's unset `-`, a null.
    Absent,
    Text(Cow<'a, str>),
    Float(f64),
    Int(i64),
    UInt(u64),
    Bool(bool),
    List(Vec<String>),
}

/// A row being decoded: the cell for each column index of a [`TableRow`] kind (indices past
/// the columns are [`LABEL`] offsets).
pub trait Cells {
    fn cell(&self, column: usize) -> Cell<'_>;
}

/// Offsets after the last column: the label column, and the detailed label column.
pub const LABEL: usize = 0;
pub const DETAILED_LABEL: usize = 1;

/// A record kind that can be read from and written to a table. Implemented for
/// [`NetSession`], [`IotReading`] and [`ZeekConn`].
pub trait TableRow: Sized {
    /// The event kind these records are.
    const KIND: EventKind;
    /// The columns, in the order writers write them.
    const COLUMNS: &'static [Column];
    /// The label column's name unless the caller names another.
    const DEFAULT_LABEL: &'static str;
    /// Names of a second, finer label column (written under the first name); empty if none.
    const DETAILED_LABEL: &'static [&'static str];

    /// Builds a record from a row's cells. Errors name the column.
    fn decode<C: Cells>(fields: &Fields<'_, C>) -> Result<Self, InvalidField>;
    /// Hands out the cells in [`Self::COLUMNS`] order, then the label, then (when
    /// [`Self::DETAILED_LABEL`] is not empty) the detailed label.
    fn encode(&self, out: &mut dyn FnMut(Cell<'_>));
    /// The record's own checks (the core type's `validate`).
    fn validate(&self) -> Result<(), InvalidField>;
    fn into_event(self) -> Event;
}

/// Typed access to the cells of one row, with errors naming the column.
/// Generic over the source's cells (not `dyn`) so that each source's cell access is inlined
/// into the decoder: with the inline marker compare in the Zeek source, this took Zeek TSV
/// from about 1.0 to 1.3 M lines/s in the `table_read` bench.
pub struct Fields<'c, C> {
    cells: &'c C,
    columns: &'static [Column],
}

impl<'c, C: Cells> Fields<'c, C> {
    pub fn new(cells: &'c C, columns: &'static [Column]) -> Self {
        Fields { cells, columns }
    }

    fn name(&self, column: usize) -> &'static str {
        self.columns.get(column).map_or("label", |c| c.name)
    }

    fn fail(&self, column: usize, reason: impl Into<String>) -> InvalidField {
        InvalidField::new(self.name(column), reason)
    }

    fn required(&self, column: usize) -> Result<Cell<'_>, InvalidField> {
        match self.cells.cell(column) {
            Cell::Absent => Err(self.fail(column, "no value (required)")),
            cell => Ok(cell),
        }
    }

    pub fn text(&self, column: usize) -> Result<String, InvalidField> {
        let cell = self.required(column)?;
        Ok(cell_text(cell))
    }

    pub fn opt_text(&self, column: usize) -> Option<String> {
        match self.cells.cell(column) {
            Cell::Absent => None,
            cell => Some(cell_text(cell)),
        }
    }

    pub fn float(&self, column: usize) -> Result<f64, InvalidField> {
        let cell = self.required(column)?;
        self.to_float(column, cell)
    }

    pub fn opt_float(&self, column: usize) -> Result<Option<f64>, InvalidField> {
        match self.cells.cell(column) {
            Cell::Absent => Ok(None),
            cell => self.to_float(column, cell).map(Some),
        }
    }

    fn to_float(&self, column: usize, cell: Cell<'_>) -> Result<f64, InvalidField> {
        let value = match cell {
            Cell::Float(v) => v,
            Cell::Int(v) => v as f64,
            Cell::UInt(v) => v as f64,
            Cell::Text(text) => {
                let trimmed = text.trim_ascii();
                let parsed = if self.columns.get(column).map(|c| c.ty) == Some(ColumnType::Time) {
                    goshawk_core::parse_timestamp(trimmed)
                } else {
                    trimmed.parse::<f64>().ok()
                };
                match parsed {
                    Some(v) => v,
                    None => return Err(self.fail(column, format!("`{trimmed}` is not a number"))),
                }
            }
            other => return Err(self.fail(column, format!("{} is not a number", show(&other)))),
        };
        if !value.is_finite() {
            return Err(self.fail(column, format!("{value} is not a finite number")));
        }
        Ok(value)
    }

    pub fn count<T: TryFrom<u64>>(&self, column: usize) -> Result<T, InvalidField> {
        let cell = self.required(column)?;
        self.to_count(column, cell)
    }

    pub fn opt_count<T: TryFrom<u64>>(&self, column: usize) -> Result<Option<T>, InvalidField> {
        match self.cells.cell(column) {
            Cell::Absent => Ok(None),
            cell => self.to_count(column, cell).map(Some),
        }
    }

    fn to_count<T: TryFrom<u64>>(&self, column: usize, cell: Cell<'_>) -> Result<T, InvalidField> {
        let wide = match cell {
            Cell::UInt(v) => v,
            Cell::Int(v) if v >= 0 => v as u64,
            Cell::Int(v) => return Err(self.fail(column, format!("{v} is negative"))),
            Cell::Float(v) => self.whole(column, v, &v.to_string())?,
            Cell::Text(text) => {
                let trimmed = text.trim_ascii();
                match trimmed.parse::<u64>() {
                    Ok(v) => v,
                    Err(_) => match trimmed.parse::<f64>() {
                        Ok(v) => self.whole(column, v, trimmed)?,
                        Err(_) => {
                            return Err(
                                self.fail(column, format!("`{trimmed}` is not a whole number"))
                            )
                        }
                    },
                }
            }
            other => {
                return Err(self.fail(column, format!("{} is not a whole number", show(&other))))
            }
        };
        T::try_from(wide).map_err(|_| self.fail(column, format!("{wide} is out of range")))
    }

    /// A float that is a whole number ≥ 0 (`3.0`, as pandas writes counts of a column with gaps).
    fn whole(&self, column: usize, value: f64, shown: &str) -> Result<u64, InvalidField> {
        if !value.is_finite() || value.fract() != 0.0 {
            return Err(self.fail(column, format!("`{shown}` is not a whole number")));
        }
        if value < 0.0 {
            return Err(self.fail(column, format!("`{shown}` is negative")));
        }
        if value >= u64::MAX as f64 {
            return Err(self.fail(column, format!("`{shown}` is out of range")));
        }
        Ok(value as u64)
    }

    pub fn bool(&self, column: usize) -> Result<bool, InvalidField> {
        let cell = self.required(column)?;
        self.to_bool(column, cell)
    }

    pub fn opt_bool(&self, column: usize) -> Result<Option<bool>, InvalidField> {
        match self.cells.cell(column) {
            Cell::Absent => Ok(None),
            cell => self.to_bool(column, cell).map(Some),
        }
    }

    fn to_bool(&self, column: usize, cell: Cell<'_>) -> Result<bool, InvalidField> {
        match cell {
            Cell::Bool(b) => Ok(b),
            Cell::Int(0) | Cell::UInt(0) => Ok(false),
            Cell::Int(1) | Cell::UInt(1) => Ok(true),
            Cell::Float(0.0) => Ok(false),
            Cell::Float(1.0) => Ok(true),
            Cell::Text(text) => {
                let t = text.trim_ascii();
                let is = |names: &[&str]| names.iter().any(|n| t.eq_ignore_ascii_case(n));
                if is(&["1", "true", "t", "yes", "y", "1.0"]) {
                    Ok(true)
                } else if is(&["0", "false", "f", "no", "n", "0.0"]) {
                    Ok(false)
                } else {
                    Err(self.fail(
                        column,
                        format!("`{t}` is not a boolean (1/0, true/false, T/F)"),
                    ))
                }
            }
            other => Err(self.fail(column, format!("{} is not a boolean", show(&other)))),
        }
    }

    pub fn addr(&self, column: usize) -> Result<IpAddr, InvalidField> {
        match self.required(column)? {
            Cell::Text(text) => text.trim_ascii().parse().map_err(|_| {
                self.fail(
                    column,
                    format!("`{}` is not an IP address", text.trim_ascii()),
                )
            }),
            other => Err(self.fail(column, format!("{} is not an IP address", show(&other)))),
        }
    }

    /// A set of strings; an absent cell is the empty set.
    pub fn set(&self, column: usize) -> Vec<String> {
        match self.cells.cell(column) {
            Cell::Absent => Vec::new(),
            Cell::List(items) => items,
            Cell::Text(text) if text.is_empty() => Vec::new(),
            Cell::Text(text) => text.split(',').map(str::to_string).collect(),
            other => vec![cell_text(other)],
        }
    }

    /// The label column's value; empty means unlabelled.
    pub fn label(&self, offset: usize) -> Option<String> {
        self.opt_text(self.columns.len() + offset)
            .filter(|label| !label.trim_ascii().is_empty())
    }
}

fn cell_text(cell: Cell<'_>) -> String {
    match cell {
        Cell::Absent => String::new(),
        Cell::Text(text) => text.into_owned(),
        Cell::Float(v) => v.to_string(),
        Cell::Int(v) => v.to_string(),
        Cell::UInt(v) => v.to_string(),
        Cell::Bool(v) => v.to_string(),
        Cell::List(items) => items.join(","),
    }
}

/// A cell in an error message.
fn show(cell: &Cell<'_>) -> String {
    match cell {
        Cell::Bool(v) => format!("boolean {v}"),
        Cell::List(items) => format!("list {items:?}"),
        other => format!("`{}`", cell_text(other.clone())),
    }
}

/// Where each column of a kind is in a source's rows (by header name), for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    /// For each column index of the kind, then the label and detailed label: the position in
    /// the source row, if the source has that column.
    pub positions: Vec<Option<usize>>,
}

impl ColumnMap {
    /// Maps a header to the kind's columns (names case-insensitive, first match wins; other
    /// columns are ignored). A required column that is missing is an error naming it.
    pub fn from_header<T: TableRow>(
        path: &str,
        header: &[&str],
        label_column: &str,
    ) -> Result<Self, IoError> {
        let lookup = NameLookup::new::<T>(label_column);
        let mut positions = vec![None; lookup.width];
        for (position, name) in header.iter().enumerate() {
            if let Some(index) = lookup.find(name) {
                positions[index].get_or_insert(position);
            }
        }
        if let Some(missing) = T::COLUMNS
            .iter()
            .zip(&positions)
            .find(|(column, position)| column.required && position.is_none())
            .map(|(column, _)| column)
        {
            let mut accepted = vec![missing.name];
            accepted.extend_from_slice(missing.aliases);
            return Err(IoError::MissingColumn {
                path: path.to_string(),
                column: missing.name.to_string(),
                accepted: accepted.join(", "),
                found: header.join(","),
            });
        }
        Ok(ColumnMap { positions })
    }

    pub fn has_label(&self, width: usize) -> bool {
        self.positions
            .get(width + LABEL)
            .is_some_and(Option::is_some)
    }
}

/// Header name → column index of a kind (label columns after the kind's columns).
pub struct NameLookup {
    names: HashMap<String, usize>,
    pub width: usize,
}

impl NameLookup {
    pub fn new<T: TableRow>(label_column: &str) -> Self {
        let mut names = HashMap::new();
        for (index, column) in T::COLUMNS.iter().enumerate() {
            for name in std::iter::once(&column.name).chain(column.aliases) {
                names.entry(name.to_ascii_lowercase()).or_insert(index);
            }
        }
        let label = T::COLUMNS.len() + LABEL;
        names.insert(label_column.trim().to_ascii_lowercase(), label);
        for name in T::DETAILED_LABEL {
            names
                .entry(name.to_ascii_lowercase())
                .or_insert(T::COLUMNS.len() + DETAILED_LABEL);
        }
        NameLookup {
            names,
            width: T::COLUMNS.len() + 2,
        }
    }

    pub fn find(&self, name: &str) -> Option<usize> {
        let name = name.trim();
        match self.names.get(name) {
            Some(&index) => Some(index),
            None => self.names.get(&name.to_ascii_lowercase()).copied(),
        }
    }
}

// --- The three kinds -------------------------------------------------------------------------

use ColumnType::{Addr, Bool, Count, Float, Text, TextSet, Time};

const SESSION_COLUMNS: &[Column] = &[
    column("session_id", Text, false),
    column("network_packet_size", Count, true),
    column("protocol_type", Text, true),
    column("login_attempts", Count, true),
    column("session_duration", Float, true),
    column("encryption_used", Text, true),
    column("ip_reputation_score", Float, true),
    column("failed_logins", Count, true),
    column("browser_type", Text, true),
    column("unusual_time_access", Bool, true),
];

impl TableRow for NetSession {
    const KIND: EventKind = EventKind::Sessions;
    const COLUMNS: &'static [Column] = SESSION_COLUMNS;
    const DEFAULT_LABEL: &'static str = "attack_detected";
    const DETAILED_LABEL: &'static [&'static str] = &[];

    fn decode<C: Cells>(f: &Fields<'_, C>) -> Result<Self, InvalidField> {
        Ok(NetSession {
            session_id: f.opt_text(0).unwrap_or_default(),
            network_packet_size: f.count(1)?,
            protocol_type: f.text(2)?,
            login_attempts: f.count(3)?,
            session_duration: f.float(4)?,
            encryption_used: f.text(5)?,
            ip_reputation_score: f.float(6)?,
            failed_logins: f.count(7)?,
            browser_type: f.text(8)?,
            unusual_time_access: f.bool(9)?,
            label: f.label(LABEL),
        })
    }

    fn encode(&self, out: &mut dyn FnMut(Cell<'_>)) {
        out(text(&self.session_id));
        out(Cell::UInt(self.network_packet_size.into()));
        out(text(&self.protocol_type));
        out(Cell::UInt(self.login_attempts.into()));
        out(Cell::Float(self.session_duration));
        out(text(&self.encryption_used));
        out(Cell::Float(self.ip_reputation_score));
        out(Cell::UInt(self.failed_logins.into()));
        out(text(&self.browser_type));
        out(Cell::Bool(self.unusual_time_access));
        out(opt_text(&self.label));
    }

    fn validate(&self) -> Result<(), InvalidField> {
        NetSession::validate(self)
    }

    fn into_event(self) -> Event {
        Event::Sessions(self)
    }
}

const IOT_COLUMNS: &[Column] = &[
    column("timestamp", Text, true),
    column("device_id", Text, true),
    column("device_type", Text, true),
    column("cpu_usage", Float, true),
    column("memory_usage", Float, true),
    column("network_in_kb", Float, true),
    column("network_out_kb", Float, true),
    column("packet_rate", Float, true),
    column("avg_response_time_ms", Float, true),
    column("service_access_count", Count, true),
    column("failed_auth_attempts", Count, true),
    column("is_encrypted", Bool, true),
    column("geo_location_variation", Float, true),
];

impl TableRow for IotReading {
    const KIND: EventKind = EventKind::Iot;
    const COLUMNS: &'static [Column] = IOT_COLUMNS;
    const DEFAULT_LABEL: &'static str = "label";
    const DETAILED_LABEL: &'static [&'static str] = &[];

    fn decode<C: Cells>(f: &Fields<'_, C>) -> Result<Self, InvalidField> {
        Ok(IotReading {
            timestamp: f.text(0)?,
            device_id: f.text(1)?,
            device_type: f.text(2)?,
            cpu_usage: f.float(3)?,
            memory_usage: f.float(4)?,
            network_in_kb: f.float(5)?,
            network_out_kb: f.float(6)?,
            packet_rate: f.float(7)?,
            avg_response_time_ms: f.float(8)?,
            service_access_count: f.count(9)?,
            failed_auth_attempts: f.count(10)?,
            is_encrypted: f.bool(11)?,
            geo_location_variation: f.float(12)?,
            label: f.label(LABEL),
        })
    }

    fn encode(&self, out: &mut dyn FnMut(Cell<'_>)) {
        out(text(&self.timestamp));
        out(text(&self.device_id));
        out(text(&self.device_type));
        out(Cell::Float(self.cpu_usage));
        out(Cell::Float(self.memory_usage));
        out(Cell::Float(self.network_in_kb));
        out(Cell::Float(self.network_out_kb));
        out(Cell::Float(self.packet_rate));
        out(Cell::Float(self.avg_response_time_ms));
        out(Cell::UInt(self.service_access_count.into()));
        out(Cell::UInt(self.failed_auth_attempts.into()));
        out(Cell::Bool(self.is_encrypted));
        out(Cell::Float(self.geo_location_variation));
        out(opt_text(&self.label));
    }

    fn validate(&self) -> Result<(), InvalidField> {
        IotReading::validate(self)
    }

    fn into_event(self) -> Event {
        Event::Iot(self)
    }
}

const fn aliased(name: &'static str, aliases: &'static [&'static str], ty: ColumnType) -> Column {
    Column {
        name,
        aliases,
        ty,
        required: true,
    }
}

const ZEEK_COLUMNS: &[Column] = &[
    column("ts", Time, true),
    column("uid", Text, true),
    aliased("id.orig_h", &["id_orig_h"], Addr),
    aliased("id.orig_p", &["id_orig_p"], Count),
    aliased("id.resp_h", &["id_resp_h"], Addr),
    aliased("id.resp_p", &["id_resp_p"], Count),
    column("proto", Text, true),
    column("service", Text, false),
    column("duration", Float, false),
    column("orig_bytes", Count, false),
    column("resp_bytes", Count, false),
    column("conn_state", Text, false),
    column("local_orig", Bool, false),
    column("local_resp", Bool, false),
    column("missed_bytes", Count, false),
    column("history", Text, false),
    column("orig_pkts", Count, false),
    column("orig_ip_bytes", Count, false),
    column("resp_pkts", Count, false),
    column("resp_ip_bytes", Count, false),
    column("tunnel_parents", TextSet, false),
    column("ip_proto", Count, false),
    column("orig_l2_addr", Text, false),
    column("resp_l2_addr", Text, false),
    column("vlan", Count, false),
    column("inner_vlan", Count, false),
    column("community_id", Text, false),
];

impl TableRow for ZeekConn {
    const KIND: EventKind = EventKind::Zeek;
    const COLUMNS: &'static [Column] = ZEEK_COLUMNS;
    const DEFAULT_LABEL: &'static str = "label";
    const DETAILED_LABEL: &'static [&'static str] =
        &["detailedlabel", "detailed-label", "detailed_label"];

    fn decode<C: Cells>(f: &Fields<'_, C>) -> Result<Self, InvalidField> {
        Ok(ZeekConn {
            ts: f.float(0)?,
            uid: f.text(1)?,
            orig_h: f.addr(2)?,
            orig_p: f.count(3)?,
            resp_h: f.addr(4)?,
            resp_p: f.count(5)?,
            proto: f.text(6)?,
            service: f.opt_text(7),
            duration: f.opt_float(8)?,
            orig_bytes: f.opt_count(9)?,
            resp_bytes: f.opt_count(10)?,
            conn_state: f.opt_text(11),
            local_orig: f.opt_bool(12)?,
            local_resp: f.opt_bool(13)?,
            missed_bytes: f.opt_count(14)?,
            history: f.opt_text(15),
            orig_pkts: f.opt_count(16)?,
            orig_ip_bytes: f.opt_count(17)?,
            resp_pkts: f.opt_count(18)?,
            resp_ip_bytes: f.opt_count(19)?,
            tunnel_parents: f.set(20),
            ip_proto: f.opt_count(21)?,
            orig_l2_addr: f.opt_text(22),
            resp_l2_addr: f.opt_text(23),
            vlan: f.opt_count(24)?,
            inner_vlan: f.opt_count(25)?,
            community_id: f.opt_text(26),
            label: f.label(LABEL),
            detailed_label: f.label(DETAILED_LABEL),
        })
    }

    fn encode(&self, out: &mut dyn FnMut(Cell<'_>)) {
        out(Cell::Float(self.ts));
        out(text(&self.uid));
        out(Cell::Text(Cow::Owned(self.orig_h.to_string())));
        out(Cell::UInt(self.orig_p.into()));
        out(Cell::Text(Cow::Owned(self.resp_h.to_string())));
        out(Cell::UInt(self.resp_p.into()));
        out(text(&self.proto));
        out(opt_text(&self.service));
        out(self.duration.map_or(Cell::Absent, Cell::Float));
        out(opt_count(self.orig_bytes));
        out(opt_count(self.resp_bytes));
        out(opt_text(&self.conn_state));
        out(self.local_orig.map_or(Cell::Absent, Cell::Bool));
        out(self.local_resp.map_or(Cell::Absent, Cell::Bool));
        out(opt_count(self.missed_bytes));
        out(opt_text(&self.history));
        out(opt_count(self.orig_pkts));
        out(opt_count(self.orig_ip_bytes));
        out(opt_count(self.resp_pkts));
        out(opt_count(self.resp_ip_bytes));
        out(Cell::List(self.tunnel_parents.clone()));
        out(opt_count(self.ip_proto));
        out(opt_text(&self.orig_l2_addr));
        out(opt_text(&self.resp_l2_addr));
        out(opt_count(self.vlan));
        out(opt_count(self.inner_vlan));
        out(opt_text(&self.community_id));
        out(opt_text(&self.label));
        out(opt_text(&self.detailed_label));
    }

    fn validate(&self) -> Result<(), InvalidField> {
        ZeekConn::validate(self)
    }

    fn into_event(self) -> Event {
        Event::Zeek(self)
    }
}

fn text(value: &str) -> Cell<'_> {
    Cell::Text(Cow::Borrowed(value))
}

fn opt_text(value: &Option<String>) -> Cell<'_> {
    value.as_deref().map_or(Cell::Absent, text)
}

fn opt_count(value: Option<u64>) -> Cell<'static> {
    value.map_or(Cell::Absent, Cell::UInt)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cells from text, as a CSV row gives them.
    struct TextRow(Vec<Option<&'static str>>);

    impl Cells for TextRow {
        fn cell(&self, column: usize) -> Cell<'_> {
            match self.0.get(column).copied().flatten() {
                Some(text) => Cell::Text(Cow::Borrowed(text)),
                None => Cell::Absent,
            }
        }
    }

    fn session_row(duration: &'static str, packet: &'static str) -> TextRow {
        TextRow(vec![
            Some("SID_1"),
            Some(packet),
            Some("TCP"),
            Some("3"),
            Some(duration),
            Some("None"),
            Some("0.5"),
            Some("0"),
            Some("Edge"),
            Some("1"),
            Some("0"),
        ])
    }

    fn decode_session(row: &TextRow) -> Result<NetSession, InvalidField> {
        NetSession::decode(&Fields::new(row, NetSession::COLUMNS))
    }

    #[test]
    fn text_cells_decode_to_typed_values() {
        let session = decode_session(&session_row("12.5", "472.0")).expect("valid");
        assert_eq!(
            session.network_packet_size, 472,
            "3.0-style counts are whole"
        );
        assert_eq!(session.session_duration, 12.5);
        assert_eq!(session.encryption_used, "None");
        assert!(session.unusual_time_access);
        assert_eq!(session.label.as_deref(), Some("0"));
        assert_eq!(session.is_attack(), Some(false));
    }

    #[test]
    fn bad_cells_name_the_column_and_the_value() {
        let cases = [
            (
                session_row("abc", "472"),
                "session_duration: `abc` is not a number",
            ),
            (
                session_row("NaN", "472"),
                "session_duration: NaN is not a finite number",
            ),
            (
                session_row("1", "-4"),
                "network_packet_size: `-4` is negative",
            ),
            (
                session_row("1", "4.5"),
                "network_packet_size: `4.5` is not a whole number",
            ),
            (
                session_row("1", "99999999999"),
                "network_packet_size: 99999999999 is out of range",
            ),
        ];
        for (row, expected) in cases {
            assert_eq!(
                decode_session(&row).expect_err(expected).to_string(),
                expected
            );
        }
        let mut no_protocol = session_row("1", "2");
        no_protocol.0[2] = None;
        assert_eq!(
            decode_session(&no_protocol)
                .expect_err("absent")
                .to_string(),
            "protocol_type: no value (required)"
        );
    }

    #[test]
    fn header_mapping_ignores_order_case_and_extra_columns() {
        let header = [
            "Extra",
            "attack_detected",
            "SESSION_DURATION",
            "session_id",
            "network_packet_size",
            "protocol_type",
            "login_attempts",
            "encryption_used",
            "ip_reputation_score",
            "failed_logins",
            "browser_type",
            "unusual_time_access",
        ];
        let map = ColumnMap::from_header::<NetSession>("x.csv", &header, "attack_detected")
            .expect("complete header");
        assert_eq!(map.positions[4], Some(2), "session_duration");
        assert_eq!(map.positions[0], Some(3), "session_id");
        assert!(map.has_label(NetSession::COLUMNS.len()));

        let err = ColumnMap::from_header::<NetSession>("x.csv", &header[3..], "attack_detected")
            .expect_err("no session_duration");
        assert!(
            err.to_string()
                .starts_with("x.csv: missing required column `session_duration`"),
            "{err}"
        );
    }

    #[test]
    fn round_trip_through_cells_keeps_every_zeek_field() {
        let mut conn = ZeekConn::new(
            12.25,
            "C1",
            ("10.0.0.1".parse().expect("ip"), 5353),
            ("fe80::1".parse().expect("ip"), 53),
        );
        conn.duration = Some(0.5);
        conn.resp_bytes = Some(7);
        conn.local_resp = Some(false);
        conn.tunnel_parents = vec!["Ca".into(), "Cb".into()];
        conn.vlan = Some(12);
        conn.label = Some("Malicious".into());
        conn.detailed_label = Some("CC".into());

        let mut cells: Vec<Cell<'static>> = Vec::new();
        conn.encode(&mut |cell| {
            cells.push(match cell {
                Cell::Absent => Cell::Absent,
                Cell::Text(t) => Cell::Text(Cow::Owned(t.into_owned())),
                Cell::Float(v) => Cell::Float(v),
                Cell::Int(v) => Cell::Int(v),
                Cell::UInt(v) => Cell::UInt(v),
                Cell::Bool(v) => Cell::Bool(v),
                Cell::List(items) => Cell::List(items),
            })
        });
        assert_eq!(cells.len(), ZeekConn::COLUMNS.len() + 2);
        struct Owned(Vec<Cell<'static>>);
        impl Cells for Owned {
            fn cell(&self, column: usize) -> Cell<'_> {
                self.0.get(column).cloned().unwrap_or(Cell::Absent)
            }
        }
        let owned = Owned(cells);
        let back = ZeekConn::decode(&Fields::new(&owned, ZeekConn::COLUMNS)).expect("decodes");
        assert_eq!(back, conn);
    }
}
