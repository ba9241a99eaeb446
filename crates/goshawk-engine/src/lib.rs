//! The pipeline every entry point shares: validate → detect → decide. It is the one place that
//! knows which detectors apply to which kind of event; the CLI, the API and stream consumers hand
//! it events and get back one [`Verdict`] line per event.

pub mod web;

pub use web::{Verdict, WebDetector};
