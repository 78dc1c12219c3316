//! Every number, amount, share and place a page shows is formatted here, once: thousands
//! separators, dollars from micros, percentages, countries by name, a dash for "no value".

use rtbcat_core::shared::money::format_micros;

/// Shown where a ratio has no denominator or a value is missing.
pub(crate) const NONE: &str = "—";

/// `68881546` → `68,881,546`.
pub(crate) fn count(n: i64) -> String {
    rtbcat_core::shared::text::thousands(n)
}

/// Micros as dollars with cents: `1234500000` → `$1,234.50`.
pub(crate) fn money(micros: i64) -> String {
    if micros < 0 {
        format!("-${}", format_micros(-micros))
    } else {
        format!("${}", format_micros(micros))
    }
}

/// A money value that may not exist (CPC without clicks): a dash then.
pub(crate) fn money_or_dash(micros: Option<i64>) -> String {
    micros.map_or_else(|| NONE.into(), money)
}

/// Micros as a plain decimal for sorting and CSV (`1234.5`): what a spreadsheet reads.
pub(crate) fn money_value(micros: i64) -> String {
    let value = micros as f64 / 1_000_000.0;
    format!("{value:.2}")
}

/// Axis labels: `$1.2k`, `$3.4M`, `$12`, `$0.50`.
pub(crate) fn money_compact(micros: i64) -> String {
    format!("${}", compact(micros as f64 / 1_000_000.0))
}

/// `12k`, `1.5M`, `950`.
pub(crate) fn count_compact(n: f64) -> String {
    compact(n)
}

fn compact(value: f64) -> String {
    let abs = value.abs();
    let (scaled, suffix) = if abs >= 1e9 {
        (value / 1e9, "B")
    } else if abs >= 1e6 {
        (value / 1e6, "M")
    } else if abs >= 1e3 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    if suffix.is_empty() && abs > 0.0 && abs < 10.0 && value.fract() != 0.0 {
        return format!("{scaled:.2}");
    }
    let text = if scaled.abs() < 10.0 && scaled.fract() != 0.0 {
        format!("{scaled:.1}")
    } else {
        format!("{scaled:.0}")
    };
    format!("{text}{suffix}")
}

/// A 0–1 ratio as a percentage: `0.02345` → `2.35%`.
pub(crate) fn percent(ratio: f64, decimals: usize) -> String {
    format!("{:.*}%", decimals, ratio * 100.0)
}

pub(crate) fn percent_or_dash(ratio: Option<f64>, decimals: usize) -> String {
    ratio.map_or_else(|| NONE.into(), |r| percent(r, decimals))
}

/// A change against the previous period, with its direction: `("▲ 12%", "up")`. Zero is
/// flat, not a fall; a change on a base too small to mean anything is not shown.
pub(crate) fn trend(pct: Option<f64>, previous_base: i64, min_base: i64) -> (String, &'static str) {
    match pct {
        _ if previous_base < min_base => (String::new(), "flat"),
        Some(t) if t >= 0.5 => (format!("▲ {}", percent_text(t)), "up"),
        Some(t) if t <= -0.5 => (format!("▼ {}", percent_text(t.abs())), "down"),
        Some(_) => ("±0%".into(), "flat"),
        None => (String::new(), "flat"),
    }
}

fn percent_text(pct: f64) -> String {
    if pct >= 1000.0 {
        format!("{}%", count(pct.round() as i64))
    } else {
        format!("{pct:.0}%")
    }
}

/// A country as people read it: `Brazil (BR)`; `ZZ` and blanks are "Unknown".
pub(crate) fn country(code: &str) -> String {
    rtbcat_core::shared::country::country_label(code)
}

/// A device class from the reports (`mobile`, `ctv`) as a label.
pub(crate) fn device(key: &str) -> String {
    match key {
        "" | "unknown" => "Unknown".into(),
        "ctv" => "Connected TV".into(),
        other => crate::ui::capitalised(other),
    }
}

/// Seconds since the epoch as `2026-11-28 14:05` (UTC).
pub(crate) fn timestamp(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| NONE.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_money_have_separators() {
        assert_eq!(count(68_881_546), "68,881,546");
        assert_eq!(count(416_061), "416,061");
        assert_eq!(count(999), "999");
        assert_eq!(count(-1_000), "-1,000");
        assert_eq!(money(1_234_500_000), "$1,234.50");
        assert_eq!(money(-2_500_000), "-$2.50");
        assert_eq!(money_or_dash(None), "—");
        assert_eq!(money_value(1_234_567_890), "1234.57");
    }

    #[test]
    fn compact_axis_labels() {
        assert_eq!(money_compact(1_200_000_000), "$1.2k");
        assert_eq!(money_compact(500_000), "$0.50");
        assert_eq!(money_compact(12_000_000), "$12");
        assert_eq!(count_compact(3_400_000.0), "3.4M");
        assert_eq!(count_compact(25_000.0), "25k");
        assert_eq!(count_compact(0.0), "0");
    }

    #[test]
    fn trends_are_flat_at_zero_and_hidden_on_tiny_bases() {
        assert_eq!(trend(Some(12.4), 100, 10), ("▲ 12%".into(), "up"));
        assert_eq!(trend(Some(-40.0), 100, 10), ("▼ 40%".into(), "down"));
        assert_eq!(trend(Some(0.0), 100, 10), ("±0%".into(), "flat"));
        assert_eq!(trend(Some(7144.0), 1, 10), (String::new(), "flat"));
        assert_eq!(trend(Some(7144.0), 100, 10).0, "▲ 7,144%");
        assert_eq!(trend(None, 0, 0).0, "");
    }

    #[test]
    fn countries_by_name_and_unknown() {
        assert_eq!(country("ZZ"), "Unknown");
        assert_eq!(country(""), "Unknown");
        assert_eq!(country("BR"), "Brazil (BR)");
        assert_eq!(country("US"), "United States (US)");
        assert!(country("br").ends_with("(BR)"));
        assert_eq!(country("QQ"), "QQ");
        assert_eq!(device("ctv"), "Connected TV");
        assert_eq!(device("mobile"), "Mobile");
        assert_eq!(percent(0.0235, 2), "2.35%");
    }
}
