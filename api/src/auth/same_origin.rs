//! The one same-origin rule against cross-site request forgery (CSRF), login CSRF and
//! cross-site websocket hijacking, applied to every request at the router root
//! ([`guard`], called by the `authenticate` middleware):
//!
//! - A state-changing request (any method but `GET`, `HEAD`, `OPTIONS`, `TRACE`) that does not
//!   authenticate with a bearer token or as a peer node must come from this node's own pages:
//!   form posts, `/auth/login`, `/auth/logout`, `/inloggen`.
//! - GraphQL (`/graphql`, `/graphql/ws`) with the session cookie must come from this node's own
//!   pages whatever the method (so also websocket upgrades), and a `POST` must be JSON: a
//!   cross-site page cannot send `application/json` without a CORS preflight. Anonymous and
//!   bearer-token GraphQL calls are left to CORS (`[cors]`).
//!
//! "Own pages" is decided by [`is_same_origin`]: the `Origin` header (never `null`), else
//! `Sec-Fetch-Site`, else the `Referer`; a request with none of them does not come from a
//! browser page (browsers send `Origin` on every cross-site `POST` and websocket handshake).

use crate::auth::request::{self, Credentials};
use crate::error::{AppError, AppResult};
use axum::http::{HeaderMap, Method, Uri, header};

/// What the rule needs to know about this node.
#[derive(Clone, Copy, Debug)]
pub struct Site<'a> {
    /// `node.base_url`, when configured: its origin is always this node's.
    pub base_url: Option<&'a str>,
    /// Served behind TLS (`auth.secure_cookies`): only `https` origins are this node's.
    pub https_only: bool,
}

/// The `scheme://host[:port]` part of a URL, lower-cased; `None` for anything else.
fn origin_of(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some((scheme.to_ascii_lowercase(), authority.to_ascii_lowercase()))
}

/// The host (and port) the request was sent to: `Host`, or the URI's authority (HTTP/2).
fn request_host(uri: &Uri, headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| uri.authority().map(|a| a.as_str().to_string()))
        .map(|h| h.to_ascii_lowercase())
}

/// Whether `url` (an `Origin` or `Referer`) is this node: the origin of `node.base_url`, or
/// the request's own host with `https` (or `http` unless `https_only`).
fn is_own(url: &str, site: Site<'_>, host: Option<&str>) -> bool {
    let Some((scheme, authority)) = origin_of(url) else {
        return false;
    };
    if let Some((b_scheme, b_authority)) = site.base_url.and_then(origin_of)
        && b_scheme == scheme
        && b_authority == authority
    {
        return true;
    }
    let scheme_ok = scheme == "https" || (scheme == "http" && !site.https_only);
    scheme_ok && host.is_some_and(|h| h == authority)
}

/// A header's text; a header that is not visible ASCII reads as a value that matches nothing.
fn text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).map(|v| v.to_str().unwrap_or("\u{0}"))
}

/// Whether the request comes from this node's own pages, or not from a browser page at all.
/// `Origin: null` (sandboxed frames, some redirects, `file:` pages) never passes.
pub fn is_same_origin(site: Site<'_>, uri: &Uri, headers: &HeaderMap) -> bool {
    let host = request_host(uri, headers);
    if let Some(origin) = text(headers, "origin") {
        return is_own(origin, site, host.as_deref());
    }
    if let Some(fetch_site) = text(headers, "sec-fetch-site") {
        return matches!(fetch_site, "same-origin" | "none");
    }
    if let Some(referer) = text(headers, "referer") {
        return is_own(referer, site, host.as_deref());
    }
    true
}

/// Whether the request body is declared JSON (`application/json`, parameters allowed).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

/// Whether `path` is the GraphQL endpoint or its websocket.
fn is_graphql(path: &str) -> bool {
    path == "/graphql" || path == "/graphql/ws"
}

/// Applies the rule (see the module documentation); `FORBIDDEN` when it is broken.
pub fn guard(site: Site<'_>, method: &Method, uri: &Uri, headers: &HeaderMap) -> AppResult<()> {
    let credentials = request::credentials(headers);
    if matches!(credentials, Credentials::Bearer | Credentials::Peer) {
        return Ok(());
    }
    if is_graphql(uri.path()) {
        if credentials != Credentials::Cookie {
            return Ok(());
        }
        if !is_same_origin(site, uri, headers) {
            return Err(AppError::Forbidden(
                "cross-site GraphQL requests with the session cookie are refused".into(),
            ));
        }
        if *method == Method::POST && !is_json(headers) {
            return Err(AppError::Forbidden(
                "GraphQL requests with the session cookie must be sent as application/json".into(),
            ));
        }
        return Ok(());
    }
    if !method.is_safe() && !is_same_origin(site, uri, headers) {
        return Err(AppError::Forbidden(
            "cross-site form posts are refused".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const SITE: Site<'static> = Site {
        base_url: None,
        https_only: false,
    };

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("node.example:8080"));
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    fn same(pairs: &[(&'static str, &'static str)]) -> bool {
        is_same_origin(SITE, &Uri::from_static("/x"), &headers(pairs))
    }

    #[test]
    fn only_this_nodes_origin_passes() {
        assert!(same(&[("origin", "http://node.example:8080")]));
        assert!(same(&[("origin", "HTTPS://Node.Example:8080")]));
        assert!(!same(&[("origin", "http://evil.example")]));
        assert!(!same(&[(
            "origin",
            "http://node.example:8080.evil.example"
        )]));
        assert!(!same(&[("origin", "http://node.example")]), "other port");
        assert!(!same(&[("origin", "null")]));
        assert!(!same(&[("origin", "")]));
        assert!(!same(&[("sec-fetch-site", "cross-site")]));
        assert!(!same(&[("sec-fetch-site", "same-site")]));
        assert!(same(&[("sec-fetch-site", "same-origin")]));
        assert!(!same(&[(
            "referer",
            "https://evil.example/node.example:8080"
        )]));
        assert!(same(&[("referer", "http://node.example:8080/beheer")]));
        assert!(same(&[]), "not a browser page");
        let tls = Site {
            base_url: Some("https://wijk.example/"),
            https_only: true,
        };
        let h = headers(&[("origin", "http://node.example:8080")]);
        assert!(
            !is_same_origin(tls, &Uri::from_static("/"), &h),
            "http behind TLS"
        );
        let h = headers(&[("origin", "https://wijk.example")]);
        assert!(is_same_origin(tls, &Uri::from_static("/"), &h), "base_url");
    }
}
