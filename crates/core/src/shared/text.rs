//! Text shared by the wings: bounding what comes from outside, grouping digits.

/// The first `max` characters of `text`, with `…` and the original length when it was cut.
pub fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}… ({} bytes in all)", &text[..cut], text.len()),
    }
}

/// A whole number with thousands separators: `68881546` → `68,881,546`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        grouped.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(68_881_546), "68,881,546");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(-1_000), "-1,000");
        assert_eq!(thousands(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn short_text_is_kept_and_long_text_is_cut_on_a_character() {
        assert_eq!(truncate_chars("abc", 3), "abc");
        assert_eq!(truncate_chars("abcd", 3), "abc… (4 bytes in all)");
        assert_eq!(truncate_chars("ééé", 2), "éé… (6 bytes in all)");
        let long = "x".repeat(5_000_000);
        assert!(truncate_chars(&long, 300).len() < 340);
    }
}
