//! Which rules apply to which goshawk events (logsource routing), and which Sigma field names
//! each kind of event provides. It exists so that routing and field validation are decided
//! once, at load: a rule whose logsource is not one of goshawk's sources is never evaluated,
//! and a routed rule that names a field goshawk cannot provide is refused with that reason
//! instead of silently never matching.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use goshawk_core::EventKind;
use rsigma_parser::LogSource;

/// The Sigma log sources goshawk events are. Each event kind is exactly one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceClass {
    /// HTTP requests and access-log lines: `category: webserver`.
    Webserver,
    /// Zeek `conn.log` records: `product: zeek` with `service: conn` or no service.
    ZeekConn,
    /// Intrusion-dataset network sessions: `product: goshawk, category: network_session`.
    NetworkSession,
    /// IoT telemetry readings: `product: goshawk, category: iot_telemetry`.
    IotTelemetry,
}

impl SourceClass {
    pub const ALL: [SourceClass; 4] = [
        SourceClass::Webserver,
        SourceClass::ZeekConn,
        SourceClass::NetworkSession,
        SourceClass::IotTelemetry,
    ];

    pub fn of(kind: EventKind) -> SourceClass {
        match kind {
            EventKind::Http => SourceClass::Webserver,
            EventKind::Zeek => SourceClass::ZeekConn,
            EventKind::Sessions => SourceClass::NetworkSession,
            EventKind::Iot => SourceClass::IotTelemetry,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The logsource as a rule would write it.
    pub fn describe(self) -> &'static str {
        match self {
            SourceClass::Webserver => "category: webserver",
            SourceClass::ZeekConn => "product: zeek, service: conn",
            SourceClass::NetworkSession => "product: goshawk, category: network_session",
            SourceClass::IotTelemetry => "product: goshawk, category: iot_telemetry",
        }
    }

    /// Every Sigma field name events of this class provide (see `event_map`).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            SourceClass::Webserver => WEB_FIELDS,
            SourceClass::ZeekConn => ZEEK_CONN_FIELDS,
            SourceClass::NetworkSession => SESSION_FIELDS,
            SourceClass::IotTelemetry => IOT_FIELDS,
        }
    }

    /// The class a rule's logsource names, if it is one of goshawk's. Matching is
    /// case-insensitive, as logsource values are in practice.
    pub fn route(logsource: &LogSource) -> Option<SourceClass> {
        let eq = |v: &Option<String>, want: &str| {
            v.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(want))
        };
        let category = &logsource.category;
        let product = &logsource.product;
        let service = &logsource.service;
        if eq(category, "webserver") {
            // Any web server product writes access logs; a service (`apache` error log...)
            // is another log than the access log goshawk reads.
            return service.is_none().then_some(SourceClass::Webserver);
        }
        if eq(product, "zeek") && category.is_none() && (service.is_none() || eq(service, "conn")) {
            return Some(SourceClass::ZeekConn);
        }
        if eq(product, "goshawk") && service.is_none() {
            if eq(category, "network_session") {
                return Some(SourceClass::NetworkSession);
            }
            if eq(category, "iot_telemetry") {
                return Some(SourceClass::IotTelemetry);
            }
        }
        None
    }
}

/// Sigma fields of HTTP requests, as SigmaHQ's web rules are written (W3C/IIS names for the
/// `webserver` category, plus the proxy names its rules also use for the same data).
pub const WEB_FIELDS: &[&str] = &[
    "cs-uri-query",
    "c-uri",
    "cs-uri",
    "cs-uri-stem",
    "c-uri-path",
    "c-uri-stem",
    "c-uri-query",
    "c-uri-extension",
    "sc-status",
    "cs-bytes",
    "sc-bytes",
    "cs-referer",
    "cs-referrer",
    "c-useragent",
    "cs-user-agent",
    "cs(User-Agent)",
    "cs-method",
    "cs-version",
    "c-ip",
    "cs-username",
    "cs-host",
    "cs-cookie",
    "cs-content-type",
];

/// Zeek conn.log field names.
pub const ZEEK_CONN_FIELDS: &[&str] = &[
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "service",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "local_orig",
    "local_resp",
    "missed_bytes",
    "history",
    "orig_pkts",
    "orig_ip_bytes",
    "resp_pkts",
    "resp_ip_bytes",
    "tunnel_parents",
    "ip_proto",
    "orig_l2_addr",
    "resp_l2_addr",
    "vlan",
    "inner_vlan",
    "community_id",
];

/// The intrusion-sessions dataset's column names.
pub const SESSION_FIELDS: &[&str] = &[
    "session_id",
    "network_packet_size",
    "protocol_type",
    "login_attempts",
    "session_duration",
    "encryption_used",
    "ip_reputation_score",
    "failed_logins",
    "browser_type",
    "unusual_time_access",
];

/// The IoT-telemetry dataset's column names.
pub const IOT_FIELDS: &[&str] = &[
    "timestamp",
    "device_id",
    "device_type",
    "cpu_usage",
    "memory_usage",
    "network_in_kb",
    "network_out_kb",
    "packet_rate",
    "avg_response_time_ms",
    "service_access_count",
    "failed_auth_attempts",
    "is_encrypted",
    "geo_location_variation",
];

/// SigmaHQ's field names per logsource (`tests/logsource.json` of the SigmaHQ rule repository,
/// DRL 1.1), used to check rules for log sources goshawk does not read.
const SIGMA_LOGSOURCE_JSON: &str = include_str!("../data/sigma_logsource.json");

type Taxonomy = HashMap<(String, String, String), BTreeSet<String>>;

/// Field names SigmaHQ allows for this logsource, when SigmaHQ's taxonomy describes it.
/// `None` = unknown logsource, or one SigmaHQ lists without fields (Zeek services): nothing
/// to check against.
pub(crate) fn taxonomy_fields(logsource: &LogSource) -> Option<&'static BTreeSet<String>> {
    static TAXONOMY: OnceLock<Taxonomy> = OnceLock::new();
    let taxonomy = TAXONOMY.get_or_init(parse_taxonomy);
    let key = |v: &Option<String>| v.as_deref().unwrap_or("").to_ascii_lowercase();
    taxonomy
        .get(&(
            key(&logsource.product),
            key(&logsource.category),
            key(&logsource.service),
        ))
        .filter(|fields| !fields.is_empty())
}

/// `(product, category, service)` → fields; "" = not set. SigmaHQ names the unset product
/// `empty`. Product-wide `common` fields are added to every entry of the product.
fn parse_taxonomy() -> Taxonomy {
    let mut out: Taxonomy = HashMap::new();
    let Ok(json) = serde_json::from_str::<serde_json::Value>(SIGMA_LOGSOURCE_JSON) else {
        return out;
    };
    for section in ["legit", "addon"] {
        let Some(products) = json.get(section).and_then(|v| v.as_object()) else {
            continue;
        };
        for (product, spec) in products {
            let product = if product == "empty" {
                String::new()
            } else {
                product.to_ascii_lowercase()
            };
            let common: Vec<String> = strings(spec.get("common"));
            for (kind, is_category) in [("category", true), ("service", false)] {
                let Some(entries) = spec.get(kind).and_then(|v| v.as_object()) else {
                    continue;
                };
                for (name, fields) in entries {
                    let name = name.to_ascii_lowercase();
                    let key = if is_category {
                        (product.clone(), name, String::new())
                    } else {
                        (product.clone(), String::new(), name)
                    };
                    let set = out.entry(key).or_default();
                    set.extend(strings(Some(fields)));
                    set.extend(common.iter().cloned());
                }
            }
        }
    }
    out
}

fn strings(value: Option<&serde_json::Value>) -> Vec<String> {
    value
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(category: Option<&str>, product: Option<&str>, service: Option<&str>) -> LogSource {
        LogSource {
            category: category.map(str::to_string),
            product: product.map(str::to_string),
            service: service.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn routing_by_logsource() {
        assert_eq!(
            SourceClass::route(&ls(Some("webserver"), None, None)),
            Some(SourceClass::Webserver)
        );
        assert_eq!(SourceClass::route(&ls(Some("proxy"), None, None)), None);
        assert_eq!(SourceClass::route(&ls(Some("firewall"), None, None)), None);
        assert_eq!(
            SourceClass::route(&ls(None, Some("windows"), Some("security"))),
            None
        );
        assert_eq!(
            SourceClass::route(&ls(None, Some("zeek"), None)),
            Some(SourceClass::ZeekConn)
        );
        assert_eq!(
            SourceClass::route(&ls(None, Some("zeek"), Some("conn"))),
            Some(SourceClass::ZeekConn)
        );
        assert_eq!(
            SourceClass::route(&ls(None, Some("zeek"), Some("dns"))),
            None
        );
        assert_eq!(SourceClass::route(&ls(None, None, Some("apache"))), None);
        assert_eq!(
            SourceClass::route(&ls(Some("network_session"), Some("goshawk"), None)),
            Some(SourceClass::NetworkSession)
        );
        assert_eq!(
            SourceClass::route(&ls(Some("iot_telemetry"), Some("goshawk"), None)),
            Some(SourceClass::IotTelemetry)
        );
    }

    #[test]
    fn sigma_taxonomy_knows_proxy_fields_and_not_zeek_ones() {
        let proxy = taxonomy_fields(&ls(Some("proxy"), None, None)).expect("proxy known");
        assert!(proxy.contains("c-uri") && proxy.contains("c-useragent"));
        assert!(!proxy.contains("CommandLine"));
        // SigmaHQ lists Zeek services without their fields: nothing to check against.
        assert!(taxonomy_fields(&ls(None, Some("zeek"), Some("dns"))).is_none());
        assert!(taxonomy_fields(&ls(Some("no_such_thing"), None, None)).is_none());
    }
}
