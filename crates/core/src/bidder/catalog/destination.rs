//! Where a creative sends people.
//!
//! Click URLs arrive wrapped: click macros in front, percent-encoded once or twice, behind
//! redirectors and attribution trackers. Buyers want the real destination — the web domain or
//! the app in its store — so we peel every layer and keep the path we took.

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use url::Url;

/// An app store a creative can point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppStore {
    GooglePlay,
    AppleAppStore,
}

impl AppStore {
    pub fn label(self) -> &'static str {
        match self {
            AppStore::GooglePlay => "Google Play",
            AppStore::AppleAppStore => "App Store",
        }
    }
}

/// A mobile attribution tracker that sits between the ad and the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributionTracker {
    AppsFlyer,
    Adjust,
    Branch,
}

/// The destination of one click URL, after unwrapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    /// The URL as declared or found, macros stripped.
    pub original_url: String,
    /// The innermost URL we could reach.
    pub final_url: String,
    /// Registrable domain of the final URL (`shop.example.co.uk` → `example.co.uk`).
    pub domain: Option<String>,
    pub app_store: Option<AppStore>,
    /// Android package (`com.example.game`) or Apple numeric id (`1234567890`).
    pub app_id: Option<String>,
    pub tracker: Option<AttributionTracker>,
    /// Hosts of the redirectors we unwrapped, outermost first.
    pub redirect_hosts: Vec<String>,
}

impl Destination {
    pub fn is_app(&self) -> bool {
        self.app_store.is_some()
    }

    /// Short human label: "Google Play com.example.game" or "example.com".
    pub fn label(&self) -> String {
        match (&self.app_store, &self.app_id) {
            (Some(store), Some(id)) => format!("{} {}", store.label(), id),
            _ => self.domain.clone().unwrap_or_else(|| self.final_url.clone()),
        }
    }
}

/// Click macros the exchanges substitute; Google requires one in every HTML creative so
/// that clicks are counted.
const CLICK_MACRO_DELIMITERS: &[(&str, &str)] = &[
    ("%%CLICK_URL", "%%"),
    ("${CLICK_URL", "}"),
    ("{{CLICK_URL", "}}"),
    ("{CLICK_URL", "}"),
    ("[CLICK_URL", "]"),
];

/// True when the text carries a click macro in any of the spellings exchanges use.
pub fn has_click_macro(text: &str) -> bool {
    find_click_macro(text, 0).is_some()
}

fn find_click_macro(text: &str, from: usize) -> Option<(usize, usize)> {
    let upper = text.get(from..)?;
    CLICK_MACRO_DELIMITERS
        .iter()
        .filter_map(|(open, close)| {
            let start = upper.find(open)?;
            let after_open = start + open.len();
            // Only letters and underscores may follow the name: CLICK_URL_UNESC, CLICK_URL_ESC_ESC.
            let name_len = upper[after_open..]
                .bytes()
                .take_while(|b| b.is_ascii_uppercase() || *b == b'_')
                .count();
            let rest = &upper[after_open + name_len..];
            rest.starts_with(close)
                .then(|| (from + start, from + after_open + name_len + close.len()))
        })
        .min_by_key(|(start, _)| *start)
}

/// Remove every click macro from the text.
pub fn strip_click_macros(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut cursor = 0;
    while let Some((start, end)) = find_click_macro(text, cursor) {
        out.push_str(&text[cursor..start]);
        cursor = end;
    }
    out.push_str(&text[cursor..]);
    out
}

/// Percent-decode until nothing changes (double-encoded redirect chains are common).
pub fn decode_until_stable(text: &str) -> String {
    let mut current = text.to_string();
    for _ in 0..8 {
        let next = percent_decode_str(&current).decode_utf8_lossy().into_owned();
        if next == current {
            break;
        }
        current = next;
    }
    current
}

fn decode_html_entities(text: &str) -> String {
    text.replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace("&quot;", "\"")
        .replace("&#x2F;", "/")
        .replace("&#47;", "/")
}

const URL_SCHEMES: &[&str] = &["https://", "http://", "market://", "itms-apps://", "itms-appss://"];

fn starts_with_scheme(text: &str) -> bool {
    let lower = text.get(..12).unwrap_or(text).to_ascii_lowercase();
    URL_SCHEMES.iter().any(|s| lower.starts_with(s))
}

/// Find URL-looking substrings in free text (HTML, VAST, JavaScript).
pub fn find_urls(text: &str) -> Vec<String> {
    let mut urls = Vec::new();
    let lower = text.to_ascii_lowercase();
    let mut cursor = 0;
    while cursor < text.len() {
        let next = URL_SCHEMES
            .iter()
            .filter_map(|s| lower[cursor..].find(s).map(|i| cursor + i))
            .min();
        let Some(start) = next else { break };
        let end = text[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | ']' | ')' | '\\'))
            .map_or(text.len(), |i| start + i);
        urls.push(decode_html_entities(&text[start..end]));
        cursor = end.max(start + 1);
    }
    urls
}

/// Click URLs of an HTML snippet: `href` targets, `clickTag` variables and `window.open`
/// calls — not image or script sources.
pub fn html_click_urls(snippet: &str) -> Vec<String> {
    let cleaned = strip_click_macros(snippet);
    let lower = cleaned.to_ascii_lowercase();
    let mut urls = Vec::new();
    for marker in ["href=", "clicktag", "window.open(", "location.href", "data-href="] {
        let mut cursor = 0;
        while let Some(pos) = lower[cursor..].find(marker) {
            let start = cursor + pos + marker.len();
            // Look only a short way ahead so `href="#"` does not swallow a later image URL.
            let window_end = (start + 12).min(cleaned.len());
            let window = cleaned.get(start..window_end).unwrap_or("");
            let lead = window.find(|c: char| c.is_ascii_alphabetic());
            if let Some(lead) = lead {
                if let Some(url) = find_urls(&cleaned[start + lead..]).into_iter().next() {
                    if cleaned[start + lead..].starts_with(&url[..url.len().min(4)]) {
                        urls.push(url);
                    }
                }
            }
            cursor = start;
        }
    }
    dedup_keep_order(urls)
}

/// `<ClickThrough>` targets of a VAST document.
pub fn vast_click_urls(vast_xml: &str) -> Vec<String> {
    let lower = vast_xml.to_ascii_lowercase();
    let mut urls = Vec::new();
    let mut cursor = 0;
    while let Some(pos) = lower[cursor..].find("<clickthrough") {
        let open_end = match lower[cursor + pos..].find('>') {
            Some(i) => cursor + pos + i + 1,
            None => break,
        };
        let close = lower[open_end..]
            .find("</clickthrough")
            .map_or(vast_xml.len(), |i| open_end + i);
        let inner = vast_xml[open_end..close]
            .trim()
            .trim_start_matches("<![CDATA[")
            .trim_end_matches("]]>")
            .trim();
        let inner = strip_click_macros(inner);
        if let Some(url) = find_urls(&inner).into_iter().next() {
            urls.push(url);
        }
        cursor = close;
    }
    dedup_keep_order(urls)
}

fn dedup_keep_order(urls: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    urls.into_iter().filter(|u| seen.insert(u.clone())).collect()
}

/// Query parameters that carry the next hop in redirectors and trackers we know; any
/// parameter whose value is a URL is followed too, these only win ties.
const PREFERRED_REDIRECT_KEYS: &[&str] = &[
    "adurl",
    "url",
    "u",
    "dest",
    "destination",
    "redirect",
    "redirect_url",
    "redir",
    "r",
    "target",
    "to",
    "goto",
    "link",
    "landing",
    "lp",
    "af_r",
    "$fallback_url",
    "$android_url",
    "$ios_url",
    "redirect_android",
    "redirect_ios",
];

/// Unwrap a click URL to its destination. Returns `None` when no URL can be read.
pub fn parse_destination(raw: &str) -> Option<Destination> {
    let stripped = decode_html_entities(strip_click_macros(raw).trim());
    let mut current = if starts_with_scheme(&stripped) {
        stripped.clone()
    } else {
        let decoded = decode_until_stable(&stripped);
        let start = URL_SCHEMES
            .iter()
            .filter_map(|s| decoded.to_ascii_lowercase().find(s))
            .min()?;
        decoded[start..].to_string()
    };
    let mut destination = Destination {
        original_url: stripped,
        final_url: current.clone(),
        domain: None,
        app_store: None,
        app_id: None,
        tracker: None,
        redirect_hosts: Vec::new(),
    };
    for _hop in 0..12 {
        let Ok(url) = Url::parse(&current) else { break };
        destination.final_url = current.clone();
        if let Some((store, id)) = app_store_link(&url) {
            destination.app_store = Some(store);
            destination.app_id = Some(id);
            break;
        }
        if let Some((tracker, app)) = attribution_link(&url) {
            destination.tracker = Some(tracker);
            if let Some((store, id)) = app {
                destination.app_store = Some(store);
                destination.app_id = Some(id);
                break;
            }
        }
        match embedded_url(&url) {
            Some(next) => {
                destination
                    .redirect_hosts
                    .push(url.host_str().unwrap_or_default().to_string());
                current = next;
            }
            None => break,
        }
    }
    destination.domain = Url::parse(&destination.final_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .and_then(|host| registrable_domain(&host));
    Some(destination)
}

/// `shop.example.co.uk` → `example.co.uk`, via the public-suffix list.
pub fn registrable_domain(host: &str) -> Option<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Some(host);
    }
    psl::domain_str(&host).map(str::to_string)
}

fn app_store_link(url: &Url) -> Option<(AppStore, String)> {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let query_id = || {
        url.query_pairs()
            .find(|(k, _)| k == "id")
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    match url.scheme() {
        "market" => return query_id().map(|id| (AppStore::GooglePlay, id)),
        "itms-apps" | "itms-appss" => return apple_id_in_path(url.path()).map(|id| (AppStore::AppleAppStore, id)),
        _ => {}
    }
    if host == "play.google.com" && url.path().starts_with("/store/apps") {
        return query_id().map(|id| (AppStore::GooglePlay, id));
    }
    if host == "apps.apple.com" || host == "itunes.apple.com" {
        return apple_id_in_path(url.path()).map(|id| (AppStore::AppleAppStore, id));
    }
    None
}

/// Apple app ids appear as a path segment `id1234567890`.
fn apple_id_in_path(path: &str) -> Option<String> {
    path.split('/').find_map(|segment| {
        let digits = segment.strip_prefix("id")?;
        (digits.len() >= 5 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.to_string())
    })
}

fn app_from_tracker_id(id: &str) -> Option<(AppStore, String)> {
    if let Some(digits) = id.strip_prefix("id") {
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Some((AppStore::AppleAppStore, digits.to_string()));
        }
    }
    let looks_like_package = id.contains('.')
        && id
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    looks_like_package.then(|| (AppStore::GooglePlay, id.to_string()))
}

fn attribution_link(url: &Url) -> Option<(AttributionTracker, Option<(AppStore, String)>)> {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if host == "app.appsflyer.com" {
        let first = url
            .path_segments()
            .and_then(|mut s| s.next())
            .unwrap_or_default()
            .to_string();
        return Some((AttributionTracker::AppsFlyer, app_from_tracker_id(&first)));
    }
    if host.ends_with(".onelink.me") {
        return Some((AttributionTracker::AppsFlyer, None));
    }
    if host == "app.adjust.com" || host.ends_with(".adj.st") || host == "app.adjust.io" || host.ends_with(".go.link") {
        return Some((AttributionTracker::Adjust, None));
    }
    if host.ends_with(".app.link") || host == "bnc.lt" || host.ends_with(".test-app.link") {
        return Some((AttributionTracker::Branch, None));
    }
    None
}

/// The next hop carried inside a redirector URL, from its query or, failing that, its path.
fn embedded_url(url: &Url) -> Option<String> {
    let mut candidates: Vec<(usize, String)> = url
        .query_pairs()
        .filter_map(|(key, value)| {
            let decoded = decode_until_stable(&value);
            let decoded = decoded.trim();
            starts_with_scheme(decoded).then(|| {
                let rank = PREFERRED_REDIRECT_KEYS
                    .iter()
                    .position(|k| key.eq_ignore_ascii_case(k))
                    .unwrap_or(PREFERRED_REDIRECT_KEYS.len());
                (rank, decoded.to_string())
            })
        })
        .collect();
    candidates.sort_by_key(|(rank, _)| *rank);
    if let Some((_, next)) = candidates.into_iter().next() {
        return Some(next);
    }
    // Some redirectors put the target in the path: /click/https%3A%2F%2Fexample.com
    let path = decode_until_stable(url.path());
    let lower = path.to_ascii_lowercase();
    let start = ["https:/", "http:/"].iter().filter_map(|s| lower.find(s)).min()?;
    let tail = &path[start..];
    // Path normalisation may have collapsed `//` to `/`.
    let fixed = if tail.contains("://") {
        tail.to_string()
    } else {
        tail.replacen(":/", "://", 1)
    };
    let with_query = match url.query() {
        Some(q) if !q.is_empty() => format!("{fixed}?{q}"),
        _ => fixed,
    };
    Some(with_query)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn click_macro_spellings() {
        for text in [
            "%%CLICK_URL_UNESC%%https://x.com",
            "%%CLICK_URL_ESC%%https%3A%2F%2Fx.com",
            "%%CLICK_URL_ESC_ESC%%",
            "${CLICK_URL}https://x.com",
            "${CLICK_URL_ENC}",
            "{{CLICK_URL}}https://x.com",
            "{CLICK_URL}",
            "[CLICK_URL]",
        ] {
            assert!(has_click_macro(text), "{text}");
        }
        for text in [
            "https://x.com",
            "%%CACHEBUSTER%%",
            "${CLICK_URL",
            "CLICK_URL",
            "%%click_url_unesc%%",
        ] {
            assert!(!has_click_macro(text), "{text}");
        }
    }

    #[test]
    fn strips_every_macro() {
        assert_eq!(
            strip_click_macros("%%CLICK_URL_UNESC%%${CLICK_URL}https://x.com/?a={{CLICK_URL}}"),
            "https://x.com/?a="
        );
        assert_eq!(strip_click_macros("no macro"), "no macro");
    }

    struct Case {
        raw: &'static str,
        final_url: &'static str,
        domain: Option<&'static str>,
        app: Option<(AppStore, &'static str)>,
        tracker: Option<AttributionTracker>,
        hops: usize,
    }

    #[test]
    fn destination_table() {
        let cases = [
            Case {
                raw: "https://www.example.com/landing?utm_source=adx",
                final_url: "https://www.example.com/landing?utm_source=adx",
                domain: Some("example.com"),
                app: None,
                tracker: None,
                hops: 0,
            },
            Case {
                raw: "%%CLICK_URL_UNESC%%https://shop.example.co.uk/sale",
                final_url: "https://shop.example.co.uk/sale",
                domain: Some("example.co.uk"),
                app: None,
                tracker: None,
                hops: 0,
            },
            Case {
                raw: "%%CLICK_URL_ESC%%https%3A%2F%2Fwww.example.com.br%2Fpromo",
                final_url: "https://www.example.com.br/promo",
                domain: Some("example.com.br"),
                app: None,
                tracker: None,
                hops: 0,
            },
            Case {
                raw: "https://play.google.com/store/apps/details?id=com.puzzle.blocks&hl=pt_BR",
                final_url: "https://play.google.com/store/apps/details?id=com.puzzle.blocks&hl=pt_BR",
                domain: Some("google.com"),
                app: Some((AppStore::GooglePlay, "com.puzzle.blocks")),
                tracker: None,
                hops: 0,
            },
            Case {
                raw: "market://details?id=com.finance.wallet",
                final_url: "market://details?id=com.finance.wallet",
                domain: None,
                app: Some((AppStore::GooglePlay, "com.finance.wallet")),
                tracker: None,
                hops: 0,
            },
            Case {
                raw: "https://apps.apple.com/br/app/puzzle-blocks/id1234567890?mt=8",
                final_url: "https://apps.apple.com/br/app/puzzle-blocks/id1234567890?mt=8",
                domain: Some("apple.com"),
                app: Some((AppStore::AppleAppStore, "1234567890")),
                tracker: None,
                hops: 0,
            },
            Case {
                raw: "https://itunes.apple.com/us/app/id987654321",
                final_url: "https://itunes.apple.com/us/app/id987654321",
                domain: Some("apple.com"),
                app: Some((AppStore::AppleAppStore, "987654321")),
                tracker: None,
                hops: 0,
            },
            Case {
                raw: "https://app.appsflyer.com/com.puzzle.blocks?pid=adx_int&c=br_puzzle&clickid={{CLICK_URL}}",
                final_url: "https://app.appsflyer.com/com.puzzle.blocks?pid=adx_int&c=br_puzzle&clickid=",
                domain: Some("appsflyer.com"),
                app: Some((AppStore::GooglePlay, "com.puzzle.blocks")),
                tracker: Some(AttributionTracker::AppsFlyer),
                hops: 0,
            },
            Case {
                raw: "https://app.appsflyer.com/id1234567890?pid=adx_int",
                final_url: "https://app.appsflyer.com/id1234567890?pid=adx_int",
                domain: Some("appsflyer.com"),
                app: Some((AppStore::AppleAppStore, "1234567890")),
                tracker: Some(AttributionTracker::AppsFlyer),
                hops: 0,
            },
            Case {
                raw: "https://app.adjust.com/abc123?campaign=x&redirect=https%3A%2F%2Fplay.google.com%2Fstore%2Fapps%2Fdetails%3Fid%3Dcom.ride.app",
                final_url: "https://play.google.com/store/apps/details?id=com.ride.app",
                domain: Some("google.com"),
                app: Some((AppStore::GooglePlay, "com.ride.app")),
                tracker: Some(AttributionTracker::Adjust),
                hops: 1,
            },
            Case {
                raw: "https://puzzle.app.link/x1y2?%24fallback_url=https%3A%2F%2Fapps.apple.com%2Fapp%2Fid555555555",
                final_url: "https://apps.apple.com/app/id555555555",
                domain: Some("apple.com"),
                app: Some((AppStore::AppleAppStore, "555555555")),
                tracker: Some(AttributionTracker::Branch),
                hops: 1,
            },
            // A double-encoded chain: redirector → tracker → landing page.
            Case {
                raw: "https://ad.doubleclick.net/clk?adurl=https%253A%252F%252Ftrack.example.net%252Fr%253Furl%253Dhttps%25253A%25252F%25252Fwww.loja.com.br%25252Foferta",
                final_url: "https://www.loja.com.br/oferta",
                domain: Some("loja.com.br"),
                app: None,
                tracker: None,
                hops: 2,
            },
            // Fully encoded URL with a macro in front.
            Case {
                raw: "%%CLICK_URL_ESC%%https%253A%252F%252Fwww.example.com%252F",
                final_url: "https://www.example.com/",
                domain: Some("example.com"),
                app: None,
                tracker: None,
                hops: 0,
            },
            // Target in the path.
            Case {
                raw: "https://r.example-redirect.com/click/https%3A%2F%2Fwww.example.org%2Fpage",
                final_url: "https://www.example.org/page",
                domain: Some("example.org"),
                app: None,
                tracker: None,
                hops: 1,
            },
            Case {
                raw: "https://www.example.com/?a=1&amp;b=2",
                final_url: "https://www.example.com/?a=1&b=2",
                domain: Some("example.com"),
                app: None,
                tracker: None,
                hops: 0,
            },
        ];
        for case in cases {
            let d = parse_destination(case.raw).unwrap_or_else(|| panic!("no destination for {}", case.raw));
            assert_eq!(d.final_url, case.final_url, "{}", case.raw);
            assert_eq!(d.domain.as_deref(), case.domain, "{}", case.raw);
            assert_eq!(
                d.app_store.zip(d.app_id.clone()),
                case.app.map(|(s, id)| (s, id.to_string())),
                "{}",
                case.raw
            );
            assert_eq!(d.tracker, case.tracker, "{}", case.raw);
            assert_eq!(
                d.redirect_hosts.len(),
                case.hops,
                "{} via {:?}",
                case.raw,
                d.redirect_hosts
            );
        }
    }

    #[test]
    fn unreadable_click_urls() {
        assert!(parse_destination("").is_none());
        assert!(parse_destination("%%CLICK_URL_UNESC%%").is_none());
        assert!(parse_destination("not a url").is_none());
    }

    #[test]
    fn html_snippet_click_urls() {
        let snippet = r#"<a href="%%CLICK_URL_UNESC%%https://www.example.com/?a=1&amp;b=2" target="_blank">
            <img src="https://cdn.example.com/banner.png"></a>
            <script>var clickTag = "https://www.other.com/";</script>
            <div onclick="window.open('https://third.example.net/x')"></div>"#;
        assert_eq!(
            html_click_urls(snippet),
            vec![
                "https://www.example.com/?a=1&b=2".to_string(),
                "https://www.other.com/".to_string(),
                "https://third.example.net/x".to_string()
            ]
        );
        assert!(html_click_urls(r##"<a href="#"><img src="https://cdn.x.com/a.png"></a>"##).is_empty());
    }

    #[test]
    fn vast_click_through() {
        let vast = r#"<VAST version="3.0"><Ad><InLine><Creatives><Creative><Linear>
            <VideoClicks><ClickThrough id="c"><![CDATA[%%CLICK_URL_UNESC%%https://play.google.com/store/apps/details?id=com.game]]></ClickThrough>
            <ClickTracking><![CDATA[https://track.example.com/c]]></ClickTracking></VideoClicks>
            <MediaFiles><MediaFile><![CDATA[https://cdn.example.com/v.mp4]]></MediaFile></MediaFiles>
            </Linear></Creative></Creatives></InLine></Ad></VAST>"#;
        assert_eq!(
            vast_click_urls(vast),
            vec!["https://play.google.com/store/apps/details?id=com.game".to_string()]
        );
    }

    #[test]
    fn registrable_domains() {
        assert_eq!(registrable_domain("a.b.example.com").as_deref(), Some("example.com"));
        assert_eq!(
            registrable_domain("www.example.co.uk").as_deref(),
            Some("example.co.uk")
        );
        assert_eq!(registrable_domain("foo.github.io").as_deref(), Some("foo.github.io"));
        assert_eq!(registrable_domain("127.0.0.1").as_deref(), Some("127.0.0.1"));
    }

    proptest! {
        #[test]
        fn decoding_is_idempotent(text in "\\PC*") {
            let once = decode_until_stable(&text);
            prop_assert_eq!(decode_until_stable(&once), once);
        }

        #[test]
        fn parsing_never_panics(text in "\\PC*") {
            let _ = parse_destination(&text);
            let _ = html_click_urls(&text);
            let _ = vast_click_urls(&text);
        }

        #[test]
        fn encoding_levels_do_not_matter(path in "[a-z]{1,10}", levels in 0usize..4) {
            let url = format!("https://www.example.com/{path}");
            let mut encoded = url.clone();
            for _ in 0..levels {
                encoded = percent_encoding::utf8_percent_encode(&encoded, percent_encoding::NON_ALPHANUMERIC).to_string();
            }
            let d = parse_destination(&format!("%%CLICK_URL_ESC%%{encoded}")).ok_or_else(|| TestCaseError::fail("none"))?;
            prop_assert_eq!(d.final_url, url);
        }
    }
}
