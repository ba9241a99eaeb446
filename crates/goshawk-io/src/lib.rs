//! Sources and sinks: decoding the formats goshawk reads (raw HTTP, access logs, JSON Lines,
//! CSV, Zeek) into events, streaming and in bounded memory, with every bad record named.

pub mod http;
pub mod input;
pub mod table;
