//! The one document type both backends index ([`SearchDoc`]), built from the database here
//! and nowhere else: an offer with its organisation's name, its locations' points and the
//! buurt, wijk and gemeente (codes and names) each location lies in.

use crate::domain::recovery_focus::RecoveryFocus;
use crate::error::AppResult;
use crate::read_model::OfferBundle;
use crate::read_model::rules;
use entities::{LifeDomain, OfferKind, OfferStatus, TargetGroup, area, offer};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeMap, BTreeSet};

/// Offers loaded per database round trip.
const CHUNK: usize = 500;

/// An area an offer's location lies in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DocArea {
    /// CBS code (`GM0268`, `WK026809`, `BU02680970`).
    pub code: String,
    pub name: String,
}

/// An offer as both search backends index it.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchDoc {
    pub id: String,
    pub origin_node: String,
    pub organisation_id: String,
    pub organisation_name: String,
    pub title: String,
    pub description: String,
    pub kind: OfferKind,
    pub status: OfferStatus,
    pub life_domains: Vec<LifeDomain>,
    pub target_groups: Vec<TargetGroup>,
    /// Cost in euro cents (0 when free).
    pub cost_cents: u32,
    /// Whether the offer can take participants now.
    pub open_places: bool,
    /// Buurten, wijken and gemeenten of the locations (distinct).
    pub areas: Vec<DocArea>,
    /// Names, cities and postcode digits (`6663`) of the locations.
    pub places: Vec<String>,
    /// Location points (lat, lon).
    pub points: Vec<(f64, f64)>,
    /// Stored attributes (`peer_led`, `mode_online`, `wheelchair`, ...), sorted.
    pub attributes: Vec<String>,
    /// Recovery focus (`hoop`, `betekenis`, ...), searchable as words ("zingeving").
    pub recovery_focus: Vec<RecoveryFocus>,
}

/// Dutch words for a kind of offer, searchable as text.
pub fn kind_words(k: OfferKind) -> &'static str {
    match k {
        OfferKind::Herstelcirkel => "herstelcirkel",
        OfferKind::Group => "groep",
        OfferKind::Activity => "activiteit",
        OfferKind::Course => "cursus training",
        OfferKind::WalkIn => "inloop",
        OfferKind::IndividualSupport => "individuele ondersteuning",
        OfferKind::RecoveryGroup => "herstelwerkgroep herstelgroep lotgenotengroep lotgenoten",
        OfferKind::RecoveryCourse => "herstelacademie cursus herstel",
    }
}

/// Dutch words for a life domain, searchable as text.
pub fn life_domain_words(d: LifeDomain) -> &'static str {
    match d {
        LifeDomain::Beweging => "beweging bewegen",
        LifeDomain::Voeding => "voeding eten",
        LifeDomain::Ontspanning => "ontspanning",
        LifeDomain::Slapen => "slapen slaap",
        LifeDomain::SocialeContacten => "sociale contacten ontmoeting",
        LifeDomain::Zingeving => "zingeving",
        LifeDomain::WerkDagbesteding => "werk dagbesteding",
        LifeDomain::Financien => "financiën geldzaken",
    }
}

/// Dutch words for a target group, searchable as text.
pub fn target_group_words(g: TargetGroup) -> &'static str {
    match g {
        TargetGroup::AngstDepressie => "angst depressie somberheid",
        TargetGroup::DiabetesType2 => "diabetes",
        TargetGroup::Eenzaamheid => "eenzaamheid",
        TargetGroup::ChronischePijn => "chronische pijn",
        TargetGroup::Overgewicht => "overgewicht",
        TargetGroup::StressBurnout => "stress burn-out",
        TargetGroup::Ouderen => "ouderen",
        TargetGroup::Jongeren => "jongeren",
        TargetGroup::Mantelzorgers => "mantelzorgers mantelzorg",
        TargetGroup::Nieuwkomers => "nieuwkomers",
    }
}

impl SearchDoc {
    /// Kind, life domains, target groups and recovery focus as (Dutch) words.
    pub fn tags_text(&self) -> String {
        let mut parts = vec![kind_words(self.kind)];
        parts.extend(self.life_domains.iter().map(|d| life_domain_words(*d)));
        parts.extend(self.target_groups.iter().map(|g| target_group_words(*g)));
        parts.extend(self.recovery_focus.iter().map(|f| f.search_words()));
        parts.join(" ")
    }

    /// Adds the words of every text field to `vocab` (compound splitting).
    pub fn add_words_to(&self, vocab: &mut super::compound::Vocabulary) {
        for t in [
            self.title.as_str(),
            &self.description,
            &self.organisation_name,
            &self.area_text(),
            &self.tags_text(),
        ] {
            vocab.add_text(t);
        }
    }

    /// Area names and location names, cities and postcode digits.
    pub fn area_text(&self) -> String {
        let mut parts: Vec<&str> = self.areas.iter().map(|a| a.name.as_str()).collect();
        parts.extend(self.places.iter().map(String::as_str));
        parts.join(" ")
    }

    /// Gemeente codes of the locations.
    pub fn gemeente_codes(&self) -> impl Iterator<Item = &str> {
        self.areas
            .iter()
            .map(|a| a.code.as_str())
            .filter(|c| c.starts_with("GM"))
    }
}

/// The outcome of loading offers by id: documents to upsert and ids to remove.
#[derive(Debug, Default)]
pub struct Loaded {
    pub docs: Vec<SearchDoc>,
    /// Ids that are unknown or not indexable.
    pub removed: Vec<String>,
}

/// Builds documents for `ids` (any number); ids that are missing or not
/// [indexable](crate::read_model::rules::indexable) go to `removed`.
pub async fn load(db: &impl ConnectionTrait, ids: &[String]) -> AppResult<Loaded> {
    let mut out = Loaded::default();
    for chunk in ids.chunks(CHUNK) {
        let mut public = OfferBundle::load_many(db, chunk).await?;
        public.retain(OfferBundle::is_indexable);
        let found: BTreeSet<&str> = public.iter().map(|b| b.offer.id.as_str()).collect();
        out.removed.extend(
            chunk
                .iter()
                .filter(|id| !found.contains(id.as_str()))
                .cloned(),
        );
        out.docs.extend(build(db, public).await?);
    }
    Ok(out)
}

/// Ids of every offer (in id order), for a full rebuild.
pub async fn all_ids(db: &impl ConnectionTrait) -> AppResult<Vec<String>> {
    Ok(offer::Entity::find()
        .select_only()
        .column(offer::Column::Id)
        .order_by_asc(offer::Column::Id)
        .into_tuple::<String>()
        .all(db)
        .await?)
}

async fn build(db: &impl ConnectionTrait, bundles: Vec<OfferBundle>) -> AppResult<Vec<SearchDoc>> {
    let buurten = bundles
        .iter()
        .flat_map(|b| &b.locations)
        .filter_map(|l| l.buurt_code.clone())
        .collect();
    let areas = load_areas(db, buurten).await?;
    let ids: Vec<&str> = bundles.iter().map(|b| b.offer.id.as_str()).collect();
    let mut attributes = crate::read_model::funding::attributes_by_offer(db, &ids).await?;
    let mut focus = crate::services::offer::recovery_focus::by_offer(db, &ids).await?;
    Ok(bundles
        .into_iter()
        .map(|b| {
            let mut d = doc(&areas, b);
            d.attributes = attributes.remove(&d.id).unwrap_or_default();
            d.recovery_focus = focus
                .remove(&d.id)
                .unwrap_or_default()
                .into_iter()
                .collect();
            d
        })
        .collect())
}

/// The document of one offer, with the areas its locations lie in.
fn doc(areas: &BTreeMap<String, area::Model>, b: OfferBundle) -> SearchDoc {
    let OfferBundle {
        offer: o,
        organisation: org,
        locations: locs,
        life_domains,
        target_groups,
    } = b;
    let mut doc_areas = BTreeSet::new();
    for code in locs.iter().filter_map(|l| l.buurt_code.as_ref()) {
        doc_areas.extend(area_chain(areas, code));
    }
    let mut places: Vec<String> = Vec::new();
    // A postcode is searchable by its four digits, as a GP types it ("6663 wandelen").
    let pc4 = locs
        .iter()
        .filter_map(|l| l.postcode.as_deref())
        .map(|pc| pc.chars().take(4).collect::<String>());
    for p in locs
        .iter()
        .flat_map(|l| [l.name.clone(), l.city.clone()])
        .flatten()
        .chain(pc4)
    {
        if !places.contains(&p) {
            places.push(p);
        }
    }
    SearchDoc {
        open_places: rules::has_room(&o),
        cost_cents: o.cost_cents.unwrap_or(0).max(0) as u32,
        id: o.id,
        origin_node: o.origin_node,
        organisation_id: org.id,
        organisation_name: org.name,
        title: o.title,
        description: o.description,
        kind: o.kind,
        status: o.status,
        life_domains,
        target_groups,
        areas: doc_areas.into_iter().collect(),
        places,
        points: locs.iter().map(|l| (l.lat, l.lon)).collect(),
        attributes: Vec::new(),
        recovery_focus: Vec::new(),
    }
}

/// Loads the given buurten with their wijken and gemeenten, by code.
async fn load_areas(
    db: &impl ConnectionTrait,
    buurten: BTreeSet<String>,
) -> AppResult<BTreeMap<String, area::Model>> {
    let mut out = BTreeMap::new();
    let mut wanted: BTreeSet<String> = buurten;
    // Two rounds: buurten, then their wijken and gemeenten.
    for _ in 0..2 {
        let codes: Vec<String> = wanted
            .iter()
            .filter(|c| !out.contains_key(*c))
            .cloned()
            .collect();
        if codes.is_empty() {
            break;
        }
        let rows = area::Entity::find()
            .filter(area::Column::Code.is_in(codes))
            .all(db)
            .await?;
        wanted = BTreeSet::new();
        for a in rows {
            wanted.extend(a.parent_code.clone());
            wanted.insert(a.gemeente_code.clone());
            out.insert(a.code.clone(), a);
        }
    }
    Ok(out)
}

/// The area `code` and its ancestors.
fn area_chain(areas: &BTreeMap<String, area::Model>, code: &str) -> Vec<DocArea> {
    let mut out = Vec::new();
    let mut next = Some(code.to_string());
    while let Some(code) = next.take() {
        let Some(a) = areas.get(&code) else { break };
        out.push(DocArea {
            code: a.code.clone(),
            name: a.name.clone(),
        });
        next = a
            .parent_code
            .clone()
            .or_else(|| (a.gemeente_code != a.code).then(|| a.gemeente_code.clone()));
        if out.len() > 3 {
            break;
        }
    }
    out
}
