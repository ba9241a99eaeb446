//! One reading of label columns for every dataset: `0`, `false`, `normal`, `norm`, `benign`,
//! `background` (any case) are negative; any other non-empty value is positive.

/// Parses a label value. `None` for an empty value (unlabelled).
pub fn parse_label(raw: &str) -> Option<bool> {
    let v = raw.trim();
    if v.is_empty() || v == "-" {
        return None;
    }
    let negative = [
        "0",
        "0.0",
        "false",
        "normal",
        "norm",
        "benign",
        "background",
        "good",
    ];
    Some(!negative.iter().any(|n| v.eq_ignore_ascii_case(n)))
}

#[cfg(test)]
mod tests {
    use super::parse_label;

    #[test]
    fn labels_follow_the_documented_rule() {
        for neg in ["0", "FALSE", "Normal", "benign", "Background", "norm"] {
            assert_eq!(parse_label(neg), Some(false), "{neg}");
        }
        for pos in ["1", "anom", "Malicious", "Anomaly_DoS", "attack", "true"] {
            assert_eq!(parse_label(pos), Some(true), "{pos}");
        }
        assert_eq!(parse_label("  "), None);
    }
}
