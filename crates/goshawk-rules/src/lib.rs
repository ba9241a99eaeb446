//! Sigma rules for goshawk events: loading SigmaHQ YAML, mapping goshawk events to Sigma field
//! names, routing by logsource, and reporting hits with their ATT&CK and STRIDE labels.
