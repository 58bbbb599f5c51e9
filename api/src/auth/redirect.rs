//! Where a browser may be sent after signing in: [`safe_next`], the one check of every `next`
//! parameter, so a link of another site cannot make this node redirect there (open redirect).

/// `next` if it is a path on this node, else `/`. Accepted: printable ASCII starting with one
/// `/`, without backslashes, empty or dot segments (so no `//` however it is normalised:
/// browsers drop tabs and newlines and read `\` as `/`) and without control characters.
/// Anything else (`//evil.example`, `/\t/evil.example`, `/\evil.example`,
/// `https://evil.example`, `/./evil`) gives `/`.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if is_local_path(n) => n,
        _ => "/",
    }
}

fn is_local_path(n: &str) -> bool {
    let path = n.split(['?', '#']).next().unwrap_or_default();
    n.len() <= 2048
        && n.starts_with('/')
        && n.bytes().all(|b| b.is_ascii_graphic())
        && !n.contains('\\')
        && !path.contains("//")
        && !path.split('/').any(|seg| matches!(seg, "." | ".."))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        for ok in [
            "/",
            "/verwijzingen",
            "/beheer?x=1&next=//a",
            "/a/b/",
            "/zoek#top",
        ] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in [
            "//evil.example",
            "///evil.example",
            "https://evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/ /evil.example",
            "/\u{0}/evil.example",
            "/\u{85}/evil.example",
            "/./evil.example",
            "/.//evil.example",
            "/a/../../evil.example",
            "/a//evil.example",
            "evil.example",
            "",
            "javascript:alert(1)",
            "/é",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
