//! Property tests ("fuzzing") of every parser and validator that sees client input: none may
//! panic on any input, and accepted values must round-trip.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::domain::{
    AgbCode, AreaCode, Email, GlobalId, KvkNumber, NodeId, Postcode, TimeOfDay, WebUrl,
};
use crate::geo::Gazetteer;
use crate::hsds::routes::parse_modified_after;
use crate::services::offer::{LocationFields, OfferDraft, OfferFields, SchedulePeriodFields};
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
        let _ = NodeId::parse(&raw);
        let _ = Email::parse(&raw);
        let _ = WebUrl::parse(&raw);
        let _ = KvkNumber::parse(&raw);
        let _ = AgbCode::parse(&raw);
        if let Ok(t) = TimeOfDay::parse(&raw) {
            prop_assert_eq!(TimeOfDay::parse(&t.to_hhmm()).unwrap(), t);
        }
        let _ = parse_modified_after(&raw);
        let _ = crate::services::organisation::parse_phone(&raw);
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
        if draft.apply(&f, gazetteer()).is_ok() && draft.check().is_ok() {
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
