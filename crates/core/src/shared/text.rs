//! Bounding text that comes from outside before it is stored or echoed back.

/// The first `max` characters of `text`, with `…` and the original length when it was cut.
pub fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}… ({} bytes in all)", &text[..cut], text.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_and_long_text_is_cut_on_a_character() {
        assert_eq!(truncate_chars("abc", 3), "abc");
        assert_eq!(truncate_chars("abcd", 3), "abc… (4 bytes in all)");
        assert_eq!(truncate_chars("ééé", 2), "éé… (6 bytes in all)");
        let long = "x".repeat(5_000_000);
        assert!(truncate_chars(&long, 300).len() < 340);
    }
}
