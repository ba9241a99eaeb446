//! One telemetry reading from an IoT device (CPU, memory, traffic, response time, failed
//! authentications, ...), as the IoT-telemetry dataset describes it. It exists so the anomaly
//! detectors read one typed record whatever the source format, and so bad values are rejected
//! once, here, with the field named.
//!
//! Also home of [`parse_timestamp`], the one reading of logged date-times (IoT timestamps,
//! Zeek JSON `ts` written as ISO 8601) as seconds since the Unix epoch.

use serde::{Deserialize, Serialize};

use crate::event::InvalidField;
use crate::label::parse_label;
use crate::sessions::{require_non_negative, require_text};

/// A telemetry reading. Field names are the dataset's column names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IotReading {
    /// When the reading was taken, as logged (`2025-06-20 12:51:55.452400`); must be readable
    /// by [`parse_timestamp`]. See [`IotReading::epoch_seconds`].
    pub timestamp: String,
    /// Device identifier (`thermostat_38`). An entity key, never a feature.
    pub device_id: String,
    /// Device type as logged (`camera`, `sensor`, ...). An open set: unseen types are valid.
    pub device_type: String,
    /// Percent.
    pub cpu_usage: f64,
    /// Percent.
    pub memory_usage: f64,
    pub network_in_kb: f64,
    pub network_out_kb: f64,
    /// Packets per second.
    pub packet_rate: f64,
    pub avg_response_time_ms: f64,
    pub service_access_count: u32,
    pub failed_auth_attempts: u32,
    pub is_encrypted: bool,
    pub geo_location_variation: f64,
    /// Ground truth as written in the source (`Normal`, `Anomaly_DoS`, ...), kept for
    /// evaluation only. Detectors never read it: it is the answer, not a feature. Read it with
    /// [`IotReading::is_attack`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl IotReading {
    /// The label read by [`parse_label`]: `Normal` is `Some(false)`, any `Anomaly_*` is
    /// `Some(true)`, `None` = unlabelled.
    pub fn is_attack(&self) -> Option<bool> {
        self.label.as_deref().and_then(parse_label)
    }

    /// The timestamp as seconds since the Unix epoch (UTC when no offset is given).
    pub fn epoch_seconds(&self) -> Option<f64> {
        parse_timestamp(&self.timestamp)
    }

    /// Checks what the types cannot: required text is not empty, the timestamp is readable,
    /// and every measurement is a finite, non-negative number.
    pub fn validate(&self) -> Result<(), InvalidField> {
        require_text("timestamp", &self.timestamp)?;
        if self.epoch_seconds().is_none() {
            return Err(InvalidField::new(
                "timestamp",
                format!(
                    "`{}` is not a date-time (expected e.g. 2025-06-20 12:51:55.452400) or epoch seconds",
                    self.timestamp
                ),
            ));
        }
        require_text("device_id", &self.device_id)?;
        require_text("device_type", &self.device_type)?;
        for (field, value) in [
            ("cpu_usage", self.cpu_usage),
            ("memory_usage", self.memory_usage),
            ("network_in_kb", self.network_in_kb),
            ("network_out_kb", self.network_out_kb),
            ("packet_rate", self.packet_rate),
            ("avg_response_time_ms", self.avg_response_time_ms),
            ("geo_location_variation", self.geo_location_variation),
        ] {
            require_non_negative(field, value)?;
        }
        Ok(())
    }
}

/// Reads a logged point in time as seconds since the Unix epoch:
/// - a plain number is taken as epoch seconds (`1547127288.026074`);
/// - `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS[.fraction]]`, then
///   optionally `Z` or an offset `±HH:MM` / `±HHMM`. Without an offset the time is UTC.
///
/// `None` for anything else, including out-of-range parts (month 13, minute 60) and
/// non-finite numbers.
pub fn parse_timestamp(text: &str) -> Option<f64> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return seconds.is_finite().then_some(seconds);
    }
    let bytes = text.as_bytes();
    let digits = |from: usize, count: usize| -> Option<i64> {
        let part = bytes.get(from..from + count)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(part.iter().fold(0i64, |n, &b| n * 10 + i64::from(b - b'0')))
    };
    let year = digits(0, 4)?;
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(5, 2)?;
    let day = digits(8, 2)?;
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let mut seconds = (days_from_civil(year, month, day) * 86_400) as f64;
    let mut at = 10;
    if at < bytes.len() {
        if !matches!(bytes[at], b'T' | b't' | b' ') {
            return None;
        }
        let hour = digits(at + 1, 2)?;
        if bytes.get(at + 3) != Some(&b':') {
            return None;
        }
        let minute = digits(at + 4, 2)?;
        at += 6;
        let mut second = 0;
        if bytes.get(at) == Some(&b':') {
            second = digits(at + 1, 2)?;
            at += 3;
        }
        // 60 allows a leap second.
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        seconds += (hour * 3600 + minute * 60 + second) as f64;
        if matches!(bytes.get(at), Some(b'.' | b',')) {
            let start = at + 1;
            let mut end = start;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            if end == start {
                return None;
            }
            let fraction: f64 = format!("0.{}", &text[start..end]).parse().ok()?;
            seconds += fraction;
            at = end;
        }
        match bytes.get(at) {
            None => {}
            Some(b'Z' | b'z') if at + 1 == bytes.len() => {}
            Some(&sign @ (b'+' | b'-')) => {
                let offset_hours = digits(at + 1, 2)?;
                let minutes_at = if bytes.get(at + 3) == Some(&b':') {
                    at + 4
                } else {
                    at + 3
                };
                let offset_minutes = digits(minutes_at, 2)?;
                if minutes_at + 2 != bytes.len() || offset_hours > 23 || offset_minutes > 59 {
                    return None;
                }
                let offset = (offset_hours * 3600 + offset_minutes * 60) as f64;
                // Local time = UTC + offset.
                seconds += if sign == b'+' { -offset } else { offset };
            }
            Some(_) => return None,
        }
    }
    Some(seconds)
}

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading() -> IotReading {
        IotReading {
            timestamp: "2025-06-20 12:51:55.452400".into(),
            device_id: "thermostat_38".into(),
            device_type: "thermostat".into(),
            cpu_usage: 66.74,
            memory_usage: 75.54,
            network_in_kb: 77.0,
            network_out_kb: 849.0,
            packet_rate: 372.0,
            avg_response_time_ms: 419.92,
            service_access_count: 2,
            failed_auth_attempts: 7,
            is_encrypted: false,
            geo_location_variation: 18.19,
            label: Some("Anomaly_DoS".into()),
        }
    }

    #[test]
    fn timestamps_in_the_formats_logs_use() {
        let expected = 1_750_423_915.452_4; // 2025-06-20T12:51:55.4524Z
        for text in [
            "2025-06-20 12:51:55.452400",
            "2025-06-20T12:51:55.4524Z",
            "2025-06-20T14:51:55.4524+02:00",
            "2025-06-20T07:51:55.4524-0500",
            "1750423915.4524",
        ] {
            let got = parse_timestamp(text).unwrap_or(f64::NAN);
            assert!((got - expected).abs() < 1e-6, "{text}: {got}");
        }
        assert_eq!(parse_timestamp("1970-01-01"), Some(0.0));
        assert_eq!(parse_timestamp("2000-03-01T00:00"), Some(951_868_800.0));
        assert_eq!(parse_timestamp("19.981745"), Some(19.981745));
        for bad in [
            "",
            "yesterday",
            "2025-13-01",
            "2025-02-29",
            "2025-06-20 25:00:00",
            "2025-06-20 12:51:55.",
            "2025-06-20 12:51:55 UTC",
            "NaN",
            "inf",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        assert!(parse_timestamp("2024-02-29").is_some(), "leap day");
    }

    #[test]
    fn a_plausible_reading_is_valid() {
        let r = reading();
        assert_eq!(r.validate(), Ok(()));
        assert_eq!(r.is_attack(), Some(true));
        let normal = IotReading {
            label: Some("Normal".into()),
            ..reading()
        };
        assert_eq!(normal.is_attack(), Some(false));
    }

    #[test]
    fn bad_values_name_their_field() {
        let cases = [
            (
                IotReading {
                    timestamp: "soon".into(),
                    ..reading()
                },
                "timestamp",
            ),
            (
                IotReading {
                    device_id: String::new(),
                    ..reading()
                },
                "device_id",
            ),
            (
                IotReading {
                    packet_rate: -3.0,
                    ..reading()
                },
                "packet_rate",
            ),
            (
                IotReading {
                    cpu_usage: f64::INFINITY,
                    ..reading()
                },
                "cpu_usage",
            ),
        ];
        for (bad, field) in cases {
            assert_eq!(bad.validate().expect_err(field).field, field);
        }
    }
}
