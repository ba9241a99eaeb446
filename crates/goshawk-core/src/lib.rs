//! The vocabulary every goshawk crate shares: what an event is, what a detector says about it,
//! and what the engine decides. It does no I/O and knows no framework, so that every other crate
//! can depend on it without pulling anything in (dependencies point inward, to here).

pub mod event;
pub mod finding;
pub mod fixed;
pub mod http;
pub mod iot;
pub mod label;
pub mod sessions;
pub mod zeek;

pub use event::{Event, EventKind, InvalidField, LoggedTime};
pub use finding::{Action, Alert, AttackType, Finding, Verdict};
pub use fixed::Fixed2;
pub use http::HttpRequest;
pub use iot::{parse_timestamp, IotReading};
pub use label::parse_label;
pub use sessions::NetSession;
pub use zeek::ZeekConn;
