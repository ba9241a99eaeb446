//! Scoring a detector against labels (precision, recall, F1, ROC-AUC, PR-AUC, confusion
//! matrices) and rendering the self-contained HTML report with its curves and histograms.
//!
//! - [`metrics`]: the numbers, as plain functions over `scores` / `labels` slices;
//! - [`report`]: one or more models summarized side by side, as text or JSON;
//! - [`html`]: the same as a single offline HTML page with SVG charts.

pub mod html;
pub mod metrics;
pub mod report;

pub use html::{escape_html, render_report};
pub use metrics::{
    best_f1_threshold, group_breakdown, group_breakdown_at_threshold, metrics_at_threshold,
    metrics_from_verdicts, pr_auc, pr_curve, roc_auc, roc_curve, thin_curve, threshold_for_fpr,
    ConfusionMatrix, GroupStats, MetricsAtThreshold, MetricsError, PrPoint, RocPoint, PLOT_POINTS,
};
pub use report::{MetaEntry, ModelEvaluation, ModelReport, OperatingPoint, Report};
