//! Where a page may send the browser after a step it took on the way (the login, the language
//! switch): the `next` a request carries is followed only when it is a path of this site, as a
//! browser reads it. Every redirect to a request's `next` goes through [`safe_next`].
//!
//! A browser does not read a `Location` as a string: it drops tabs and newlines anywhere in it
//! (`/\t/evil.example` becomes `//evil.example`, another host), strips leading control
//! characters and spaces, and treats `\` as `/`. So only printable ASCII is accepted, no `\`,
//! nothing that starts with `//`, and, since a path may be decoded once more on the way (a
//! proxy, another redirect), the same holds for the path decoded once (`/%2F%2Fevil.example`).
//! What is left is then parsed as a URL relative to this site and must stay on it.

/// Longer `next` values are refused: no page of ours has a path this long.
pub const MAX_NEXT_LEN: usize = 2048;

/// Where to go when `next` is missing or refused.
const HOME: &str = "/";

/// `next` when it is a path of this site by the rules above, else `None`.
pub fn same_origin_path(next: &str) -> Option<&str> {
    let plain = next.len() <= MAX_NEXT_LEN
        && next.starts_with('/')
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
        && !next.starts_with("//");
    if !plain {
        return None;
    }
    // The path (before any query or fragment), decoded once, must still be a plain path.
    let path = next.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_decoded(path);
    if decoded.starts_with(b"//")
        || decoded
            .iter()
            .any(|&b| b.is_ascii_control() || b == b' ' || b == b'\\')
    {
        return None;
    }
    // Parsed as a browser parses a `Location` relative to this site, it stays on this site.
    let base = url::Url::parse("http://this.site/").expect("a valid base");
    let joined = base.join(next).ok()?;
    (joined.origin() == base.origin()).then_some(next)
}

/// The redirect target for a request's `next`: the path itself when [`same_origin_path`]
/// accepts it, else the home page.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(same_origin_path).unwrap_or(HOME).to_owned()
}

/// `s` with its `%XX` escapes decoded (a `%` not followed by two hex digits stays as it is).
fn percent_decoded(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or_default() * 16 + hex(l).unwrap_or_default()) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where a browser goes for `location` on a page of `http://this.site/`, by the WHATWG
    /// URL parser (the `url` crate implements it as browsers do: tabs and newlines dropped,
    /// `\` read as `/`).
    fn followed_host(location: &str) -> Option<String> {
        let base = url::Url::parse("http://this.site/page").unwrap();
        base.join(location)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
    }

    #[test]
    fn paths_of_this_site_are_kept() {
        for ok in [
            "/",
            "/courses?x=1",
            "/courses?q=quy%E1%BB%81n+con+ng%C6%B0%E1%BB%9Di&page=2",
            "/learn/cong-uoc-iccpr/2",
            "/teach/courses/new#modules",
            "/hr/coverage/01?from=2026-01-01",
            "/login?next=%2Fmy",
        ] {
            assert_eq!(same_origin_path(ok), Some(ok), "{ok}");
            assert_eq!(safe_next(Some(ok)), ok);
        }
    }

    #[test]
    fn anything_else_goes_home() {
        let long = format!("/{}", "a".repeat(MAX_NEXT_LEN));
        let hostile = [
            "",
            "//evil.example",
            "//evil.example/path",
            "///evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\\/evil.example",
            "/%09/evil.example",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "/%5C%5Cevil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "\t//evil.example",
            " //evil.example",
            "/ /evil.example",
            "/\u{0}/evil.example",
            "/\u{1b}/evil.example",
            "/\u{7f}/evil.example",
            "/\u{a0}/evil.example",
            "/\u{3000}/evil.example",
            "/courses\\..\\..\\evil",
            "/%00",
            "/%0d%0aSet-Cookie:%20x=1",
            "https://evil.example",
            "http:evil.example",
            "https:/evil.example",
            "//",
            "evil.example",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            long.as_str(),
        ];
        for bad in hostile {
            assert_eq!(same_origin_path(bad), None, "{bad:?}");
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    /// Whatever comes in, what goes out is a plain path that a browser resolves to this
    /// site: the hostile inputs above, and every short string over a hostile alphabet.
    #[test]
    fn what_is_accepted_stays_on_this_site() {
        let alphabet = [
            "/", "\\", "%", "2F", "5C", "09", "\t", ":", ".", "e", "?", "#", " ",
        ];
        let mut inputs = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = inputs
                .iter()
                .flat_map(|s| alphabet.iter().map(move |a| format!("{s}{a}")))
                .collect();
            inputs.extend(longer);
        }
        for input in &inputs {
            let out = safe_next(Some(input));
            assert!(
                out.starts_with('/') && !out.starts_with("//"),
                "{input:?} → {out:?}"
            );
            assert_eq!(
                followed_host(&out).as_deref(),
                Some("this.site"),
                "{input:?} → {out:?}"
            );
            assert!(
                out.bytes().all(|b| b.is_ascii_graphic()),
                "{input:?} → {out:?}"
            );
            // A value the `Location` header takes (`Redirect::to` panics otherwise).
            assert!(axum::http::HeaderValue::from_str(&out).is_ok());
        }
    }
}
