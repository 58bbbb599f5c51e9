//! The offer read model: `OfferBundle::load_many` keeps the order asked, skips missing ids and
//! costs the same few statements however many offers it loads; search hits leave out offers
//! that are no longer listed.

use api::db::QueryCounter;
use api::read_model::OfferBundle;
use entities::{location, offer, offer_life_domain, offer_target_group};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use tests::TestApp;

/// Runs `work` and returns its output and the statements it ran (counted on a task-local
/// counter, so background workers do not count).
async fn counted<F: std::future::Future>(work: F) -> (F::Output, u64) {
    let counter = QueryCounter::default();
    let out = counter.scope(work).await;
    (out, counter.get())
}

#[tokio::test]
async fn load_many_keeps_the_order_asked_skips_missing_ids_and_costs_four_statements() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let all: Vec<String> = offer::Entity::find()
        .order_by_asc(offer::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert!(all.len() >= 10, "demo data has offers: {}", all.len());

    // Reversed, with unknown ids in between.
    let mut asked = Vec::new();
    for (i, id) in all.iter().rev().enumerate() {
        asked.push(id.clone());
        if i % 3 == 0 {
            asked.push(format!("test:00000000-0000-0000-0000-{i:012}"));
        }
    }
    let (bundles, many) = counted(OfferBundle::load_many(db, &asked)).await;
    let bundles = bundles.unwrap();
    let got: Vec<&str> = bundles.iter().map(|b| b.offer.id.as_str()).collect();
    let expected: Vec<&str> = all.iter().rev().map(String::as_str).collect();
    assert_eq!(got, expected);

    let (one, single) = counted(OfferBundle::load_many(db, &all[..1])).await;
    assert_eq!(one.unwrap().len(), 1);
    assert_eq!(many, 4, "{} ids cost {many} statements", asked.len());
    assert_eq!(
        single,
        many,
        "one id costs {single}, {} cost {many}",
        all.len()
    );
    let (none, zero) = counted(OfferBundle::load_many(db, &Vec::<String>::new())).await;
    assert!(none.unwrap().is_empty());
    assert_eq!(zero, 0);

    // Each bundle holds its own parts: locations in position order, sorted domains and groups.
    for b in &bundles {
        assert_eq!(b.organisation.id, b.offer.organisation_id);
        let locations: Vec<String> = location::Entity::find()
            .filter(location::Column::OfferId.eq(b.offer.id.as_str()))
            .order_by_asc(location::Column::Position)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.id)
            .collect();
        let got: Vec<String> = b.locations.iter().map(|l| l.id.clone()).collect();
        assert_eq!(got, locations, "{}", b.offer.title);
        let mut domains: Vec<_> = offer_life_domain::Entity::find()
            .filter(offer_life_domain::Column::OfferId.eq(b.offer.id.as_str()))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.life_domain)
            .collect();
        domains.sort();
        assert_eq!(b.life_domains, domains, "{}", b.offer.title);
        let mut groups: Vec<_> = offer_target_group::Entity::find()
            .filter(offer_target_group::Column::OfferId.eq(b.offer.id.as_str()))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|g| g.target_group)
            .collect();
        groups.sort();
        assert_eq!(b.target_groups, groups, "{}", b.offer.title);
    }
    assert!(bundles.iter().any(|b| !b.locations.is_empty()));
    assert!(bundles.iter().any(|b| b.life_domains.len() > 1));
    app.stop().await;
}

#[tokio::test]
async fn search_hits_leave_out_offers_no_longer_listed() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let offers = offer::Entity::find()
        .filter(offer::Column::PublishedAt.is_not_null())
        .filter(offer::Column::Status.ne(entities::OfferStatus::Ended))
        .order_by_asc(offer::Column::Id)
        .all(db)
        .await
        .unwrap();
    let ids: Vec<String> = offers.iter().map(|o| o.id.clone()).collect();
    let listed = OfferBundle::search_hits(db, &ids).await.unwrap();
    assert_eq!(listed.len(), ids.len());

    // One offer is unpublished, another ends: both stay loadable, neither is a hit any more.
    let mut unpublished = offers[0].clone().into_active_model();
    unpublished.published_at = Set(None);
    unpublished.update(db).await.unwrap();
    let mut ended = offers[1].clone().into_active_model();
    ended.status = Set(entities::OfferStatus::Ended);
    ended.update(db).await.unwrap();
    let hits = OfferBundle::search_hits(db, &ids).await.unwrap();
    let hit_ids: Vec<&str> = hits.iter().map(|b| b.offer.id.as_str()).collect();
    let expected: Vec<&str> = ids[2..].iter().map(String::as_str).collect();
    assert_eq!(hit_ids, expected);
    assert_eq!(
        OfferBundle::load_many(db, &ids).await.unwrap().len(),
        ids.len()
    );
    app.stop().await;
}
