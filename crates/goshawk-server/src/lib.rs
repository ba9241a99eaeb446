//! The HTTP face of goshawk: REST API, server-sent events feed, Prometheus metrics and the
//! embedded dashboard.
