//! Partners, funding and attributes of an offer: the section on the offer page (shown to
//! GPs), the funding line on search cards, the search filters (network, peer-led, delivery
//! mode, wheelchair) and the editors' form (`/aanbod/{id}/financiering`).

use crate::ctx::Ctx;
use crate::error::{OrPage, PageError, PageResult};
use crate::form::{Errors, FormData, answer, error_line};
use crate::i18n::Lang;
use crate::layout::{encode, page};
use api::domain::GlobalId;
use api::domain::funding::{
    Access, DeliveryMode, FunderKind, FundingRoute, NetworkDetails, NetworkDetailsFields,
    attribute, mode_attribute,
};
use api::error::{AppError, AppResult};
use api::read_model::funding as read;
use api::services::network as svc;
use api::services::offer_view::OfferView;
use api::state::AppState;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use entities::network;
use maud::{Markup, html};
use std::collections::HashMap;

/// Dutch and English words of a funder kind.
pub fn funder_kind(lang: Lang, k: FunderKind) -> &'static str {
    match k {
        FunderKind::Gemeente => lang.t("gemeente", "municipality"),
        FunderKind::Zorgverzekeraar => lang.t("zorgverzekeraar", "health insurer"),
        FunderKind::Fonds => lang.t("fonds", "fund"),
        FunderKind::Other => lang.t("anders", "other"),
    }
}

/// Dutch and English words of a funding route.
pub fn route_label(lang: Lang, r: FundingRoute) -> &'static str {
    match r {
        FundingRoute::Wmo => lang.t("Wmo (gemeente)", "Wmo (municipality)"),
        FundingRoute::Zvw => lang.t("Zvw (zorgverzekering)", "Zvw (health insurance)"),
        FundingRoute::EigenBijdrage => lang.t("eigen bijdrage", "own contribution"),
        FundingRoute::Gratis => lang.t("gratis", "free"),
    }
}

/// Dutch and English words of a delivery mode.
pub fn mode_label(lang: Lang, m: DeliveryMode) -> &'static str {
    match m {
        DeliveryMode::Online => lang.t("online", "online"),
        DeliveryMode::Hybrid => lang.t("deels online, deels op locatie", "hybrid"),
        DeliveryMode::OnSite => lang.t("op locatie", "on site"),
    }
}

/// "Gemeente Nijmegen (gemeente), ... · Wmo (gemeente)": the funding in one line; none when
/// nothing is known.
pub fn funding_line(lang: Lang, d: &NetworkDetails) -> Option<String> {
    let funders: Vec<String> = (d.funders.iter())
        .map(|f| format!("{} ({})", f.name, funder_kind(lang, f.kind)))
        .collect();
    let routes: Vec<&str> = d.routes.iter().map(|r| route_label(lang, *r)).collect();
    let parts: Vec<String> = [funders.join(", "), routes.join(", ")]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// The funding and attribute facts of a search card (one `div` of its `dl` each).
pub fn card_facts(ctx: &Ctx, d: Option<&NetworkDetails>) -> Markup {
    let Some(d) = d else { return html! {} };
    html! {
        @if let Some(line) = funding_line(ctx.lang, d) {
            div { dt { (ctx.t("Financiering", "Funding")) } dd.funding { (line) } }
        }
        @if d.peer_led {
            div { dt { (ctx.t("Begeleiding", "Led by")) } dd.peer-led { (ctx.t("ervaringsdeskundigen", "experts by experience")) } }
        }
    }
}

/// The offer page's section: partners, funding, how it is delivered and accessibility.
pub async fn section(
    state: &AppState,
    ctx: &Ctx,
    v: &OfferView,
    can_edit: bool,
) -> AppResult<Markup> {
    let o = &v.offer;
    let d = read::details_by_offer(&state.db, &[o.id.as_str()])
        .await?
        .remove(&o.id)
        .unwrap_or_default();
    let partners =
        api::read_model::offer::organisations(&state.db, d.partners.iter().cloned()).await?;
    let access = [
        (
            d.access.wheelchair,
            ctx.t("rolstoeltoegankelijk", "wheelchair accessible"),
        ),
        (d.access.hearing_loop, ctx.t("ringleiding", "hearing loop")),
        (
            d.access.public_transport,
            ctx.t("openbaar vervoer dichtbij", "public transport nearby"),
        ),
    ];
    let access: Vec<&str> = access
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, t)| *t)
        .collect();
    Ok(html! {
        section.offer-funding aria-labelledby="samenwerking" {
            h2 #samenwerking { (ctx.t("Samenwerking en financiering", "Partners and funding")) }
            dl {
                div { dt { (ctx.t("Georganiseerd door", "Run by")) } dd.partners {
                    (v.organisation.name)
                    @for p in &d.partners {
                        ", " (partners.get(p).map(|o| o.name.as_str()).unwrap_or(p.as_str()))
                    }
                } }
                div { dt { (ctx.t("Financiering", "Funding")) } dd.funding {
                    (funding_line(ctx.lang, &d).unwrap_or_else(|| ctx.t("niet opgegeven", "not given").to_string()))
                } }
                @if d.peer_led {
                    div { dt { (ctx.t("Begeleiding", "Led by")) } dd.peer-led { (ctx.t("ervaringsdeskundigen (peer-led)", "experts by experience (peer-led)")) } }
                }
                @if let Some(m) = d.mode {
                    div { dt { (ctx.t("Vorm", "Delivery")) } dd.mode { (mode_label(ctx.lang, m)) } }
                }
                @if !access.is_empty() {
                    div { dt { (ctx.t("Toegankelijkheid", "Accessibility")) } dd.access { (access.join(", ")) } }
                }
            }
            @if can_edit {
                p { a href=(format!("/aanbod/{}/financiering", encode(&o.id))) {
                    (ctx.t("Samenwerking en financiering wijzigen", "Change partners and funding"))
                } }
            }
        }
    })
}

/// The search page's extra filters, as given in the link.
#[derive(Debug, Default)]
pub struct NetworkFilter<'a> {
    /// Network id (`netwerk`).
    pub network: &'a str,
    /// Peer-led only (`ervaring`).
    pub peer_led: bool,
    /// Delivery mode (`vorm`).
    pub mode: &'a str,
    /// Wheelchair accessible only (`rolstoel`).
    pub wheelchair: bool,
}

impl NetworkFilter<'_> {
    /// How many of these filters are on.
    pub fn active(&self) -> usize {
        usize::from(!self.network.is_empty())
            + usize::from(self.peer_led)
            + usize::from(!self.mode.is_empty())
            + usize::from(self.wheelchair)
    }

    /// The organisations (a network's members) and stored attributes the search asks for.
    pub async fn resolve(&self, state: &AppState) -> AppResult<(Option<Vec<String>>, Vec<String>)> {
        let orgs = match self.network.trim() {
            "" => None,
            id => Some(read::member_ids(&state.db, id).await?),
        };
        let mut attributes = Vec::new();
        if self.peer_led {
            attributes.push(attribute::PEER_LED.to_string());
        }
        if !self.mode.is_empty() {
            let mode = DeliveryMode::parse(self.mode).map_err(|e| e.in_field("vorm"))?;
            attributes.push(mode_attribute(mode));
        }
        if self.wheelchair {
            attributes.push(attribute::WHEELCHAIR.to_string());
        }
        Ok((orgs, attributes))
    }

    /// The filters' fields on the search form.
    pub fn fields(&self, ctx: &Ctx, networks: &[network::Model]) -> Markup {
        html! {
            fieldset.field.choices.network-filters {
                legend { (ctx.t("Netwerk en vorm", "Network and delivery")) }
                div.field {
                    label for="f-netwerk" { (ctx.t("Netwerk", "Network")) }
                    select #f-netwerk name="netwerk" {
                        option value="" { (ctx.t("Alle netwerken", "All networks")) }
                        @for n in networks {
                            option value=(n.id) selected[n.id == self.network] { (n.name) }
                        }
                    }
                }
                div.field {
                    label for="f-vorm" { (ctx.t("Vorm", "Delivery")) }
                    select #f-vorm name="vorm" {
                        option value="" { (ctx.t("Alle vormen", "Any")) }
                        @for m in DeliveryMode::ALL {
                            option value=(m.as_str()) selected[m.as_str() == self.mode] { (mode_label(ctx.lang, *m)) }
                        }
                    }
                }
                div.choice {
                    input #f-ervaring type="checkbox" name="ervaring" value="1" checked[self.peer_led];
                    label for="f-ervaring" { (ctx.t("Door ervaringsdeskundigen", "Peer-led")) }
                }
                div.choice {
                    input #f-rolstoel type="checkbox" name="rolstoel" value="1" checked[self.wheelchair];
                    label for="f-rolstoel" { (ctx.t("Rolstoeltoegankelijk", "Wheelchair accessible")) }
                }
            }
        }
    }
}

/// The details as form values.
fn values_of(d: &NetworkDetails) -> FormData {
    let mut v: Vec<(String, String)> = Vec::new();
    v.push(("partners".into(), d.partners.join("\n")));
    let funders: Vec<String> = (d.funders.iter())
        .map(|f| format!("{}; {}", f.name, f.kind.as_str()))
        .collect();
    v.push(("funders".into(), funders.join("\n")));
    v.extend(
        d.routes
            .iter()
            .map(|r| ("route".to_string(), r.as_str().to_string())),
    );
    let flags = [
        ("peer_led", d.peer_led),
        ("wheelchair", d.access.wheelchair),
        ("hearing_loop", d.access.hearing_loop),
        ("public_transport", d.access.public_transport),
    ];
    v.extend(
        flags
            .iter()
            .filter(|(_, on)| *on)
            .map(|(k, _)| (k.to_string(), "1".to_string())),
    );
    v.push((
        "mode".into(),
        d.mode.map(|m| m.as_str().to_string()).unwrap_or_default(),
    ));
    FormData(v)
}

fn form(ctx: &Ctx, v: &OfferView, f: &FormData, errors: &Errors) -> Markup {
    let o = &v.offer;
    let checkbox = |name: &str, label: &str| {
        let id = format!("f-{name}");
        html! { div.choice { input id=(id) type="checkbox" name=(name) value="1" checked[f.checked(name)]; label for=(id) { (label) } } }
    };
    let area = |name: &str, label: &str, hint: &str| {
        let id = format!("f-{name}");
        let hint_id = format!("{id}-hint");
        html! { div.field {
            label for=(id) { (label) }
            p.hint id=(hint_id) { (hint) }
            @let error_id = format!("{id}-error");
            @if let Some(e) = errors.get(name) { (error_line(ctx.lang, &error_id, e)) }
            textarea id=(id) name=(name) rows="3" aria-describedby=(hint_id) { (f.value(name)) }
        } }
    };
    let routes = f.all("route");
    page(
        ctx,
        &format!(
            "{}: {}",
            o.title,
            ctx.t("samenwerking en financiering", "partners and funding")
        ),
        html! {
            p { a href=(format!("/aanbod/{}", encode(&o.id))) { (ctx.t("Terug naar het aanbod", "Back to the offer")) } }
            form method="post" action=(format!("/aanbod/{}/financiering", encode(&o.id))) {
                (errors.summary(ctx))
                input type="hidden" name="version" value=(o.version);
                (area("partners", ctx.t("Partnerorganisaties", "Partner organisations"),
                    ctx.t("Eén id van een organisatie per regel.", "One organisation id per line.")))
                (area("funders", ctx.t("Financiers", "Funders"),
                    ctx.t("Eén per regel: naam; soort (gemeente, zorgverzekeraar, fonds of other).", "One per line: name; kind (gemeente, zorgverzekeraar, fonds or other).")))
                fieldset.field.choices {
                    legend { (ctx.t("Financieringsroute", "Funding route")) }
                    @if let Some(e) = errors.get("route") { (error_line(ctx.lang, "f-route-error", e)) }
                    @for r in FundingRoute::ALL {
                        @let id = format!("f-route-{}", r.as_str());
                        div.choice {
                            input id=(id) type="checkbox" name="route" value=(r.as_str()) checked[routes.contains(&r.as_str())];
                            label for=(id) { (route_label(ctx.lang, *r)) }
                        }
                    }
                }
                div.field {
                    label for="f-mode" { (ctx.t("Vorm", "Delivery")) }
                    @if let Some(e) = errors.get("mode") { (error_line(ctx.lang, "f-mode-error", e)) }
                    select #f-mode name="mode" {
                        option value="" { (ctx.t("Niet opgegeven", "Not given")) }
                        @for m in DeliveryMode::ALL {
                            option value=(m.as_str()) selected[m.as_str() == f.value("mode")] { (mode_label(ctx.lang, *m)) }
                        }
                    }
                }
                fieldset.field.choices {
                    legend { (ctx.t("Kenmerken", "Attributes")) }
                    (checkbox("peer_led", ctx.t("Begeleid door ervaringsdeskundigen", "Led by experts by experience")))
                    (checkbox("wheelchair", ctx.t("Rolstoeltoegankelijk", "Wheelchair accessible")))
                    (checkbox("hearing_loop", ctx.t("Ringleiding", "Hearing loop")))
                    (checkbox("public_transport", ctx.t("Openbaar vervoer dichtbij", "Public transport nearby")))
                }
                p { button type="submit" { (ctx.t("Opslaan", "Save")) } }
            }
        },
    )
}

/// The form's values as raw fields; funder lines are `name; kind`.
fn fields_of(f: &FormData) -> NetworkDetailsFields {
    let lines = |name: &str| -> Vec<String> {
        (f.value(name).lines())
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    NetworkDetailsFields {
        partners: lines("partners"),
        funders: (lines("funders").into_iter())
            .map(|l| match l.rsplit_once(';') {
                Some((name, kind)) => (name.trim().to_string(), kind.trim().to_string()),
                None => (l, "other".to_string()),
            })
            .collect(),
        routes: f.all("route").into_iter().map(str::to_string).collect(),
        peer_led: f.checked("peer_led"),
        mode: f.get("mode").map(str::to_string),
        access: Access {
            wheelchair: f.checked("wheelchair"),
            hearing_loop: f.checked("hearing_loop"),
            public_transport: f.checked("public_transport"),
        },
    }
}

/// A domain error's field as the form's field (`funders.0.name` is `funders`).
fn form_field(e: AppError) -> AppError {
    let field = e
        .field_name()
        .map(|f| match f.split('.').next().unwrap_or(f) {
            "routes" => "route".to_string(),
            first => first.to_string(),
        });
    match field {
        Some(field) => AppError::field(field, e.text()),
        None => e,
    }
}

/// `GET /aanbod/{id}/financiering`: the editors' form.
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> PageResult {
    let v = super::manage::editable(&state, &ctx, &id).await?;
    let d: HashMap<String, NetworkDetails> =
        read::details_by_offer(&state.db, &[v.offer.id.as_str()])
            .await
            .or_page(&ctx)?;
    let values = values_of(d.get(&v.offer.id).unwrap_or(&NetworkDetails::default()));
    Ok(form(&ctx, &v, &values, &Errors::none()).into_response())
}

/// `POST /aanbod/{id}/financiering`.
pub async fn edit_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    f: FormData,
) -> PageResult {
    let v = super::manage::editable(&state, &ctx, &id).await?;
    let Some(version) = f.get("version").and_then(|v| v.parse().ok()) else {
        return Err(PageError::new(
            &ctx,
            AppError::bad_input("the form has no version; reload it"),
        ));
    };
    let gid = GlobalId::parse(&v.offer.id).or_page(&ctx)?;
    let result = match NetworkDetails::parse(fields_of(&f), &v.organisation.id) {
        Ok(d) => svc::set_offer_details(&state, &ctx.actor, &gid, version, d).await,
        Err(e) => Err(e),
    }
    .map_err(form_field);
    answer(
        &ctx,
        result,
        |o| format!("/aanbod/{}", encode(&o.id)),
        |errors| form(&ctx, &v, &f, errors),
    )
}
