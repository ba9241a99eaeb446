//! Scoring a detector against labels (precision, recall, F1, ROC-AUC, PR-AUC, confusion
//! matrices) and rendering the self-contained HTML report with its curves and histograms.
