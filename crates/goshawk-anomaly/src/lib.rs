//! Anomaly models for tabular security data (network sessions, Zeek conn logs, IoT telemetry):
//! Isolation Forest in production, Local Outlier Factor and One-Class SVM for comparison.
