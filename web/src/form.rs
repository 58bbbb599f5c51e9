//! Plain HTML forms: reading submitted fields, and rendering inputs with their label, hint and
//! error next to them (`aria-invalid`, `aria-describedby`), plus an error summary that links
//! to each field at fault. Field names follow the services' input paths (`title`,
//! `schedule.0.opensAt`, `locations.0.postcode`), so a service error lands beside its input.

use crate::ctx::Ctx;
use crate::error::{OrPage, PageError};
use crate::i18n::{Lang, service_message};
use api::error::AppError;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use std::collections::BTreeMap;

/// Submitted form fields in order (repeated names allowed, e.g. checkboxes).
#[derive(Clone, Debug, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection =
        <axum_extra::extract::Form<Vec<(String, String)>> as FromRequest<S>>::Rejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum_extra::extract::Form(pairs) =
            axum_extra::extract::Form::<Vec<(String, String)>>::from_request(req, state).await?;
        Ok(Self(pairs))
    }
}

impl FormData {
    /// The first value of `name`, trimmed; `None` when missing or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The value of `name` or an empty string (to show a submitted value again).
    pub fn value(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// Every non-blank value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Whether a checkbox `name` was ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// Errors by field name; `""` holds errors not tied to one field. Carries the page language
/// for the words read out before each error.
#[derive(Clone, Debug, Default)]
pub struct Errors {
    messages: BTreeMap<String, String>,
    lang: Lang,
}

impl Errors {
    /// No errors.
    pub fn none() -> Self {
        Self::default()
    }

    /// Turns bad input (and a lost race) into form errors; anything else stays an error for
    /// the error page.
    pub fn from_app(ctx: &Ctx, err: AppError) -> Result<Self, AppError> {
        let mut map = BTreeMap::new();
        match &err {
            AppError::BadInput { field, message } => {
                map.insert(
                    field.clone().unwrap_or_default(),
                    service_message(ctx.lang, message),
                );
            }
            AppError::Conflict(message) | AppError::NeedsConfirmation { message, .. } => {
                map.insert(String::new(), service_message(ctx.lang, message));
            }
            _ => return Err(err),
        }
        Ok(Self {
            messages: map,
            lang: ctx.lang,
        })
    }

    /// One error for `field`.
    pub fn one(ctx: &Ctx, field: &str, message: impl Into<String>) -> Self {
        Self {
            messages: BTreeMap::from([(field.to_string(), message.into())]),
            lang: ctx.lang,
        }
    }

    /// The error of `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.messages.get(field).map(String::as_str)
    }

    /// The first error, of whichever field.
    pub fn first(&self) -> Option<&str> {
        self.messages.values().next().map(String::as_str)
    }

    /// Whether there is no error.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// The error of `field` as shown beside it (`id` for `aria-describedby`), if any.
    fn beside(&self, field: &str, id: &str) -> Markup {
        match self.get(field) {
            Some(e) => error_line(self.lang, id, e),
            None => html! {},
        }
    }

    /// The summary at the top of a form: each error, linked to its field.
    pub fn summary(&self, ctx: &Ctx) -> Markup {
        if self.is_empty() {
            return html! {};
        }
        html! {
            div.error-summary role="alert" aria-labelledby="fouten-titel" tabindex="-1" {
                h2 #fouten-titel { (ctx.t("Controleer het formulier", "Please check the form")) }
                ul {
                    @for (field, message) in &self.messages {
                        li {
                            @if field.is_empty() { (message) }
                            @else { a href=(format!("#{}", id_of(field))) { (message) } }
                        }
                    }
                }
            }
        }
    }
}

/// Answers a form post: on success a `303` to the address `to` makes of the result; on bad
/// input (or a lost race) the form again, drawn by `form` with the errors beside their fields,
/// as `422`; any other error as an error page.
pub fn answer<T>(
    ctx: &Ctx,
    result: Result<T, AppError>,
    to: impl FnOnce(T) -> String,
    form: impl FnOnce(&Errors) -> Markup,
) -> Result<Response, PageError> {
    match result {
        Ok(v) => Ok(Redirect::to(&to(v)).into_response()),
        Err(e) => {
            let errors = Errors::from_app(ctx, e).or_page(ctx)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, form(&errors)).into_response())
        }
    }
}

/// Moves a service error on input field `from` to the form field `to` (where a form names or
/// shapes a value differently from the API, e.g. euros for `costCents`).
pub fn moved(e: AppError, from: &str, to: &str) -> AppError {
    match e {
        AppError::BadInput {
            field: Some(f),
            message,
        } if f == from => AppError::field(to, message),
        other => other,
    }
}

/// The element id of a field name (`schedule.0.opensAt` -> `f-schedule-0-opensAt`).
pub fn id_of(name: &str) -> String {
    format!("f-{}", name.replace(['.', '[', ']'], "-"))
}

/// An error beside its field, with a word for screen readers before it; `id` is what the
/// control's `aria-describedby` names.
pub fn error_line(lang: Lang, id: &str, message: &str) -> Markup {
    html! { p.error id=(id) { span.visually-hidden { (lang.t("Fout: ", "Error: ")) } (message) } }
}

/// A form field: a label, an optional hint, the error if any, and the control.
pub struct Field<'a> {
    name: &'a str,
    label: &'a str,
    value: String,
    kind: &'a str,
    hint: Option<&'a str>,
    required: bool,
    attrs: Attrs,
}

/// Optional attributes of an `<input>`.
#[derive(Default)]
struct Attrs {
    min: Option<String>,
    max: Option<String>,
    step: Option<String>,
    autocomplete: Option<&'static str>,
    inputmode: Option<&'static str>,
    list: Option<&'static str>,
}

impl<'a> Field<'a> {
    /// A text input named `name`.
    pub fn new(name: &'a str, label: &'a str) -> Self {
        Self {
            name,
            label,
            value: String::new(),
            kind: "text",
            hint: None,
            required: false,
            attrs: Attrs::default(),
        }
    }

    /// The current value.
    pub fn value(mut self, v: impl Into<String>) -> Self {
        self.value = v.into();
        self
    }

    /// The input type (`number`, `email`, `time`, `date`, `password`, ...).
    pub fn kind(mut self, kind: &'a str) -> Self {
        self.kind = kind;
        self
    }

    /// A hint under the label.
    pub fn hint(mut self, hint: &'a str) -> Self {
        self.hint = Some(hint);
        self
    }

    /// Marks the field as required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// The smallest and largest number accepted.
    pub fn range(mut self, min: impl ToString, max: impl ToString) -> Self {
        self.attrs.min = Some(min.to_string());
        self.attrs.max = Some(max.to_string());
        self
    }

    /// The number step (`0.01` for money).
    pub fn step(mut self, step: &str) -> Self {
        self.attrs.step = Some(step.to_string());
        self
    }

    /// The `autocomplete` token (`postal-code`, `username`, ...).
    pub fn autocomplete(mut self, token: &'static str) -> Self {
        self.attrs.autocomplete = Some(token);
        self
    }

    /// The on-screen keyboard (`numeric`, `decimal`).
    pub fn inputmode(mut self, mode: &'static str) -> Self {
        self.attrs.inputmode = Some(mode);
        self
    }

    /// A `<datalist>` of suggestions.
    pub fn list(mut self, id: &'static str) -> Self {
        self.attrs.list = Some(id);
        self
    }

    /// The label, hint and error around the control `control` draws with the given ids.
    fn wrap(&self, errors: &Errors, control: impl FnOnce(&Control) -> Markup) -> Markup {
        let id = id_of(self.name);
        let hint_id = self.hint.map(|_| format!("{id}-hint"));
        let error = errors.get(self.name);
        let error_id = format!("{id}-error");
        let described = [hint_id.as_deref(), error.map(|_| error_id.as_str())]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let c = Control {
            id: id.clone(),
            described: (!described.is_empty()).then_some(described),
            invalid: error.map(|_| "true"),
        };
        html! {
            div.field.has-error[error.is_some()] {
                label for=(id) { (self.label) @if self.required { span aria-hidden="true" { " *" } } }
                @if let (Some(h), Some(hid)) = (self.hint, &hint_id) { p.hint id=(hid) { (h) } }
                (errors.beside(self.name, &error_id))
                (control(&c))
            }
        }
    }

    /// The label, hint, error and an `<input>`.
    pub fn input(&self, errors: &Errors) -> Markup {
        let a = &self.attrs;
        self.wrap(errors, |c| {
            html! {
                input id=(c.id) name=(self.name) type=(self.kind) value=(self.value) required[self.required]
                    aria-invalid=[c.invalid] aria-describedby=[&c.described]
                    min=[&a.min] max=[&a.max] step=[&a.step] autocomplete=[a.autocomplete]
                    inputmode=[a.inputmode] list=[a.list];
            }
        })
    }

    /// The label, hint, error and a `<textarea>`.
    pub fn textarea(&self, errors: &Errors, rows: u32) -> Markup {
        self.wrap(errors, |c| {
            html! {
                textarea id=(c.id) name=(self.name) rows=(rows) required[self.required]
                    aria-invalid=[c.invalid] aria-describedby=[&c.described] { (self.value) }
            }
        })
    }

    /// The label, hint, error and a `<select>` of `(value, label)` options.
    pub fn select(&self, errors: &Errors, options: &[(String, String)]) -> Markup {
        self.wrap(errors, |c| {
            html! {
                select id=(c.id) name=(self.name) required[self.required]
                    aria-invalid=[c.invalid] aria-describedby=[&c.described] {
                    @for (v, l) in options {
                        option value=(v) selected[*v == self.value] { (l) }
                    }
                }
            }
        })
    }
}

/// The ids a form control carries.
struct Control {
    id: String,
    described: Option<String>,
    invalid: Option<&'static str>,
}

/// A group of checkboxes (or radios when `radio`) in a fieldset with a legend, the error
/// of `name` beside it.
pub fn choices(
    name: &str,
    legend: &str,
    options: &[(String, String)],
    selected: &[&str],
    errors: &Errors,
    radio: bool,
) -> Markup {
    let id = id_of(name);
    let error = errors.get(name);
    let error_id = format!("{id}-error");
    html! {
        fieldset.field.choices.has-error[error.is_some()] id=(id)
            aria-describedby=[error.map(|_| error_id.as_str())] {
            legend { (legend) }
            (errors.beside(name, &error_id))
            @for (i, (v, l)) in options.iter().enumerate() {
                @let oid = format!("{id}-{i}");
                div.choice {
                    input type=(if radio { "radio" } else { "checkbox" }) id=(oid) name=(name) value=(v)
                        checked[selected.contains(&v.as_str())];
                    label for=(oid) { (l) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_land_beside_their_field() {
        let errors = Errors {
            messages: BTreeMap::from([("schedule.0.opensAt".into(), "must be HH:MM".into())]),
            lang: Lang::En,
        };
        let html = Field::new("schedule.0.opensAt", "Van")
            .kind("time")
            .value("9\"x")
            .input(&errors)
            .into_string();
        assert!(html.contains("id=\"f-schedule-0-opensAt\""));
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(html.contains("aria-describedby=\"f-schedule-0-opensAt-error\""));
        assert!(html.contains("Error: </span>must be HH:MM"), "{html}");
        assert!(html.contains("value=\"9&quot;x\""), "{html}");
    }

    #[test]
    fn form_values_are_trimmed_and_repeatable() {
        let f = FormData(vec![
            ("domain".into(), "beweging".into()),
            ("domain".into(), " voeding ".into()),
            ("note".into(), "  ".into()),
        ]);
        assert_eq!(f.all("domain"), ["beweging", "voeding"]);
        assert_eq!(f.get("note"), None);
        assert!(!f.checked("free"));
    }
}
