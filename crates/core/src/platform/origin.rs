//! Which web origins a request comes from, for the CSRF check and first-run setup.

/// The origin of an http(s) URL, as browsers serialise it in `Origin`: `scheme://host`
/// with the port only when it is not the scheme's default, lower case.
pub fn origin_of_url(text: &str) -> Option<String> {
    let url = url::Url::parse(text.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return None;
    }
    Some(url.origin().ascii_serialization())
}

/// The origin a request should come from when no public URL is configured: the scheme
/// the server is reached by (https when it sets Secure cookies) and the Host header.
pub fn expected_origin(host_header: &str, https: bool) -> Option<String> {
    if host_header.is_empty() || host_header.contains(['/', '\\', '@', ' ']) {
        return None;
    }
    origin_of_url(&format!("{}://{host_header}", if https { "https" } else { "http" }))
}

/// True when a Host header names an IP address or `localhost` (any port). DNS rebinding
/// needs a name the attacker controls, so such hosts cannot be the attacker's page.
pub fn host_is_address(host_header: &str) -> bool {
    let host = match host_header.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host_header.rsplit_once(':').map_or(host_header, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok()
}

/// Where to go after signing in: `next` when it is a same-origin absolute path, else
/// `fallback`. One leading `/`, then no second `/` or `\` (browsers read `//host` and
/// `/\host` as another site), and no control character, backslash or non-ASCII byte
/// anywhere (browsers drop tabs and newlines, so `/\t/host` becomes `//host`; a newline
/// cannot go into a header at all).
pub fn local_redirect<'a>(next: &'a str, fallback: &'a str) -> &'a str {
    let local = next.starts_with('/')
        && !next[1..].starts_with(['/', '\\'])
        && next.bytes().all(|b| (b.is_ascii_graphic() && b != b'\\') || b == b' ')
        && next.len() <= 2048;
    if local {
        next
    } else {
        fallback
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redirects_stay_on_this_site() {
        for bad in [
            "/\t/evil.example",
            "/\n/x",
            "//evil.example",
            "/\\evil",
            "/a\\b",
            "https://evil.example",
            "/caf\u{e9}",
            "",
        ] {
            assert_eq!(super::local_redirect(bad, "/home"), "/home", "{bad:?}");
        }
        assert_eq!(super::local_redirect("/app/import?x=1", "/home"), "/app/import?x=1");
    }

    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(
            origin_of_url("https://Rtbcat.Example.com/path?x=1").as_deref(),
            Some("https://rtbcat.example.com")
        );
        assert_eq!(
            origin_of_url("https://a.example:443/").as_deref(),
            Some("https://a.example")
        );
        assert_eq!(
            origin_of_url("http://a.example:8000").as_deref(),
            Some("http://a.example:8000")
        );
        assert_eq!(origin_of_url("ftp://a.example"), None);
        assert_eq!(origin_of_url("not a url"), None);
        assert_eq!(
            expected_origin("127.0.0.1:8000", false).as_deref(),
            Some("http://127.0.0.1:8000")
        );
        assert_eq!(expected_origin("a.example", true).as_deref(), Some("https://a.example"));
        assert_eq!(expected_origin("evil.example/@x", false), None);
    }

    #[test]
    fn address_hosts() {
        for host in [
            "127.0.0.1:8000",
            "127.0.0.1",
            "[::1]:8000",
            "localhost:8000",
            "10.1.2.3",
        ] {
            assert!(host_is_address(host), "{host}");
        }
        for host in ["evil.example:8000", "rtbcat.example.com", "localhost.evil.example", ""] {
            assert!(!host_is_address(host), "{host}");
        }
    }
}
