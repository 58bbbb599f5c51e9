//! What every page handler knows about its request: who asks ([`Actor`]), in which language,
//! and at which address (for "back" links and sign-in redirects).

use crate::i18n::Lang;
use api::auth::Actor;
use api::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::CookieJar;
use std::convert::Infallible;

/// The request context of a page.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub actor: Actor,
    pub lang: Lang,
    /// Path and query of the request, e.g. `/zoeken?q=wandelen`.
    pub here: String,
    /// The signed-in user's unread notifications (shown in the header).
    pub unread: Option<u64>,
    /// New referrals to the signed-in editor's organisations (shown in the header).
    pub new_referrals: Option<u64>,
}

impl Ctx {
    /// The signed-in user's display name, if any.
    pub fn user_name(&self) -> Option<&str> {
        match &self.actor {
            Actor::User(u) => Some(u.display_name.as_str()),
            _ => None,
        }
    }

    /// Shorthand for `self.lang.t(nl, en)`.
    pub fn t<'a>(&self, nl: &'a str, en: &'a str) -> &'a str {
        self.lang.t(nl, en)
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let jar = CookieJar::from_headers(&parts.headers);
        let actor = parts
            .extensions
            .get::<Actor>()
            .cloned()
            .unwrap_or(Actor::Anonymous);
        // One statement for both numbers; a failed count only hides them, the page still renders.
        let counts = match actor {
            Actor::User(_) => api::services::header_counts::of(&state.db, &actor)
                .await
                .ok(),
            _ => None,
        };
        Ok(Self {
            actor,
            unread: counts.map(|c| c.unread),
            new_referrals: counts.and_then(|c| c.new_referrals),
            lang: Lang::of(parts.uri.query(), &jar),
            here: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into()),
        })
    }
}

/// A local path to return to after sign-in (the node's one rule: [`api::auth::redirect`]).
pub use api::auth::redirect::safe_next;
