//! Countries: codes from what reports and visitors' headers say, names and labels for pages.

/// ISO 3166-1 alpha-2 for a code or an English name, via the `celes` country table plus the
/// spellings Google's reports use that it lacks.
pub fn country_code(text: &str) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.len() == 2 && trimmed.chars().all(|c| c.is_ascii_alphabetic()) {
        let upper = trimmed.to_ascii_uppercase();
        return celes::Country::from_alpha2(&upper).ok().map(|c| c.alpha2.to_string());
    }
    let lower = trimmed.to_lowercase();
    let special = match lower.as_str() {
        "united states" | "usa" | "united states of america" => Some("US"),
        "united kingdom" | "uk" | "great britain" => Some("GB"),
        "south korea" | "korea" | "republic of korea" => Some("KR"),
        "north korea" => Some("KP"),
        "russia" => Some("RU"),
        "vietnam" | "viet nam" => Some("VN"),
        "czechia" | "czech republic" => Some("CZ"),
        "turkey" | "türkiye" | "turkiye" => Some("TR"),
        "côte d'ivoire" | "cote d'ivoire" | "ivory coast" => Some("CI"),
        "taiwan" => Some("TW"),
        "hong kong" => Some("HK"),
        "macau" | "macao" => Some("MO"),
        "iran" => Some("IR"),
        "syria" => Some("SY"),
        "laos" => Some("LA"),
        "bolivia" => Some("BO"),
        "venezuela" => Some("VE"),
        "tanzania" => Some("TZ"),
        "moldova" => Some("MD"),
        "the netherlands" | "netherlands" => Some("NL"),
        "democratic republic of the congo" | "congo (dra)" | "dr congo" => Some("CD"),
        "republic of the congo" | "congo" => Some("CG"),
        "palestine" => Some("PS"),
        "brunei" => Some("BN"),
        "north macedonia" | "macedonia" => Some("MK"),
        "eswatini" | "swaziland" => Some("SZ"),
        "cape verde" | "cabo verde" => Some("CV"),
        "micronesia" => Some("FM"),
        "kosovo" => Some("XK"),
        _ => None,
    };
    if let Some(code) = special {
        return Some(code.to_string());
    }
    let compact: String = trimmed.chars().filter(|c| c.is_alphanumeric()).collect();
    compact.parse::<celes::Country>().ok().map(|c| c.alpha2.to_string())
}

/// The English name of an ISO 3166-1 alpha-2 code (`BR` → `Brazil`); none for unknown
/// codes and for the `ZZ` ("unknown region") that reports use.
pub fn country_name(code: &str) -> Option<String> {
    let upper = code.trim().to_ascii_uppercase();
    // The names people use where the ISO table's long names are formal.
    let common = match upper.as_str() {
        "XK" => "Kosovo",
        "US" => "United States",
        "GB" => "United Kingdom",
        "KR" => "South Korea",
        "KP" => "North Korea",
        "RU" => "Russia",
        "VN" => "Vietnam",
        "IR" => "Iran",
        "SY" => "Syria",
        "LA" => "Laos",
        "TW" => "Taiwan",
        "BO" => "Bolivia",
        "VE" => "Venezuela",
        "TZ" => "Tanzania",
        "MD" => "Moldova",
        "CD" => "DR Congo",
        "CG" => "Congo",
        "CZ" => "Czechia",
        "NL" => "Netherlands",
        "AE" => "United Arab Emirates",
        "PH" => "Philippines",
        "DO" => "Dominican Republic",
        _ => "",
    };
    if !common.is_empty() {
        return Some(common.into());
    }
    celes::Country::from_alpha2(&upper)
        .ok()
        .map(|c| c.long_name.trim_start_matches("The ").to_string())
}

/// A country as people read it: `Brazil (BR)`; `ZZ` and blanks are "Unknown", an unknown
/// code stays as it is.
pub fn country_label(code: &str) -> String {
    let code = code.trim();
    if code.is_empty() || code.eq_ignore_ascii_case("ZZ") {
        return "Unknown".into();
    }
    match country_name(code) {
        Some(name) => format!("{name} ({})", code.to_ascii_uppercase()),
        None => code.to_string(),
    }
}
