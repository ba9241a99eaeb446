//! Rule values that are not written in the rule: thresholds computed from training data (the
//! sessions pack's percentiles) are stored next to the rules, not hard-coded in them.
//!
//! A rule directory may hold `placeholders.yml`, a flat map `name: value`. In the rules of that
//! directory (and of its subdirectories; the nearest file wins) every scalar written exactly
//! `%name%` is replaced by the value before the rule is parsed, and an unknown `%name%` makes
//! the rule fail with a reason naming it. Values the caller supplies ([`Placeholders`], e.g.
//! from a trained model) override the files. Where no `placeholders.yml` applies, only the
//! caller's names are substituted and any other `%...%` text is left alone, so SigmaHQ rules
//! that match literal `%APPDATA%`-style strings load as written. Values of `|expand` fields are
//! Sigma's own placeholders and are never touched.

use std::collections::BTreeMap;

use yaml_serde::Value as Yaml;

/// Placeholder values supplied by the caller; they override `placeholders.yml` files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Placeholders {
    values: BTreeMap<String, Yaml>,
}

impl Placeholders {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a numeric value (a threshold).
    pub fn set_number(&mut self, name: impl Into<String>, value: f64) -> &mut Self {
        let number = if value.fract() == 0.0 && value.abs() < 1e15 {
            yaml_serde::Number::from(value as i64)
        } else {
            yaml_serde::Number::from(value)
        };
        self.values.insert(name.into(), Yaml::Number(number));
        self
    }

    /// Sets a text value.
    pub fn set_text(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.values.insert(name.into(), Yaml::String(value.into()));
        self
    }

    pub fn get(&self, name: &str) -> Option<&Yaml> {
        self.values.get(name)
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// Reads a `placeholders.yml`: a flat map of names to scalars.
    pub fn parse_file(text: &str) -> Result<Placeholders, String> {
        let doc: Yaml = yaml_serde::from_str(text).map_err(|e| e.to_string())?;
        let mut out = Placeholders::new();
        match doc {
            Yaml::Null => {}
            Yaml::Mapping(map) => {
                for (key, value) in map {
                    let Some(name) = key.as_str() else {
                        return Err(format!("key {key:?} is not a name"));
                    };
                    if !matches!(value, Yaml::Number(_) | Yaml::String(_) | Yaml::Bool(_)) {
                        return Err(format!("`{name}` is not a number, text or boolean"));
                    }
                    out.values.insert(name.to_string(), value);
                }
            }
            _ => return Err("not a map of `name: value`".to_string()),
        }
        Ok(out)
    }

    /// `self` with `over`'s values taking precedence.
    pub(crate) fn overlaid(&self, over: &Placeholders) -> Placeholders {
        let mut values = self.values.clone();
        values.extend(over.values.iter().map(|(k, v)| (k.clone(), v.clone())));
        Placeholders { values }
    }
}

/// Substitutes placeholders in a rule file's YAML. `strict`: a `placeholders.yml` applies, so
/// unknown names are errors. Returns the text unchanged (borrowed) when nothing was replaced.
pub(crate) fn substitute(
    text: &str,
    values: &Placeholders,
    strict: bool,
) -> Result<Option<String>, String> {
    if !text.contains('%') || (!strict && values.is_empty()) {
        return Ok(None);
    }
    let mut docs = Vec::new();
    let mut changed = false;
    for doc in yaml_serde::Deserializer::from_str(text) {
        let mut value: Yaml =
            serde::Deserialize::deserialize(doc).map_err(|e| format!("YAML: {e}"))?;
        changed |= walk(&mut value, values, strict, false)?;
        docs.push(value);
    }
    if !changed {
        return Ok(None);
    }
    let mut out = String::new();
    for doc in docs {
        out.push_str("---\n");
        out.push_str(&yaml_serde::to_string(&doc).map_err(|e| format!("YAML: {e}"))?);
    }
    Ok(Some(out))
}

/// The name in a scalar written exactly `%name%`.
fn placeholder_name(s: &str) -> Option<&str> {
    let name = s.strip_prefix('%')?.strip_suffix('%')?;
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    valid.then_some(name)
}

fn walk(
    value: &mut Yaml,
    values: &Placeholders,
    strict: bool,
    expand: bool,
) -> Result<bool, String> {
    match value {
        Yaml::String(s) if !expand => {
            let Some(name) = placeholder_name(s) else {
                return Ok(false);
            };
            match values.get(name) {
                Some(v) => {
                    *value = v.clone();
                    Ok(true)
                }
                None if strict => Err(format!(
                    "unknown placeholder %{name}% (not in placeholders.yml nor given by the caller)"
                )),
                None => Ok(false),
            }
        }
        Yaml::Sequence(items) => {
            let mut changed = false;
            for item in items {
                changed |= walk(item, values, strict, expand)?;
            }
            Ok(changed)
        }
        Yaml::Mapping(map) => {
            let mut changed = false;
            for (key, item) in map.iter_mut() {
                let is_expand = key
                    .as_str()
                    .is_some_and(|k| k.split('|').skip(1).any(|m| m == "expand"));
                changed |= walk(item, values, strict, expand || is_expand)?;
            }
            Ok(changed)
        }
        Yaml::Tagged(tagged) => walk(&mut tagged.value, values, strict, expand),
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = "title: t\ndetection:\n  sel:\n    size|gt: '%p95%'\n    name: '%who%'\n    other|expand: '%sigma_own%'\n    lit|contains: 'x%p95%'\n  condition: sel\n";

    #[test]
    fn exact_scalars_are_replaced_with_typed_values() {
        let mut values = Placeholders::parse_file("p95: 1200\nwho: admin\n").expect("valid");
        let out = substitute(RULE, &values, true)
            .expect("known names")
            .expect("changed");
        let doc: Yaml = yaml_serde::from_str(out.trim_start_matches("---\n")).expect("yaml");
        let sel = &doc["detection"]["sel"];
        assert_eq!(sel["size|gt"], Yaml::Number(1200.into()));
        assert_eq!(sel["name"], Yaml::String("admin".into()));
        assert_eq!(sel["other|expand"], Yaml::String("%sigma_own%".into()));
        assert_eq!(sel["lit|contains"], Yaml::String("x%p95%".into()));

        // The caller's value wins over the file's.
        let mut caller = Placeholders::new();
        caller.set_number("p95", 980.5);
        values = values.overlaid(&caller);
        let out = substitute(RULE, &values, true)
            .expect("ok")
            .expect("changed");
        assert!(out.contains("980.5"), "{out}");
    }

    #[test]
    fn unknown_names_fail_only_where_a_placeholders_file_applies() {
        let values = Placeholders::parse_file("p95: 1").expect("valid");
        let err = substitute(RULE, &values, true).expect_err("who is unknown");
        assert!(err.contains("%who%"), "{err}");
        // No file: literal %...% strings (SigmaHQ's `%APPDATA%`) stay as written.
        assert_eq!(substitute(RULE, &Placeholders::new(), false), Ok(None));
    }

    #[test]
    fn placeholders_file_must_be_a_flat_map() {
        assert!(Placeholders::parse_file("- a\n- b\n").is_err());
        assert!(Placeholders::parse_file("a: [1, 2]\n").is_err());
        assert!(Placeholders::parse_file("").expect("empty ok").is_empty());
    }
}
