//! The core tables: areas, nodes, organisations, offers, locations, users, memberships,
//! referrals with their events, the change log and its consumer cursors.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn id(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .string()
        .not_null()
        .primary_key()
        .take()
}
fn str(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).string().not_null().take()
}
fn str_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).string().null().take()
}
fn text(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).text().not_null().take()
}
fn text_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).text().null().take()
}
fn int(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().take()
}
fn int_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).integer().null().take()
}
fn boolean(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).boolean().not_null().take()
}
fn double(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).double().not_null().take()
}
fn date_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).date().null().take()
}
fn ts(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}
fn ts_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .take()
}
fn json(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).json().not_null().take()
}
fn big_pk(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .take()
}

fn index(table: impl IntoIden + Clone, name: &str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt.take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        manager
            .create_table(
                Table::create()
                    .table(a("areas"))
                    .col(ColumnDef::new(a("code")).string().not_null().primary_key())
                    .col(str(a("kind")))
                    .col(str(a("name")))
                    .col(str_null(a("parent_code")))
                    .col(str(a("gemeente_code")))
                    .col(double(a("centroid_lat")))
                    .col(double(a("centroid_lon")))
                    .col(text_null(a("geometry")))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(a("areas"), "idx_areas_parent", &["parent_code"]))
            .await?;
        manager
            .create_index(index(
                a("areas"),
                "idx_areas_gemeente",
                &["gemeente_code", "kind"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("nodes"))
                    .col(id(a("id")))
                    .col(str(a("name")))
                    .col(str_null(a("base_url")))
                    .col(boolean(a("is_local")))
                    .col(json(a("region")))
                    .col(ts(a("created_at")))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("organisations"))
                    .col(id(a("id")))
                    .col(str(a("origin_node")))
                    .col(str(a("name")))
                    .col(str(a("kind")))
                    .col(str(a("status")))
                    .col(text(a("description")))
                    .col(str_null(a("kvk")))
                    .col(str_null(a("agb")))
                    .col(str_null(a("website")))
                    .col(str_null(a("email")))
                    .col(str_null(a("phone")))
                    .col(ts(a("created_at")))
                    .col(ts(a("updated_at")))
                    .col(int(a("version")))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                a("organisations"),
                "idx_organisations_name",
                &["name"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("organisation_areas"))
                    .col(str(a("organisation_id")))
                    .col(str(a("area_code")))
                    .primary_key(
                        Index::create()
                            .col(a("organisation_id"))
                            .col(a("area_code")),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("organisation_areas"), a("organisation_id"))
                            .to(a("organisations"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                a("organisation_areas"),
                "idx_organisation_areas_area",
                &["area_code"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("offers"))
                    .col(id(a("id")))
                    .col(str(a("origin_node")))
                    .col(str(a("organisation_id")))
                    .col(str(a("title")))
                    .col(text(a("description")))
                    .col(str(a("kind")))
                    .col(str(a("status")))
                    .col(ts_null(a("published_at")))
                    .col(str(a("intake")))
                    .col(int_null(a("cost_cents")))
                    .col(str_null(a("cost_period")))
                    .col(str_null(a("cost_note")))
                    .col(int_null(a("capacity")))
                    .col(int(a("places_taken")))
                    .col(boolean(a("has_waitlist")))
                    .col(date_null(a("start_date")))
                    .col(date_null(a("end_date")))
                    .col(int_null(a("min_age")))
                    .col(int_null(a("max_age")))
                    .col(json(a("schedule")))
                    .col(str_null(a("schedule_note")))
                    .col(json(a("languages")))
                    .col(str_null(a("accessibility")))
                    .col(text_null(a("how_to_join")))
                    .col(str_null(a("contact_name")))
                    .col(str_null(a("contact_email")))
                    .col(str_null(a("contact_phone")))
                    .col(int_null(a("hc_year")))
                    .col(json(a("hc_coaches")))
                    .col(str_null(a("hc_regisseur")))
                    .col(date_null(a("hc_start_meeting")))
                    .col(json(a("hc_sounding_board")))
                    .col(ts(a("created_at")))
                    .col(ts(a("updated_at")))
                    .col(int(a("version")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("offers"), a("organisation_id"))
                            .to(a("organisations"), a("id")),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                a("offers"),
                "idx_offers_organisation",
                &["organisation_id"],
            ))
            .await?;
        manager
            .create_index(index(a("offers"), "idx_offers_status", &["status", "kind"]))
            .await?;

        for (table, col, idx) in [
            (
                "offer_life_domains",
                "life_domain",
                "idx_offer_life_domains_value",
            ),
            (
                "offer_target_groups",
                "target_group",
                "idx_offer_target_groups_value",
            ),
        ] {
            manager
                .create_table(
                    Table::create()
                        .table(a(table))
                        .col(str(a("offer_id")))
                        .col(str(a(col)))
                        .primary_key(Index::create().col(a("offer_id")).col(a(col)))
                        .foreign_key(
                            ForeignKey::create()
                                .from(a(table), a("offer_id"))
                                .to(a("offers"), a("id"))
                                .on_delete(ForeignKeyAction::Cascade),
                        )
                        .take(),
                )
                .await?;
            manager.create_index(index(a(table), idx, &[col])).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(a("locations"))
                    .col(id(a("id")))
                    .col(str(a("origin_node")))
                    .col(str(a("offer_id")))
                    .col(int(a("position")))
                    .col(str_null(a("name")))
                    .col(str_null(a("street")))
                    .col(str_null(a("postcode")))
                    .col(str_null(a("city")))
                    .col(double(a("lat")))
                    .col(double(a("lon")))
                    .col(str_null(a("buurt_code")))
                    .col(ts(a("updated_at")))
                    .col(int(a("version")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("locations"), a("offer_id"))
                            .to(a("offers"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(index(a("locations"), "idx_locations_offer", &["offer_id"]))
            .await?;
        manager
            .create_index(index(
                a("locations"),
                "idx_locations_buurt",
                &["buurt_code"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("users"))
                    .col(id(a("id")))
                    .col(ColumnDef::new(a("email")).string().not_null().unique_key())
                    .col(str(a("display_name")))
                    .col(str_null(a("password_hash")))
                    .col(str_null(a("oidc_subject")))
                    .col(boolean(a("disabled")))
                    .col(ts(a("created_at")))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("memberships"))
                    .col(id(a("id")))
                    .col(str(a("user_id")))
                    .col(str(a("role")))
                    .col(str_null(a("organisation_id")))
                    .col(str_null(a("gemeente_code")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("memberships"), a("user_id"))
                            .to(a("users"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                a("memberships"),
                "idx_memberships_user",
                &["user_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("referrals"))
                    .col(id(a("id")))
                    .col(str(a("origin_node")))
                    .col(str(a("offer_id")))
                    .col(str(a("offer_node")))
                    .col(str_null(a("referrer_user_id")))
                    .col(str_null(a("referrer_organisation_id")))
                    .col(str_null(a("patient_ref")))
                    .col(boolean(a("consent")))
                    .col(str_null(a("contact_preference")))
                    .col(json(a("reason_domains")))
                    .col(text_null(a("note")))
                    .col(str(a("status")))
                    .col(str_null(a("status_reason")))
                    .col(boolean(a("offer_was_full")))
                    .col(ts(a("created_at")))
                    .col(ts(a("updated_at")))
                    .col(ts_null(a("closed_at")))
                    .col(ts_null(a("purged_at")))
                    .col(int(a("version")))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(a("referrals"), "idx_referrals_offer", &["offer_id"]))
            .await?;
        manager
            .create_index(index(
                a("referrals"),
                "idx_referrals_referrer",
                &["referrer_user_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("referral_events"))
                    .col(big_pk(a("id")))
                    .col(str(a("referral_id")))
                    .col(ts(a("at")))
                    .col(str(a("actor")))
                    .col(str_null(a("from_status")))
                    .col(str(a("to_status")))
                    .col(text_null(a("note")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("referral_events"), a("referral_id"))
                            .to(a("referrals"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                a("referral_events"),
                "idx_referral_events_referral",
                &["referral_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("changes"))
                    .col(big_pk(a("seq")))
                    .col(str(a("record_kind")))
                    .col(str(a("record_id")))
                    .col(str(a("op")))
                    .col(str(a("origin_node")))
                    .col(ts(a("at")))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                a("changes"),
                "idx_changes_record",
                &["record_kind", "record_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("consumer_cursors"))
                    .col(id(a("consumer")))
                    .col(ColumnDef::new(a("seq")).big_integer().not_null())
                    .col(ts(a("updated_at")))
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "consumer_cursors",
            "changes",
            "referral_events",
            "referrals",
            "memberships",
            "users",
            "locations",
            "offer_target_groups",
            "offer_life_domains",
            "offers",
            "organisation_areas",
            "organisations",
            "nodes",
            "areas",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).take())
                .await?;
        }
        Ok(())
    }
}
