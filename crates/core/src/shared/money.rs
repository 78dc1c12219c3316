//! Money as integer micros (1 unit = 1,000,000 micros, as Google reports spend).

/// Why an amount could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{0:?} is not an amount (expected e.g. 1234.50, $1,234.50)")]
    NotANumber(String),
    #[error("{0:?} is negative")]
    Negative(String),
    #[error("{0:?} is too large")]
    TooLarge(String),
}

/// Read an amount as reports spell it — `125.50`, `$4.16`, `$1,234.50`, `US$ 10`, `€3` —
/// exactly, without going through floating point. More than six decimals round half up.
pub fn parse_money_micros(text: &str) -> Result<i64, MoneyError> {
    // A report's spend column is a million plain decimals: read those without allocating.
    match plain_decimal_micros(text.as_bytes()) {
        Some(micros) => Ok(micros),
        None => parse_spelled_money_micros(text),
    }
}

/// `125.50`, `1234`, `.5`: ASCII digits with at most one point and nothing else, as
/// `parse_money_micros` reads them; `None` for anything else (symbols, separators, signs,
/// spaces, an overflow), which the general reader then takes, errors included.
fn plain_decimal_micros(bytes: &[u8]) -> Option<i64> {
    let (mut whole, mut micros, mut fraction_digits) = (0i64, 0i64, 0usize);
    let (mut point, mut digits, mut round_up) = (false, false, false);
    for &byte in bytes {
        match byte {
            b'0'..=b'9' => {
                digits = true;
                let digit = i64::from(byte - b'0');
                if !point {
                    whole = whole.checked_mul(10)?.checked_add(digit)?;
                } else {
                    if fraction_digits < 6 {
                        micros = micros * 10 + digit;
                    } else if fraction_digits == 6 {
                        round_up = digit >= 5;
                    }
                    fraction_digits += 1;
                }
            }
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    if !digits {
        return None;
    }
    for _ in fraction_digits.min(6)..6 {
        micros *= 10;
    }
    whole.checked_mul(1_000_000)?.checked_add(micros + i64::from(round_up))
}

/// The general reader: currency symbols and codes, thousands separators, spaces, signs.
fn parse_spelled_money_micros(text: &str) -> Result<i64, MoneyError> {
    let original = text.to_string();
    let mut cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}' | '$' | '€' | '£' | '¥' | '₹'))
        .collect();
    for prefix in ["US", "USD", "EUR", "BRL", "R", "GBP"] {
        if let Some(rest) = cleaned.strip_prefix(prefix) {
            if rest.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.') {
                cleaned = rest.to_string();
                break;
            }
        }
    }
    let negative = cleaned.starts_with('-') || (cleaned.starts_with('(') && cleaned.ends_with(')'));
    let digits = cleaned
        .trim_start_matches('-')
        .trim_start_matches('(')
        .trim_end_matches(')');
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let valid = !(whole.is_empty() && fraction.is_empty())
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return Err(MoneyError::NotANumber(original));
    }
    if negative && (whole.bytes().any(|b| b != b'0') || fraction.bytes().any(|b| b != b'0')) {
        return Err(MoneyError::Negative(original));
    }
    let whole_units: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| MoneyError::TooLarge(original.clone()))?
    };
    let mut micros_text: String = fraction.chars().take(6).collect();
    while micros_text.len() < 6 {
        micros_text.push('0');
    }
    let mut micros: i64 = micros_text
        .parse()
        .map_err(|_| MoneyError::NotANumber(original.clone()))?;
    if fraction.as_bytes().get(6).is_some_and(|d| *d >= b'5') {
        micros += 1;
    }
    whole_units
        .checked_mul(1_000_000)
        .and_then(|w| w.checked_add(micros))
        .ok_or(MoneyError::TooLarge(original))
}

/// Render micros as a currency amount with two decimals: `1234500000` → `1,234.50`.
pub fn format_micros(micros: i64) -> String {
    let cents = (micros + if micros >= 0 { 5_000 } else { -5_000 }) / 10_000;
    let grouped = crate::shared::text::thousands((cents / 100).abs());
    format!(
        "{}{grouped}.{:02}",
        if micros < 0 { "-" } else { "" },
        (cents % 100).abs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn report_spellings() {
        let cases: &[(&str, i64)] = &[
            ("125.50", 125_500_000),
            ("$4.16", 4_160_000),
            ("$1,234.50", 1_234_500_000),
            ("1234", 1_234_000_000),
            (" 0.000001 ", 1),
            ("0.0000015", 2),
            (".5", 500_000),
            ("US$ 10", 10_000_000),
            ("€3.00", 3_000_000),
            ("0", 0),
            ("-0.00", 0),
        ];
        for &(text, micros) in cases {
            assert_eq!(parse_money_micros(text), Ok(micros), "{text}");
        }
    }

    #[test]
    fn bad_amounts() {
        assert!(matches!(parse_money_micros("-1.00"), Err(MoneyError::Negative(_))));
        assert!(matches!(parse_money_micros("($5.00)"), Err(MoneyError::Negative(_))));
        for text in ["", "abc", "1.2.3", "$", "1e5", "12a"] {
            assert!(
                matches!(parse_money_micros(text), Err(MoneyError::NotANumber(_))),
                "{text}"
            );
        }
        assert!(matches!(
            parse_money_micros("99999999999999999999"),
            Err(MoneyError::TooLarge(_))
        ));
    }

    #[test]
    fn formatting() {
        assert_eq!(format_micros(1_234_500_000), "1,234.50");
        assert_eq!(format_micros(4_160_000), "4.16");
        assert_eq!(format_micros(4_165_000), "4.17");
        assert_eq!(format_micros(0), "0.00");
        assert_eq!(format_micros(1_000_000_000_000), "1,000,000.00");
    }

    proptest! {
        /// The allocation-free reader of plain decimals answers what the general one does,
        /// rounding and overflow included, for every string it takes.
        #[test]
        fn plain_decimals_read_as_the_general_reader_reads_them(text in "[0-9]{0,21}(\\.[0-9]{0,9})?") {
            if let Some(micros) = plain_decimal_micros(text.as_bytes()) {
                prop_assert_eq!(parse_spelled_money_micros(&text), Ok(micros));
            } else {
                prop_assert!(parse_spelled_money_micros(&text).is_err(), "{}", text);
            }
        }

        #[test]
        fn formatted_amounts_read_back(cents in 0i64..10_000_000_000) {
            let micros = cents * 10_000;
            prop_assert_eq!(parse_money_micros(&format!("${}", format_micros(micros))), Ok(micros));
        }
    }
}
