//! Property tests ("fuzzing") of every parser and validator that sees client input: none may
//! panic on any input, and accepted values must round-trip.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::domain::{
    AgbCode, AreaCode, Email, GlobalId, KvkNumber, NodeId, Phone, Postcode, TimeOfDay, WebUrl,
};
use crate::geo::Gazetteer;
use crate::hsds::routes::parse_modified_after;
use crate::services::offer::{
    LocationFields, OfferDraft, OfferFields, OfferPatch, SchedulePeriodFields,
};
use crate::services::offer_list::Cursor;
use chrono::NaiveDate;
use entities::{CostPeriod, Intake, LifeDomain, OfferKind, OfferStatus, TargetGroup};
use proptest::prelude::*;
use proptest::sample::select;
use std::sync::OnceLock;

fn gazetteer() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(|| Gazetteer::embedded().expect("embedded gazetteer"))
}

/// 2,048 cases per property, or `PROPTEST_CASES`.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(2048)
}

/// Any text, biased towards the shapes the parsers look for.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,40}",
        "[A-Za-z0-9 :@./_-]{0,40}",
        "(GM|WK|BU|gm|wk|bu)[0-9]{0,10}",
        "[0-9]{4} ?[A-Za-z]{0,3}",
        "[a-z0-9-]{0,40}:[0-9a-f-]{0,40}",
        "[0-9]{1,3}:[0-9]{1,3}",
        "https?://[a-z.]{0,20}/?\\PC{0,10}",
        "(javascript|data|vbscript|JaVaScRiPt|https?|ftp)[\t\n ]?:[/\\\\]{0,3}[a-z.@:]{0,20}",
        "[a-z.]{1,10}@[a-z.]{0,10}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn domain_parsers_never_panic(raw in text()) {
        if let Ok(code) = AreaCode::parse(&raw) {
            prop_assert_eq!(AreaCode::parse(code.as_str()).unwrap(), code);
        }
        if let Ok(pc) = Postcode::parse(&raw) {
            prop_assert_eq!(Postcode::parse(&pc.compact()).unwrap().compact(), pc.compact());
        }
        if let Ok(id) = GlobalId::parse(&raw) {
            prop_assert_eq!(GlobalId::parse(&id.to_string()).unwrap(), id);
        }
        if let Ok(n) = NodeId::parse(&raw) {
            prop_assert_eq!(NodeId::parse(&n.to_string()).unwrap(), n);
        }
        if let Ok(e) = Email::parse(&raw) {
            prop_assert_eq!(Email::parse(&e.to_string()).unwrap(), e);
        }
        if let Ok(u) = WebUrl::parse(&raw) {
            prop_assert_eq!(WebUrl::parse(&u.to_string()).unwrap(), u.clone());
            let scheme = u.as_str().split(':').next().unwrap().to_ascii_lowercase();
            prop_assert!(scheme == "http" || scheme == "https", "{}", u);
        }
        if let Ok(k) = KvkNumber::parse(&raw) {
            prop_assert_eq!(KvkNumber::parse(&k.to_string()).unwrap(), k);
        }
        if let Ok(a) = AgbCode::parse(&raw) {
            prop_assert_eq!(AgbCode::parse(&a.to_string()).unwrap(), a);
        }
        if let Ok(p) = Phone::parse(&raw) {
            prop_assert_eq!(Phone::parse(&p.to_string()).unwrap(), p);
        }
        if let Ok(t) = TimeOfDay::parse(&raw) {
            prop_assert_eq!(TimeOfDay::parse(&t.to_hhmm()).unwrap(), t);
        }
        let _ = parse_modified_after(&raw);
    }

    #[test]
    fn cursor_decoder_never_panics(raw in text(), title in any::<String>(), id in any::<String>()) {
        let _ = Cursor::decode(&raw);
        let c = Cursor { title, id };
        prop_assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
    }

    #[test]
    fn offer_draft_apply_and_check_never_panic(f in offer_fields()) {
        let mut draft = blank_draft();
        let applied = OfferPatch::try_from(&f).and_then(|p| draft.apply(&p, gazetteer()));
        if applied.is_ok() && draft.check().is_ok() {
            // What passes the checks satisfies the invariants the rest of the node relies on.
            let o = &draft.offer;
            prop_assert!(o.title.chars().count() >= 3);
            prop_assert!(o.places_taken >= 0);
            if let Some(c) = o.capacity { prop_assert!(o.places_taken <= c); }
            if let (Some(a), Some(b)) = (o.min_age, o.max_age) { prop_assert!(a <= b); }
            if let (Some(a), Some(b)) = (o.start_date, o.end_date) { prop_assert!(a <= b); }
            for p in &o.schedule.0 {
                prop_assert!(p.opens_at < p.closes_at);
            }
        }
    }
}

fn blank_draft() -> OfferDraft {
    let node = NodeId::parse("fuzz").expect("valid node id");
    OfferDraft::new(&node, "fuzz:6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a12".into())
}

fn small_int() -> impl Strategy<Value = i32> {
    prop_oneof![any::<i32>(), -5..200i32]
}

fn opt2<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<Option<T>>> {
    proptest::option::of(proptest::option::of(s))
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (2000i32..2100, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("valid date"))
}

fn period() -> impl Strategy<Value = SchedulePeriodFields> {
    (
        prop_oneof![
            text(),
            Just("WEEKLY".to_string()),
            Just("monthly".to_string())
        ],
        small_int(),
        proptest::collection::vec(
            prop_oneof![
                text(),
                select(vec!["MO", "tu", "SU"]).prop_map(String::from)
            ],
            0..4,
        ),
        prop_oneof![text(), "[0-2][0-9]:[0-5][0-9]"],
        prop_oneof![text(), "[0-2][0-9]:[0-5][0-9]"],
        proptest::option::of(text()),
    )
        .prop_map(
            |(freq, interval, byday, opens_at, closes_at, description)| SchedulePeriodFields {
                freq,
                interval,
                byday,
                opens_at,
                closes_at,
                description,
                valid_from: None,
                valid_until: None,
            },
        )
}

fn location() -> impl Strategy<Value = LocationFields> {
    (
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(prop_oneof![
            text(),
            Just("6511 AA".to_string()),
            Just("6535AB".to_string())
        ]),
        proptest::option::of(text()),
        proptest::option::of(prop_oneof![any::<f64>(), 50.0..54.0f64]),
        proptest::option::of(prop_oneof![any::<f64>(), 3.0..7.5f64]),
    )
        .prop_map(|(name, street, postcode, city, lat, lon)| LocationFields {
            name,
            street,
            postcode,
            city,
            lat,
            lon,
        })
}

fn offer_fields() -> impl Strategy<Value = OfferFields> {
    let basics = (
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(select(OfferKind::ALL.to_vec())),
        proptest::option::of(select(OfferStatus::ALL.to_vec())),
        proptest::option::of(select(Intake::ALL.to_vec())),
        opt2(small_int()),
        opt2(select(CostPeriod::ALL.to_vec())),
        opt2(text()),
        opt2(small_int()),
        proptest::option::of(small_int()),
    );
    let more = (
        opt2(date()),
        opt2(date()),
        opt2(small_int()),
        opt2(small_int()),
        proptest::option::of(proptest::collection::vec(period(), 0..4)),
        proptest::option::of(proptest::collection::vec(text(), 0..4)),
        opt2(text()),
        opt2(text()),
    );
    let lists = (
        proptest::option::of(proptest::collection::vec(
            select(LifeDomain::ALL.to_vec()),
            0..4,
        )),
        proptest::option::of(proptest::collection::vec(
            select(TargetGroup::ALL.to_vec()),
            0..4,
        )),
        proptest::option::of(proptest::collection::vec(location(), 0..3)),
        opt2(small_int()),
        proptest::option::of(proptest::collection::vec(text(), 0..3)),
        opt2(text()),
        opt2(date()),
        proptest::option::of(proptest::collection::vec(date(), 0..3)),
    );
    (basics, more, lists).prop_map(|(b, m, l)| OfferFields {
        title: b.0,
        description: b.1,
        kind: b.2,
        status: b.3,
        intake: b.4,
        cost_cents: b.5,
        cost_period: b.6,
        cost_note: b.7,
        capacity: b.8,
        places_taken: b.9,
        has_waitlist: None,
        start_date: m.0,
        end_date: m.1,
        min_age: m.2,
        max_age: m.3,
        schedule: m.4,
        languages: m.5,
        contact_email: m.6,
        contact_phone: m.7,
        life_domains: l.0,
        target_groups: l.1,
        locations: l.2,
        hc_year: l.3,
        hc_coaches: l.4,
        hc_regisseur: l.5,
        hc_start_meeting: l.6,
        hc_sounding_board: l.7,
        ..Default::default()
    })
}

// ---- Untrusted input from peers and files: feed pages, referral messages, HSDS imports. ----

mod untrusted {
    use super::{cases, text};
    use crate::domain::{AgbCode, AreaCode, Email, GlobalId, KvkNumber, Phone, Postcode, WebUrl};
    use crate::federation::mirror::check_page;
    use crate::federation::protocol::{
        FEED_VERSION, FeedEntry, FeedPage, ForwardedReferral, LocationRecord, OfferRecord,
        OrganisationRecord, REFERRAL_PROTOCOL_VERSION, Record, ReferralMessage,
        ReferralMessageBody, StatusChange,
    };
    use crate::hsds::import::{offer_fields, parse_file};
    use crate::services::offer::OfferDraft;
    use crate::services::referral::{parse_note, parse_patient_ref};
    use chrono::{TimeZone, Utc};
    use entities::json::SchedulePeriod;
    use entities::{
        AreaKind, ContactPreference, Intake, LifeDomain, OfferKind, OfferStatus, OrganisationKind,
        OrganisationStatus, RecordKind, ReferralStatus,
    };
    use proptest::prelude::*;

    const PEER: &str = "nijmegen";
    const LOCAL: &str = "nhn";

    fn id(n: usize, part: u8) -> String {
        format!("{PEER}:6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d{part:02x}{n:02x}")
    }

    /// A valid, public organisation record of the peer, as its node would send it.
    fn org(n: usize) -> OrganisationRecord {
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        OrganisationRecord {
            id: id(n, 1),
            origin_node: PEER.into(),
            name: format!("Buurtwerk {n}"),
            kind: OrganisationKind::Welfare,
            status: OrganisationStatus::Published,
            description: "Welzijn in de wijk.".into(),
            kvk: Some("41048127".into()),
            agb: Some("12345678".into()),
            website: Some("https://buurtwerk.example/over-ons?x=1".into()),
            email: Some("info@buurtwerk.example".into()),
            phone: Some("024 - 382 28 38".into()),
            area_codes: vec!["GM0268".into(), "WK026806".into()],
            created_at: at,
            updated_at: at,
            version: 2,
        }
    }

    /// A valid, published offer record of [`org`] `n`.
    fn offer(n: usize) -> OfferRecord {
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        OfferRecord {
            id: id(n, 2),
            origin_node: PEER.into(),
            organisation_id: id(n, 1),
            title: format!("Wandelgroep {n}"),
            description: "Samen wandelen.".into(),
            kind: OfferKind::Group,
            status: OfferStatus::Open,
            published_at: Some(at),
            intake: Intake::None,
            cost_cents: Some(250),
            cost_period: Some(entities::CostPeriod::PerSession),
            cost_note: None,
            capacity: Some(12),
            places_taken: 3,
            has_waitlist: false,
            start_date: None,
            end_date: None,
            min_age: Some(18),
            max_age: None,
            schedule: vec![SchedulePeriod {
                freq: "WEEKLY".into(),
                interval: 2,
                byday: vec!["TU".into()],
                opens_at: "10:00".into(),
                closes_at: "12:00".into(),
                description: None,
                valid_from: None,
                valid_until: None,
            }],
            schedule_note: None,
            languages: vec!["nl".into()],
            accessibility: None,
            how_to_join: Some("Bel of mail.".into()),
            contact_name: Some("Ria".into()),
            contact_email: Some("ria@buurtwerk.example".into()),
            contact_phone: Some("+31 24 382 28 38".into()),
            hc_year: None,
            hc_coaches: vec![],
            hc_regisseur: None,
            hc_start_meeting: None,
            hc_sounding_board: vec![],
            network: None,
            circle: None,
            suitability: None,
            confirmed_at: None,
            recovery_focus: None,
            life_domains: vec![LifeDomain::Beweging],
            target_groups: vec![],
            locations: vec![LocationRecord {
                id: id(n, 3),
                name: Some("Wijkcentrum".into()),
                street: Some("Plein 1".into()),
                postcode: Some("6511AA".into()),
                city: Some("Nijmegen".into()),
                lat: 51.84,
                lon: 5.86,
                buurt_code: Some("BU02680000".into()),
                version: 1,
            }],
            created_at: at,
            updated_at: at,
            version: 3,
        }
    }

    /// A valid page of `n` organisations, each with an offer, and `tombstones` tombstones.
    fn page(n: usize, tombstones: usize) -> FeedPage {
        let mut entries = Vec::new();
        for i in 0..n {
            entries.push(FeedEntry {
                seq: 0,
                kind: RecordKind::Organisation,
                id: id(i, 1),
                record: Some(Record::Organisation(Box::new(org(i)))),
            });
            entries.push(FeedEntry {
                seq: 0,
                kind: RecordKind::Offer,
                id: id(i, 2),
                record: Some(Record::Offer(Box::new(offer(i)))),
            });
        }
        for i in 0..tombstones {
            entries.push(FeedEntry {
                seq: 0,
                kind: RecordKind::Offer,
                id: id(100 + i, 2),
                record: None,
            });
        }
        for (i, e) in entries.iter_mut().enumerate() {
            e.seq = i as i64 + 1;
        }
        FeedPage {
            version: FEED_VERSION,
            node: PEER.into(),
            head_seq: entries.len() as i64,
            next_cursor: entries.len() as i64,
            has_more: false,
            entries,
        }
    }

    /// How many fields [`mutate`] can hit.
    const FIELDS: usize = 20;

    /// Puts `value` into field `field` of the first organisation/offer of `p`; returns whether a
    /// local write would refuse that value for that field (a certain refusal), or `None` when
    /// the outcome depends on more than the one parser. Fields 0-8 are the organisation's
    /// ([`mutate_organisation`]), 18 the page's node, the others the offer's ([`mutate_offer`]).
    fn mutate(p: &mut FeedPage, field: usize, value: &str) -> Option<bool> {
        let (head, tail) = p.entries.split_at_mut(1);
        let organisation = &mut head[0];
        if !matches!(organisation.record, Some(Record::Organisation(_))) {
            return None;
        }
        let Some(Record::Offer(offer)) = &mut tail[0].record else {
            return None;
        };
        match field {
            0..=8 => mutate_organisation(organisation, field, value),
            18 => {
                p.node = value.to_string();
                Some(value != PEER)
            }
            _ => mutate_offer(offer, field, value),
        }
    }

    /// An optional field: refused when it is set (not blank) and `bad`.
    fn refused_if_set(value: &str, bad: bool) -> Option<bool> {
        Some(!value.trim().is_empty() && bad)
    }

    /// Whether a required text of `min..=max` characters refuses `value`.
    fn refused_text(value: &str, min: usize, max: usize) -> bool {
        let n = value.trim().chars().count();
        value.trim().is_empty() || n < min || n > max
    }

    /// Fields 0-8 of [`mutate`]: the organisation entry's id and record.
    fn mutate_organisation(entry: &mut FeedEntry, field: usize, value: &str) -> Option<bool> {
        if field == 7 {
            entry.id = value.to_string();
            return Some(true).filter(|_| value != id(0, 1));
        }
        let Some(Record::Organisation(o)) = &mut entry.record else {
            return None;
        };
        let v = value.to_string();
        match field {
            0 => {
                o.name = v;
                Some(refused_text(value, 0, 200))
            }
            1 => {
                o.website = Some(v);
                refused_if_set(value, WebUrl::parse(value).is_err())
            }
            2 => {
                o.email = Some(v);
                refused_if_set(value, Email::parse(value).is_err())
            }
            3 => {
                o.phone = Some(v);
                refused_if_set(value, Phone::parse(value).is_err())
            }
            4 => {
                o.kvk = Some(v);
                refused_if_set(value, KvkNumber::parse(value).is_err())
            }
            5 => {
                o.agb = Some(v);
                refused_if_set(value, AgbCode::parse(value).is_err())
            }
            6 => {
                o.area_codes[0] = v;
                Some(AreaCode::parse(value).is_err())
            }
            _ => {
                o.origin_node = v;
                Some(value != PEER)
            }
        }
    }

    /// Fields 9-17 and 19 of [`mutate`]: the offer record.
    fn mutate_offer(f: &mut OfferRecord, field: usize, value: &str) -> Option<bool> {
        let v = value.to_string();
        match field {
            9 => {
                f.title = v;
                Some(refused_text(value, 3, 200))
            }
            10 => {
                f.contact_email = Some(v);
                refused_if_set(value, Email::parse(value).is_err())
            }
            11 => {
                f.contact_phone = Some(v);
                refused_if_set(value, Phone::parse(value).is_err())
            }
            12 => {
                f.locations[0].postcode = Some(v);
                refused_if_set(value, Postcode::parse(value).is_err())
            }
            13 => {
                f.locations[0].buurt_code = Some(v);
                Some(AreaCode::parse(value).map_or(true, |c| c.kind() != AreaKind::Buurt))
            }
            14 => {
                f.languages = vec![v];
                None
            }
            15 => {
                f.organisation_id = v;
                Some(!canonical_peer_id(value))
            }
            16 => {
                f.schedule[0].opens_at = v;
                None
            }
            17 => {
                f.locations[0].id = v;
                Some(!canonical_peer_id(value))
            }
            _ => {
                f.how_to_join = Some(v);
                Some(value.trim().chars().count() > 2000)
            }
        }
    }

    /// Whether `value` is a global id of the peer exactly as its node writes it.
    fn canonical_peer_id(value: &str) -> bool {
        GlobalId::parse(value).is_ok_and(|g| g.node().as_str() == PEER && g.to_string() == value)
    }

    /// What a mirror stores passes every local parser: no link but http(s), every id the peer's.
    fn assert_storable(p: &FeedPage) -> Result<(), TestCaseError> {
        for e in &p.entries {
            prop_assert!(e.id.starts_with("nijmegen:"));
            match &e.record {
                Some(Record::Organisation(o)) => {
                    prop_assert_eq!(o.status, OrganisationStatus::Published);
                    if let Some(w) = &o.website {
                        let url = WebUrl::parse(w).unwrap();
                        prop_assert_eq!(url.as_str(), w.as_str());
                        let lower = w.to_ascii_lowercase();
                        prop_assert!(
                            lower.starts_with("http://") || lower.starts_with("https://"),
                            "{}",
                            w
                        );
                    }
                    if let Some(m) = &o.email {
                        prop_assert_eq!(&Email::parse(m).unwrap().into_inner(), m);
                    }
                    if let Some(ph) = &o.phone {
                        prop_assert_eq!(&Phone::parse(ph).unwrap().into_inner(), ph);
                    }
                    if let Some(k) = &o.kvk {
                        prop_assert!(KvkNumber::parse(k).is_ok());
                    }
                    for c in &o.area_codes {
                        prop_assert_eq!(&AreaCode::parse(c).unwrap().to_string(), c);
                    }
                }
                Some(Record::Offer(f)) => {
                    prop_assert!(f.published_at.is_some() && f.status != OfferStatus::Ended);
                    prop_assert!(f.organisation_id.starts_with("nijmegen:"));
                    if let Some(m) = &f.contact_email {
                        prop_assert!(Email::parse(m).is_ok());
                    }
                    if let Some(ph) = &f.contact_phone {
                        prop_assert!(Phone::parse(ph).is_ok());
                    }
                    for l in &f.locations {
                        prop_assert!(l.id.starts_with("nijmegen:"));
                        if let Some(pc) = &l.postcode {
                            prop_assert!(Postcode::parse(pc).is_ok());
                        }
                    }
                }
                None => {}
            }
        }
        Ok(())
    }

    fn referral_message() -> impl Strategy<Value = ReferralMessage> {
        let patient = prop_oneof![text(), "[0-9]{8,10}", "[A-Za-z0-9_-]{2,70}"];
        let note = prop_oneof![
            text(),
            "(Liefst|Graag|Na) (de )?(diagnose|medicatie|depressie|psychose|ochtend)[a-z ]{0,20}",
            "[a-z ]{270,290}",
        ];
        let created = (text(), patient, any::<bool>(), proptest::option::of(note)).prop_map(
            |(offer_id, patient_ref, consent, note)| {
                ReferralMessageBody::Created(Box::new(ForwardedReferral {
                    offer_id,
                    practice_id: None,
                    patient_ref,
                    consent,
                    contact_preference: Some(ContactPreference::Email),
                    reason_domains: vec![LifeDomain::SocialeContacten],
                    practical_needs: None,
                    note,
                    created_at: Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap(),
                    contact: None,
                }))
            },
        );
        let changed = proptest::option::of(text()).prop_map(|reason| {
            ReferralMessageBody::StatusChanged(StatusChange {
                from: ReferralStatus::Requested,
                to: ReferralStatus::Cancelled,
                reason,
                at: Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap(),
                outcome: None,
                expected_start: None,
            })
        });
        (text(), text(), text(), prop_oneof![created, changed]).prop_map(
            |(message_id, from_node, referral_id, body)| ReferralMessage {
                version: REFERRAL_PROTOCOL_VERSION,
                message_id,
                from_node,
                referral_id,
                body,
            },
        )
    }

    /// Mutates JSON text: cuts it, or replaces one byte range with `insert`.
    fn mangle(json: &str, at: usize, len: usize, insert: &str) -> String {
        let mut cut = at.min(json.len());
        while !json.is_char_boundary(cut) {
            cut -= 1;
        }
        let mut end = (cut + len).min(json.len());
        while !json.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}{}{}", &json[..cut], insert, &json[end..])
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

        /// A valid page is accepted unchanged and survives the wire (JSON) unchanged.
        #[test]
        fn valid_feed_pages_round_trip(n in 0usize..4, tombstones in 0usize..3) {
            let p = page(n, tombstones);
            let wire: FeedPage = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
            prop_assert_eq!(&wire, &p);
            let checked = check_page(PEER, LOCAL, &wire).map_err(|e| TestCaseError::fail(e.message()))?;
            prop_assert_eq!(checked, p);
        }

        /// One field of a valid page set to anything: no panic; a value the field's parser
        /// refuses (or an id of another node) refuses the whole page; what is accepted is
        /// storable and accepted again unchanged.
        #[test]
        fn mutated_feed_pages_are_refused_whole_or_stored_valid(
            n in 1usize..3,
            field in 0usize..FIELDS,
            value in prop_oneof![
                text(),
                Just("javascript:alert(1)".to_string()),
                Just("data:text/html,<script>alert(1)</script>".to_string()),
                Just(" https://ok.example/ ".to_string()),
                Just("zl:6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d0101".to_string()),
            ],
        ) {
            let mut p = page(n, 1);
            let refused = mutate(&mut p, field, &value);
            match check_page(PEER, LOCAL, &p) {
                Ok(checked) => {
                    prop_assert_ne!(refused, Some(true), "field {} = {:?} was accepted", field, value);
                    assert_storable(&checked)?;
                    prop_assert_eq!(check_page(PEER, LOCAL, &checked).unwrap(), checked);
                }
                Err(e) => {
                    prop_assert_eq!(e.code(), "BAD_USER_INPUT");
                    prop_assert_ne!(refused, Some(false), "field {} = {:?}: {}", field, value, e.message());
                }
            }
        }

        /// Arbitrary and mangled feed JSON: never a panic; what parses is checked like any page.
        #[test]
        fn feed_json_never_panics(
            raw in text(),
            at in any::<usize>(),
            len in 0usize..40,
            insert in text(),
        ) {
            let valid = serde_json::to_string(&page(2, 1)).unwrap();
            for json in [raw, mangle(&valid, at % (valid.len() + 1), len, &insert)] {
                if let Ok(p) = serde_json::from_str::<FeedPage>(&json)
                    && let Ok(checked) = check_page(PEER, LOCAL, &p)
                {
                    assert_storable(&checked)?;
                }
            }
        }

        /// Referral messages: any message survives the wire unchanged; arbitrary and mangled
        /// JSON never panics; the validators the receiver applies accept only what they promise.
        #[test]
        fn referral_messages_and_validators(
            m in referral_message(),
            at in any::<usize>(),
            len in 0usize..40,
            insert in text(),
        ) {
            let json = serde_json::to_string(&m).unwrap();
            prop_assert_eq!(&serde_json::from_str::<ReferralMessage>(&json).unwrap(), &m);
            let mangled = mangle(&json, at % (json.len() + 1), len, &insert);
            let _ = serde_json::from_str::<ReferralMessage>(&mangled);
            let (patient, note) = match &m.body {
                ReferralMessageBody::Created(f) => (Some(f.patient_ref.as_str()), f.note.as_deref()),
                ReferralMessageBody::StatusChanged(c) => (None, c.reason.as_deref()),
            };
            if let Some(raw) = patient
                && let Ok(p) = parse_patient_ref(raw)
            {
                prop_assert!((4..=64).contains(&p.len()));
                prop_assert!(p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
                prop_assert!(!(p.len() == 9 && p.bytes().all(|b| b.is_ascii_digit())), "a BSN");
                prop_assert_eq!(parse_patient_ref(&p).unwrap(), p);
            }
            if let Ok(Some(n)) = parse_note(note, "note") {
                prop_assert!(n.chars().count() <= crate::services::referral::NOTE_MAX);
                let lower = n.to_lowercase();
                for term in ["diagnose", "medicatie", "depressie", "psychose"] {
                    prop_assert!(!lower.contains(term), "{}", n);
                }
                prop_assert_eq!(parse_note(Some(&n), "note").unwrap(), Some(n));
            }
        }

        /// HSDS files: arbitrary and mangled text never panics; a file that parses maps to offer
        /// fields whose checks never panic; a file cut short is refused whole.
        #[test]
        fn hsds_files_never_panic_and_broken_files_are_refused(
            raw in text(),
            at in any::<usize>(),
            len in 0usize..40,
            insert in text(),
        ) {
            let service = serde_json::json!({
                "id": "6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a11", "name": "Wandelgroep", "status": "active",
                "email": "wandelen@buurtwerk.example", "minimum_age": 18,
                "phones": [{"id": "6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a12", "number": "024 382 28 38"}],
                "service_at_locations": [{"id": "6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a13",
                  "location": {"id": "6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a14", "latitude": 51.84, "longitude": 5.86,
                    "addresses": [{"id": "6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a15", "address_1": "Plein 1",
                      "city": "Nijmegen", "postal_code": "6511 AA", "country": "NL"}]}}]
            });
            let valid = serde_json::json!([service]).to_string();
            let services = parse_file(&valid).unwrap();
            prop_assert_eq!(services.len(), 1);
            // Valid input round-trips: serialised and parsed again, the same offer fields.
            let again = parse_file(&serde_json::to_string(&services).unwrap()).unwrap();
            prop_assert_eq!(format!("{:?}", offer_fields(&again[0])), format!("{:?}", offer_fields(&services[0])));
            let cut = mangle(&valid, (at % valid.len()).max(1), valid.len(), "");
            prop_assert!(parse_file(&cut).is_err(), "a truncated file is refused: {}", cut);
            for text in [raw, mangle(&valid, at % (valid.len() + 1), len, &insert)] {
                if let Ok(list) = parse_file(&text) {
                    for s in list.iter().take(5) {
                        let mut draft = OfferDraft::new(
                            &crate::domain::NodeId::parse("fuzz").unwrap(),
                            "fuzz:6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a12".into(),
                        );
                        let patch = crate::services::offer::OfferPatch::try_from(offer_fields(s));
                        if patch.and_then(|p| draft.apply(&p, super::gazetteer())).is_ok() {
                            let _ = draft.check();
                        }
                    }
                }
            }
        }
    }
}
