//! Pretargeting changes, decided before anything is sent: a config as the Real-time Bidding
//! API holds it (JSON, kept whole), the changes a user or a waste recommendation asks for,
//! the config they would produce, the diff field by field, the `updateMask`, and the
//! refusals. This is the one place a bug costs users money, so every rule is here, pure and
//! tested: a change that would empty an include list (which means "everything") is refused;
//! a change that widens targeting needs `allow_widening`; nothing is a no-op silently.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The fields rtbcat reads, diffs, patches and restores (paths in the API's JSON).
pub const MANAGED_PATHS: &[&str] = &[
    "includedCreativeDimensions",
    "geoTargeting.includedIds",
    "geoTargeting.excludedIds",
    "publisherTargeting.targetingMode",
    "publisherTargeting.values",
    "webTargeting.targetingMode",
    "webTargeting.values",
    "appTargeting.mobileAppTargeting.targetingMode",
    "appTargeting.mobileAppTargeting.values",
    "includedFormats",
    "includedPlatforms",
    "includedEnvironments",
    "maximumQps",
];

/// One change as the API takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// `includedCreativeDimensions` (values `300x250`), `geoTargeting.includedIds` /
    /// `geoTargeting.excludedIds` (Google geo ids), `geo` (country codes, excluded),
    /// `publisherTargeting`, `webTargeting`, `appTargeting.mobileAppTargeting`,
    /// `includedFormats`, `includedPlatforms`, `includedEnvironments`, `maximumQps`.
    pub field: String,
    /// `add` / `remove` for lists; `exclude` / `include` for publishers, sites, apps and
    /// `geo`; `set` for `maximumQps`.
    pub action: String,
    pub values: Vec<String>,
}

/// What one field looks like before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldDiff {
    pub path: String,
    pub before: Value,
    pub after: Value,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Whether this field's change lets more traffic through.
    pub widens: bool,
}

/// The dry run of a set of changes on a config.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub after: Value,
    pub diff: Vec<FieldDiff>,
    pub update_mask: Vec<String>,
    pub widens: bool,
    /// Things to read before approving (not refusals).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("change {index}: {reason}")]
    Invalid { index: usize, reason: String },
    #[error("change {index} would empty {path}, and an empty include list targets everything; exclude instead, or suspend the config")]
    EmptiesIncludeList { index: usize, path: String },
    #[error("change {index}: {path} is empty, which targets everything; removing one value would mean listing all the others — write that list by hand")]
    RemoveFromEverything { index: usize, path: String },
    #[error("these changes widen targeting ({paths}); send allow_widening: true if that is what you want")]
    Widens { paths: String },
    #[error("nothing to change: the config already says this")]
    NoChange,
}

/// A size value as the API holds it, as `WxH`.
fn dimension_label(v: &Value) -> Option<String> {
    let side = |k: &str| -> Option<i64> {
        match &v[k] {
            Value::String(s) => s.parse().ok(),
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    };
    Some(format!("{}x{}", side("width")?, side("height")?))
}

fn parse_dimension(label: &str) -> Option<Value> {
    let (w, h) = label
        .trim()
        .to_ascii_lowercase()
        .split_once('x')
        .map(|(w, h)| (w.trim().to_string(), h.trim().to_string()))?;
    let (w, h): (u32, u32) = (w.parse().ok()?, h.parse().ok()?);
    (w > 0 && h > 0).then(|| json!({"width": w.to_string(), "height": h.to_string()}))
}

/// The value at a dotted path (`Null` when absent).
pub fn get_path(config: &Value, path: &str) -> Value {
    path.split('.')
        .try_fold(config, |v, k| v.get(k))
        .cloned()
        .unwrap_or(Value::Null)
}

/// Sets (or, for `Null`, removes) the value at a dotted path.
pub fn set_path(config: &mut Value, path: &str, value: Value) {
    let keys: Vec<&str> = path.split('.').collect();
    let mut at = config;
    for key in &keys[..keys.len() - 1] {
        if !at.get(*key).is_some_and(Value::is_object) {
            at[*key] = json!({});
        }
        at = &mut at[*key];
    }
    let last = keys[keys.len() - 1];
    match (value, at.as_object_mut()) {
        (Value::Null, Some(map)) => {
            map.remove(last);
        }
        (value, _) => at[last] = value,
    }
}

/// A list field's values as labels (sizes as `WxH`).
pub fn labels(config: &Value, path: &str) -> Vec<String> {
    match get_path(config, path) {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Object(_) => dimension_label(v),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn to_list(path: &str, values: &[String]) -> Value {
    if values.is_empty() {
        return Value::Null;
    }
    Value::Array(
        values
            .iter()
            .map(|v| {
                if path == "includedCreativeDimensions" {
                    parse_dimension(v).unwrap_or(Value::Null)
                } else {
                    Value::String(v.clone())
                }
            })
            .collect(),
    )
}

/// Google's geo id of a country: 2000 + its ISO 3166-1 numeric code (2704 is Vietnam).
pub fn country_geo_id(code: &str) -> Option<String> {
    let country = celes::Country::from_alpha2(code.trim()).ok()?;
    let numeric: u32 = country.code.parse().ok()?;
    Some((2000 + numeric).to_string())
}

const FORMATS: &[&str] = &["HTML", "NATIVE", "VAST"];
const PLATFORMS: &[&str] = &["PERSONAL_COMPUTER", "PHONE", "TABLET", "CONNECTED_TV"];
const ENVIRONMENTS: &[&str] = &["APP", "WEB"];

fn check_values(index: usize, path: &str, values: &[String]) -> Result<Vec<String>, Refusal> {
    let invalid = |reason: String| Refusal::Invalid { index, reason };
    if values.is_empty() {
        return Err(invalid("`values` is empty".into()));
    }
    let mut out = Vec::new();
    for v in values {
        let v = v.trim();
        let ok = match path {
            "includedCreativeDimensions" => parse_dimension(v).and_then(|d| dimension_label(&d)),
            "geoTargeting.includedIds" | "geoTargeting.excludedIds" => v.parse::<u64>().ok().map(|_| v.to_string()),
            "includedFormats" => FORMATS.contains(&v).then(|| v.to_string()),
            "includedPlatforms" => PLATFORMS.contains(&v).then(|| v.to_string()),
            "includedEnvironments" => ENVIRONMENTS.contains(&v).then(|| v.to_string()),
            _ => (!v.is_empty() && v.len() <= 300 && !v.chars().any(char::is_whitespace)).then(|| v.to_string()),
        };
        match ok {
            Some(label) => out.push(label),
            None => {
                let expected = match path {
                    "includedCreativeDimensions" => "a size like 300x250".to_string(),
                    "geoTargeting.includedIds" | "geoTargeting.excludedIds" => "a Google geo id like 2704".into(),
                    "includedFormats" => format!("one of {}", FORMATS.join(", ")),
                    "includedPlatforms" => format!("one of {}", PLATFORMS.join(", ")),
                    "includedEnvironments" => format!("one of {}", ENVIRONMENTS.join(", ")),
                    _ => "an id without spaces".into(),
                };
                return Err(invalid(format!("{v:?} is not {expected}")));
            }
        }
    }
    Ok(out)
}

/// A list edit: (path, values to add, values to remove, whether the list is an inclusion).
struct ListEdit {
    path: String,
    add: Vec<String>,
    remove: Vec<String>,
    inclusive: bool,
    /// Set the mode of a string dimension (`INCLUSIVE`/`EXCLUSIVE`) when it has none.
    mode: Option<(String, &'static str)>,
}

fn edit_for(index: usize, change: &Change, config: &Value) -> Result<Vec<ListEdit>, Refusal> {
    let invalid = |reason: String| Refusal::Invalid { index, reason };
    let field = change.field.trim();
    let action = change.action.trim().to_ascii_lowercase();
    let list = |path: &str, inclusive: bool| -> Result<Vec<ListEdit>, Refusal> {
        let values = check_values(index, path, &change.values)?;
        let (add, remove) = match action.as_str() {
            "add" => (values, Vec::new()),
            "remove" => (Vec::new(), values),
            other => return Err(invalid(format!("`action` {other:?} on {path}: use add or remove"))),
        };
        Ok(vec![ListEdit {
            path: path.to_string(),
            add,
            remove,
            inclusive,
            mode: None,
        }])
    };
    match field {
        "includedCreativeDimensions" | "includedFormats" | "includedPlatforms" | "includedEnvironments" => {
            list(field, true)
        }
        "geoTargeting.includedIds" => list(field, true),
        "geoTargeting.excludedIds" => list(field, false),
        "geo" => {
            let ids = change
                .values
                .iter()
                .map(|c| country_geo_id(c).ok_or_else(|| invalid(format!("{c:?} is not a country code like VN"))))
                .collect::<Result<Vec<_>, _>>()?;
            if ids.is_empty() {
                return Err(invalid("`values` is empty".into()));
            }
            let included = labels(config, "geoTargeting.includedIds");
            match action.as_str() {
                // Excluding a geo an inclusion lists means dropping it from the inclusion.
                "exclude" if ids.iter().any(|id| included.contains(id)) => Ok(vec![ListEdit {
                    path: "geoTargeting.includedIds".into(),
                    add: Vec::new(),
                    remove: ids,
                    inclusive: true,
                    mode: None,
                }]),
                "exclude" => Ok(vec![ListEdit {
                    path: "geoTargeting.excludedIds".into(),
                    add: ids,
                    remove: Vec::new(),
                    inclusive: false,
                    mode: None,
                }]),
                "include" => Ok(vec![ListEdit {
                    path: "geoTargeting.excludedIds".into(),
                    add: Vec::new(),
                    remove: ids,
                    inclusive: false,
                    mode: None,
                }]),
                other => Err(invalid(format!("`action` {other:?} on geo: use exclude or include"))),
            }
        }
        "publisherTargeting" | "webTargeting" | "appTargeting.mobileAppTargeting" => {
            let values = check_values(index, field, &change.values)?;
            let mode_path = format!("{field}.targetingMode");
            let values_path = format!("{field}.values");
            let mode = get_path(config, &mode_path);
            let has_values = !labels(config, &values_path).is_empty();
            let inclusive = mode == "INCLUSIVE" && has_values;
            let edit = |add: Vec<String>, remove: Vec<String>, inclusive: bool, mode| ListEdit {
                path: values_path.clone(),
                add,
                remove,
                inclusive,
                mode,
            };
            match (action.as_str(), inclusive) {
                ("exclude", true) => Ok(vec![edit(Vec::new(), values, true, None)]),
                ("exclude", false) => Ok(vec![edit(values, Vec::new(), false, Some((mode_path, "EXCLUSIVE")))]),
                ("include", true) => Ok(vec![edit(values, Vec::new(), true, None)]),
                ("include", false) if has_values => Ok(vec![edit(Vec::new(), values, false, None)]),
                ("include", false) => Err(invalid(format!(
                    "{field} targets everything already; to serve only these, set it INCLUSIVE by hand"
                ))),
                (other, _) => Err(invalid(format!(
                    "`action` {other:?} on {field}: use exclude or include"
                ))),
            }
        }
        other => Err(invalid(format!(
            "`field` {other:?} is not one rtbcat changes (includedCreativeDimensions, geo, geoTargeting.includedIds, \
             geoTargeting.excludedIds, publisherTargeting, webTargeting, appTargeting.mobileAppTargeting, \
             includedFormats, includedPlatforms, includedEnvironments, maximumQps)"
        ))),
    }
}

/// The dry run: the config the changes produce, or why they are refused.
pub fn plan(config: &Value, changes: &[Change], allow_widening: bool) -> Result<Plan, Refusal> {
    let mut after = config.clone();
    let mut warnings = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        let index = i + 1;
        if change.field.trim() == "maximumQps" {
            if change.action.trim() != "set" || change.values.len() != 1 {
                return Err(Refusal::Invalid {
                    index,
                    reason: "maximumQps takes action set with one value".into(),
                });
            }
            let qps: i64 = change.values[0]
                .trim()
                .parse()
                .ok()
                .filter(|q| *q > 0)
                .ok_or(Refusal::Invalid {
                    index,
                    reason: format!("{:?} is not a QPS above 0", change.values[0]),
                })?;
            set_path(&mut after, "maximumQps", Value::String(qps.to_string()));
            continue;
        }
        for edit in edit_for(index, change, &after)? {
            let before = labels(&after, &edit.path);
            if edit.inclusive && before.is_empty() && !edit.remove.is_empty() {
                return Err(Refusal::RemoveFromEverything { index, path: edit.path });
            }
            if edit.inclusive && before.is_empty() && !edit.add.is_empty() {
                warnings.push(format!(
                    "{} targets everything now; after this it targets only {}",
                    edit.path,
                    edit.add.join(", ")
                ));
            }
            let mut values = before.clone();
            for v in &edit.add {
                if !values.contains(v) {
                    values.push(v.clone());
                }
            }
            values.retain(|v| !edit.remove.contains(v));
            if edit.inclusive && values.is_empty() {
                return Err(Refusal::EmptiesIncludeList { index, path: edit.path });
            }
            set_path(&mut after, &edit.path, to_list(&edit.path, &values));
            if let Some((mode_path, mode)) = edit.mode {
                if !values.is_empty() {
                    set_path(&mut after, &mode_path, Value::String(mode.into()));
                }
            }
        }
    }
    let diff = diff(config, &after);
    if diff.is_empty() {
        return Err(Refusal::NoChange);
    }
    let widening: Vec<&str> = diff.iter().filter(|d| d.widens).map(|d| d.path.as_str()).collect();
    if !widening.is_empty() && !allow_widening {
        return Err(Refusal::Widens {
            paths: widening.join(", "),
        });
    }
    Ok(Plan {
        update_mask: diff.iter().map(|d| d.path.clone()).collect(),
        widens: !widening.is_empty(),
        after,
        diff,
        warnings,
    })
}

/// The managed fields that differ between two configs, and whether each change widens.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    for path in MANAGED_PATHS {
        let (b, a) = (get_path(before, path), get_path(after, path));
        if path.ends_with("targetingMode") || *path == "maximumQps" {
            if b != a {
                let widens = match *path {
                    "maximumQps" => {
                        let qps = |v: &Value| v.as_str().and_then(|s| s.parse::<i64>().ok()).or_else(|| v.as_i64());
                        match (qps(&b), qps(&a)) {
                            (Some(x), Some(y)) => y > x,
                            (Some(_), None) => true,
                            _ => false,
                        }
                    }
                    // A mode set where there was none only comes with values (narrowing).
                    _ => !b.is_null(),
                };
                out.push(FieldDiff {
                    path: path.to_string(),
                    before: b,
                    after: a,
                    added: Vec::new(),
                    removed: Vec::new(),
                    widens,
                });
            }
            continue;
        }
        let (lb, la) = (labels(before, path), labels(after, path));
        let (sb, sa): (BTreeSet<&String>, BTreeSet<&String>) = (lb.iter().collect(), la.iter().collect());
        if sb == sa {
            continue;
        }
        let added: Vec<String> = sa.difference(&sb).map(|s| s.to_string()).collect();
        let removed: Vec<String> = sb.difference(&sa).map(|s| s.to_string()).collect();
        let exclusion = path.ends_with("excludedIds")
            || (path.ends_with(".values")
                && get_path(after, &path.replace(".values", ".targetingMode")) == "EXCLUSIVE");
        let widens = if exclusion {
            !removed.is_empty()
        } else {
            // An inclusion widens when it gains values, or when it empties (= everything).
            (!added.is_empty() && !lb.is_empty()) || la.is_empty()
        };
        out.push(FieldDiff {
            path: path.to_string(),
            before: to_labels_value(&lb),
            after: to_labels_value(&la),
            added,
            removed,
            widens,
        });
    }
    out
}

fn to_labels_value(values: &[String]) -> Value {
    Value::Array(values.iter().map(|v| Value::String(v.clone())).collect())
}

/// The patch body for a mask: the `after` config's values at those paths.
pub fn patch_body(after: &Value, mask: &[String]) -> Value {
    let mut body = json!({});
    for path in mask {
        let value = get_path(after, path);
        if !value.is_null() {
            set_path(&mut body, path, value);
        }
    }
    body
}

/// The masked fields where `read_back` differs from what was meant.
pub fn not_stuck(meant: &Value, read_back: &Value, mask: &[String]) -> Vec<String> {
    mask.iter()
        .filter(|path| {
            let (m, r) = (get_path(meant, path), get_path(read_back, path));
            if path.ends_with("targetingMode") || path.as_str() == "maximumQps" {
                m != r
            } else {
                let (a, b): (BTreeSet<String>, BTreeSet<String>) = (
                    labels(meant, path).into_iter().collect(),
                    labels(read_back, path).into_iter().collect(),
                );
                a != b
            }
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests;
