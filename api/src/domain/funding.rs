//! Joint offers, funding and the attributes GPs filter on (issue 19): the partner
//! organisations beside the owning one, funders and funding routes, peer-led, delivery mode and
//! structured accessibility; parsed here once ([`NetworkDetails::parse`]) from the raw fields
//! every edge (GraphQL, web form, HSDS import, federation) hands over.

use crate::domain::{GlobalId, required_text};
use crate::error::{AppError, AppResult};
use std::collections::BTreeSet;

/// Most partner organisations of one offer.
pub const MAX_PARTNERS: usize = 10;
/// Most funders of one offer.
pub const MAX_FUNDERS: usize = 10;
/// Longest funder name, in characters.
pub const FUNDER_NAME_MAX: usize = 200;

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and HSDS / federation) text of the value.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value of a stored text; `BAD_USER_INPUT` for an unknown one.
            pub fn parse(raw: &str) -> AppResult<Self> {
                match raw.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err(AppError::bad_input(format!("unknown value '{other}'"))),
                }
            }
        }
    };
}

vocabulary!(
    /// What kind of body funds an offer.
    FunderKind {
        /// A municipality (e.g. via the Wmo).
        Gemeente = "gemeente",
        /// A health insurer.
        Zorgverzekeraar = "zorgverzekeraar",
        /// A charitable fund.
        Fonds = "fonds",
        /// Anything else.
        Other = "other",
    }
);

vocabulary!(
    /// How taking part is paid for.
    FundingRoute {
        /// Wet maatschappelijke ondersteuning (gemeente).
        Wmo = "wmo",
        /// Zorgverzekeringswet (health insurance).
        Zvw = "zvw",
        /// The participant pays a contribution.
        EigenBijdrage = "eigen_bijdrage",
        /// Free for participants.
        Gratis = "gratis",
    }
);

vocabulary!(
    /// Where an offer takes place.
    DeliveryMode {
        /// Online only.
        Online = "online",
        /// Partly online, partly on site.
        Hybrid = "hybrid",
        /// On site only.
        OnSite = "on_site",
    }
);

/// One funder of an offer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Funder {
    /// E.g. "Gemeente Nijmegen".
    pub name: String,
    pub kind: FunderKind,
}

/// Structured accessibility of an offer's places (the free-text note stays on the offer).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Access {
    pub wheelchair: bool,
    pub hearing_loop: bool,
    pub public_transport: bool,
}

/// Partners, funding and attributes of one offer, parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkDetails {
    /// Organisations running the offer beside its owner, in display order (ids).
    pub partners: Vec<String>,
    pub funders: Vec<Funder>,
    pub routes: BTreeSet<FundingRoute>,
    /// Led by experts by experience (ervaringsdeskundigen).
    pub peer_led: bool,
    pub mode: Option<DeliveryMode>,
    pub access: Access,
}

/// Stored attribute texts (`offer_attributes.attribute`).
pub mod attribute {
    pub const PEER_LED: &str = "peer_led";
    pub const WHEELCHAIR: &str = "wheelchair";
    pub const HEARING_LOOP: &str = "hearing_loop";
    pub const PUBLIC_TRANSPORT: &str = "public_transport";
    /// Prefix of the delivery mode attributes (`mode_online`, ...).
    pub const MODE_PREFIX: &str = "mode_";
}

/// The raw fields of [`NetworkDetails`] as an edge receives them.
#[derive(Clone, Debug, Default)]
pub struct NetworkDetailsFields {
    pub partners: Vec<String>,
    /// `(name, kind)` pairs.
    pub funders: Vec<(String, String)>,
    pub routes: Vec<String>,
    pub peer_led: bool,
    pub mode: Option<String>,
    pub access: Access,
}

impl NetworkDetails {
    /// Parses raw fields; errors name the field (`partners`, `funders.0.name`, `routes`,
    /// `mode`). `owner` is the offer's own organisation, which cannot also be its partner.
    pub fn parse(raw: NetworkDetailsFields, owner: &str) -> AppResult<Self> {
        if raw.partners.len() > MAX_PARTNERS {
            return Err(AppError::field(
                "partners",
                format!("at most {MAX_PARTNERS} partners"),
            ));
        }
        let mut partners: Vec<String> = Vec::new();
        for (i, p) in raw.partners.iter().enumerate() {
            let id = GlobalId::parse(p)
                .map_err(|e| e.in_field(&format!("partners.{i}")))?
                .to_string();
            if id == owner {
                return Err(AppError::field(
                    format!("partners.{i}"),
                    "the owning organisation is not its own partner",
                ));
            }
            if !partners.contains(&id) {
                partners.push(id);
            }
        }
        if raw.funders.len() > MAX_FUNDERS {
            return Err(AppError::field(
                "funders",
                format!("at most {MAX_FUNDERS} funders"),
            ));
        }
        let funders = (raw.funders.iter().enumerate())
            .map(|(i, (name, kind))| {
                Ok(Funder {
                    name: required_text(name, FUNDER_NAME_MAX)
                        .map_err(|e| e.in_field(&format!("funders.{i}.name")))?,
                    kind: FunderKind::parse(kind)
                        .map_err(|e| e.in_field(&format!("funders.{i}.kind")))?,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let routes = (raw.routes.iter())
            .map(|r| FundingRoute::parse(r).map_err(|e| e.in_field("routes")))
            .collect::<AppResult<BTreeSet<_>>>()?;
        let mode = (raw.mode.as_deref())
            .filter(|m| !m.trim().is_empty())
            .map(|m| DeliveryMode::parse(m).map_err(|e| e.in_field("mode")))
            .transpose()?;
        Ok(Self {
            partners,
            funders,
            routes,
            peer_led: raw.peer_led,
            mode,
            access: raw.access,
        })
    }

    /// The attribute texts stored for these details (`offer_attributes`).
    pub fn attributes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let flags = [
            (self.peer_led, attribute::PEER_LED),
            (self.access.wheelchair, attribute::WHEELCHAIR),
            (self.access.hearing_loop, attribute::HEARING_LOOP),
            (self.access.public_transport, attribute::PUBLIC_TRANSPORT),
        ];
        out.extend(
            flags
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, a)| a.to_string()),
        );
        out.extend(self.mode.map(mode_attribute));
        out
    }

    /// Sets the flags and mode of stored attribute texts (unknown ones are ignored, so a
    /// newer peer's attribute does not break an older node).
    pub fn set_attributes<'a>(&mut self, stored: impl IntoIterator<Item = &'a str>) {
        for a in stored {
            match a {
                attribute::PEER_LED => self.peer_led = true,
                attribute::WHEELCHAIR => self.access.wheelchair = true,
                attribute::HEARING_LOOP => self.access.hearing_loop = true,
                attribute::PUBLIC_TRANSPORT => self.access.public_transport = true,
                other => {
                    if let Some(m) = other.strip_prefix(attribute::MODE_PREFIX) {
                        self.mode = DeliveryMode::parse(m).ok().or(self.mode);
                    }
                }
            }
        }
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The stored attribute of a delivery mode (`mode_online`).
pub fn mode_attribute(mode: DeliveryMode) -> String {
    format!("{}{}", attribute::MODE_PREFIX, mode.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_names_the_field_at_fault() {
        let owner = "n:6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a11";
        let ok = NetworkDetails::parse(
            NetworkDetailsFields {
                partners: vec!["n:0b0e4a6e-4b7e-4a53-9d58-2f1c1e0d9a11".into()],
                funders: vec![("Gemeente Nijmegen".into(), "gemeente".into())],
                routes: vec!["wmo".into(), "zvw".into()],
                peer_led: true,
                mode: Some("hybrid".into()),
                access: Access {
                    wheelchair: true,
                    ..Access::default()
                },
            },
            owner,
        )
        .unwrap();
        let mut back = NetworkDetails {
            partners: ok.partners.clone(),
            funders: ok.funders.clone(),
            routes: ok.routes.clone(),
            ..NetworkDetails::default()
        };
        back.set_attributes(ok.attributes().iter().map(String::as_str));
        assert_eq!(back, ok);
        let bad = |f: NetworkDetailsFields| {
            NetworkDetails::parse(f, owner)
                .unwrap_err()
                .field_name()
                .map(str::to_string)
        };
        let funder = |name: &str, kind: &str| NetworkDetailsFields {
            funders: vec![(name.into(), kind.into())],
            ..Default::default()
        };
        assert_eq!(
            bad(funder(" ", "gemeente")).as_deref(),
            Some("funders.0.name")
        );
        assert_eq!(bad(funder("X", "bank")).as_deref(), Some("funders.0.kind"));
        let own = NetworkDetailsFields {
            partners: vec![owner.into()],
            ..Default::default()
        };
        assert_eq!(bad(own).as_deref(), Some("partners.0"));
        let mode = NetworkDetailsFields {
            mode: Some("telepathy".into()),
            ..Default::default()
        };
        assert_eq!(bad(mode).as_deref(), Some("mode"));
    }
}
