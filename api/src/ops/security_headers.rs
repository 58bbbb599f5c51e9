//! Security headers on every response, set at the router root: a Content-Security-Policy
//! without inline script or style (the pages load `/static/app.js` and `/static/app.css`),
//! framing refused (`frame-ancestors 'none'`, `X-Frame-Options: DENY`), no MIME sniffing,
//! referrers only to this node (addresses such as `/verwijzingen/{id}` stay here), and HSTS
//! when the node runs behind TLS (`auth.secure_cookies`). A handler that needs another policy
//! (GraphiQL, [`graphiql_policy`]) sets its own `Content-Security-Policy`, which is kept.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The policy of the node's own pages and API answers.
pub const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// One year, the usual HSTS lifetime.
const HSTS: &str = "max-age=31536000";

/// The headers for a node (HSTS only when `https`).
pub fn headers(https: bool) -> Vec<(HeaderName, HeaderValue)> {
    let mut h = vec![
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(POLICY),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
    ];
    if https {
        h.push((
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        ));
    }
    h
}

/// Middleware adding [`headers`] to every response that has not set them itself.
pub async fn add(https: bool, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    set_missing(res.headers_mut(), headers(https));
    res
}

fn set_missing(target: &mut HeaderMap, headers: Vec<(HeaderName, HeaderValue)>) {
    for (name, value) in headers {
        if !target.contains_key(&name) {
            target.insert(name, value);
        }
    }
}

/// The policy of the GraphiQL page: its scripts and styles come from unpkg.com; its inline
/// script is allowed by its hash (computed from `html`), inline styles are allowed there only.
pub fn graphiql_policy(html: &str) -> String {
    let hashes: Vec<String> = html
        .split("<script>")
        .skip(1)
        .filter_map(|rest| rest.split("</script>").next())
        .map(|body| {
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()))
            )
        })
        .collect();
    format!(
        "default-src 'self'; script-src https://unpkg.com {}; \
         style-src https://unpkg.com 'unsafe-inline'; img-src 'self' data: https://graphql.org; \
         font-src 'self' data: https://unpkg.com; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        hashes.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphiql_inline_scripts_are_hashed() {
        let p = graphiql_policy("<script src=\"x\"></script><script>alert(1)</script>");
        let expected =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"alert(1)"));
        assert!(p.contains(&format!("'sha256-{expected}'")), "{p}");
        assert!(!p.contains("script-src https://unpkg.com 'unsafe-inline'"));
        assert!(
            headers(true)
                .iter()
                .any(|(n, _)| n == header::STRICT_TRANSPORT_SECURITY)
        );
        assert!(
            !headers(false)
                .iter()
                .any(|(n, _)| n == header::STRICT_TRANSPORT_SECURITY)
        );
    }
}
