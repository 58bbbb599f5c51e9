//! A real OpenID Connect provider for tests: `tests/oidc/provider.mjs` (npm `oidc-provider`)
//! started with node on a loopback port, plus a small browser that drives its login pages.

use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};

/// Client id registered at the test provider.
pub const CLIENT_ID: &str = "wijkwijzer";
/// Its secret.
pub const CLIENT_SECRET: &str = "test-secret";
/// Audience of the provider's JWT access tokens.
pub const AUDIENCE: &str = "urn:wijkwijzer:api";

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc")
}

/// Installs the provider's npm packages once, when missing.
fn ensure_installed() {
    crate::npm::ensure_installed(&dir(), "oidc-provider");
}

/// A running provider; killed on drop.
pub struct OidcProvider {
    pub port: u16,
    pub issuer: String,
    child: tokio::process::Child,
}

impl OidcProvider {
    /// Starts the provider on `port` (0: a port the provider binds and reports, see
    /// [`port`](Self::port)) for a node whose callback is `redirect_uri`; access tokens live
    /// `access_ttl` seconds.
    pub async fn start(port: u16, redirect_uri: &str, access_ttl: u32) -> Self {
        Self::start_with_peers(port, redirect_uri, access_ttl, &[]).await
    }

    /// Like [`start`](Self::start), with clients of peer nodes (`(client_id, secret)`) that
    /// get access tokens through the client-credentials grant at [`token_url`](Self::token_url).
    pub async fn start_with_peers(
        port: u16,
        redirect_uri: &str,
        access_ttl: u32,
        peer_clients: &[(&str, &str)],
    ) -> Self {
        Self::start_full(port, redirect_uri, access_ttl, peer_clients, AUDIENCE).await
    }

    /// Like [`start_with_peers`](Self::start_with_peers), with `audience` as the default
    /// audience of access tokens (tokens asked with a `resource` get that resource).
    pub async fn start_full(
        port: u16,
        redirect_uri: &str,
        access_ttl: u32,
        peer_clients: &[(&str, &str)],
        audience: &str,
    ) -> Self {
        ensure_installed();
        let peers: Vec<serde_json::Value> = peer_clients
            .iter()
            .map(|(id, secret)| serde_json::json!({"client_id": id, "client_secret": secret}))
            .collect();
        // What node says on stderr, shown when it does not get ready.
        let mut stderr = tempfile::tempfile().expect("a file for the provider's stderr");
        let mut child = tokio::process::Command::new("node")
            .arg("provider.mjs")
            .current_dir(dir())
            .env("PORT", port.to_string())
            .env("REDIRECT_URI", redirect_uri)
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("AUDIENCE", audience)
            .env("ACCESS_TTL", access_ttl.to_string())
            .env("PEER_CLIENTS", serde_json::Value::from(peers).to_string())
            .stdout(Stdio::piped())
            .stderr(
                stderr
                    .try_clone()
                    .expect("a second handle on the provider's stderr"),
            )
            .kill_on_drop(true)
            .spawn()
            .expect("start node tests/oidc/provider.mjs");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(std::time::Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(issuer) = line.strip_prefix("ready ") {
                    return issuer.to_string();
                }
            }
            panic!("provider exited before it was ready");
        })
        .await
        .unwrap_or_else(|_| {
            use std::io::{Read, Seek};
            let mut said = String::new();
            let _ = stderr
                .rewind()
                .and_then(|()| stderr.read_to_string(&mut said));
            let exited = child.try_wait().ok().flatten();
            panic!("provider not ready within 60 s (exited: {exited:?}); its stderr:\n{said}")
        });
        // Keep draining stdout: node dies of EPIPE when it logs into a closed pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let port = ready
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("issuer with a port");
        Self {
            port,
            issuer: ready,
            child,
        }
    }

    /// The provider's token endpoint.
    pub fn token_url(&self) -> String {
        format!("{}/token", self.issuer)
    }

    /// Stops the provider and waits for it.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A tiny browser: a cookie jar (cookies ignore ports, as in browsers) and manual redirects.
pub struct Browser {
    pub client: reqwest::Client,
    pub cookies: HashMap<String, String>,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    /// A browser with an empty jar.
    pub fn new() -> Self {
        Self {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, res: &reqwest::Response) {
        for c in res.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
            let pair = c.split(';').next().unwrap();
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() || c.to_ascii_lowercase().contains("expires=thu, 01 jan 1970") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
    }

    /// GET with the jar; the response is not followed.
    pub async fn get(&mut self, url: &str) -> reqwest::Response {
        let res = self
            .client
            .get(url)
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&res);
        res
    }

    async fn post_form(&mut self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let res = self
            .client
            .post(url)
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&res);
        res
    }

    /// Follows redirects from `url`, signing in as `email` on the provider's login form and
    /// confirming consent, until a redirect to a URL starting with `stop` (returned).
    pub async fn sign_in_at_provider(&mut self, url: &str, email: &str, stop: &str) -> String {
        let mut next = url.to_string();
        for _ in 0..20 {
            let res = self.get(&next).await;
            let base = res.url().clone();
            if res.status().is_redirection() {
                let loc = res.headers()["location"].to_str().unwrap().to_string();
                let loc = base.join(&loc).unwrap().to_string();
                if loc.starts_with(stop) {
                    return loc;
                }
                next = loc;
                continue;
            }
            let html = res.text().await.unwrap();
            let action = html
                .split("action=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or_else(|| panic!("no form in provider page: {html}"))
                .to_string();
            let target = base.join(&action).unwrap().to_string();
            let mut fields: Vec<(String, String)> = hidden_inputs(&html);
            if html.contains("name=\"login\"") {
                fields.push(("login".into(), email.into()));
                fields.push(("password".into(), "any".into()));
            }
            let form: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let res = self.post_form(&target, &form).await;
            assert!(res.status().is_redirection(), "form post: {}", res.status());
            let loc = res.headers()["location"].to_str().unwrap().to_string();
            let loc = base.join(&loc).unwrap().to_string();
            if loc.starts_with(stop) {
                return loc;
            }
            next = loc;
        }
        panic!("sign-in did not finish");
    }
}

/// The `name`/`value` pairs of the hidden inputs of an HTML page.
fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    let attr = |tag: &str, name: &str| {
        tag.split(&format!("{name}=\""))
            .nth(1)
            .and_then(|s| s.split('"').next())
            .map(str::to_string)
    };
    html.split("<input")
        .skip(1)
        .filter_map(|rest| rest.split('>').next())
        .filter(|tag| tag.contains("type=\"hidden\""))
        .filter_map(|tag| Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default())))
        .collect()
}

/// Gets a JWT access token for `email` as the registered client (code flow with PKCE), with
/// `redirect_uri` the registered callback (intercepted, never called).
pub async fn access_token(provider: &OidcProvider, redirect_uri: &str, email: &str) -> String {
    tokens(provider, redirect_uri, email).await.0
}

/// A client-credentials access token of peer client `(client_id, secret)`, asked for
/// `resource` (none: the provider's default audience).
pub async fn client_credentials_token(
    provider: &OidcProvider,
    (client_id, secret): (&str, &str),
    resource: Option<&str>,
) -> String {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(r) = resource {
        form.push(("resource", r));
    }
    let res: serde_json::Value = reqwest::Client::new()
        .post(provider.token_url())
        .basic_auth(client_id, Some(secret))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    res["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access token: {res}"))
        .to_string()
}

/// Like [`access_token`], returning the access token and the ID token.
pub async fn tokens(provider: &OidcProvider, redirect_uri: &str, email: &str) -> (String, String) {
    let verifier = format!("verifier-{}-{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    let mut auth = reqwest::Url::parse(&format!("{}/auth", provider.issuer)).unwrap();
    auth.query_pairs_mut()
        .append_pair("client_id", CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid email")
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", "test-state")
        .append_pair("nonce", "test-nonce")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let mut browser = Browser::new();
    let back = browser
        .sign_in_at_provider(auth.as_str(), email, redirect_uri)
        .await;
    let back = reqwest::Url::parse(&back).unwrap();
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.to_string())
        .unwrap_or_else(|| panic!("no code in {back}"));
    let res: serde_json::Value = browser
        .client
        .post(format!("{}/token", provider.issuer))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = res["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access token: {res}"))
        .to_string();
    let id = res["id_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no ID token: {res}"))
        .to_string();
    (access, id)
}
