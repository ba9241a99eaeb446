//! The pipeline every entry point shares: validate → detect → decide. It is the one place that
//! knows which detectors apply to which kind of event.
