//! Networks and joint, funded offers (issue 19): `networks` with their member organisations
//! (`network_members`; practices are organisations of kind `gp_practice`), the partner
//! organisations that run an offer beside its owner (`offer_partners`), its funders
//! (`offer_funders`) and funding routes (`offer_funding_routes`), and attributes GPs filter on
//! (`offer_attributes`: peer-led, delivery mode, structured accessibility). New tables only:
//! existing rows keep their data.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn str_col(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name)).string().not_null().take()
}

fn to_offer(table: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(Alias::new(table), Alias::new("offer_id"))
        .to(Alias::new("offers"), Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

/// `(table, value column)` of the offer value lists (one row per offer and value).
const VALUE_LISTS: [(&str, &str); 2] = [
    ("offer_funding_routes", "route"),
    ("offer_attributes", "attribute"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        let ts = |n: &str| {
            ColumnDef::new(Alias::new(n))
                .timestamp_with_time_zone()
                .not_null()
                .take()
        };
        manager
            .create_table(
                Table::create()
                    .table(a("networks"))
                    .col(str_col("id").primary_key().take())
                    .col(str_col("origin_node"))
                    .col(str_col("name"))
                    .col(ColumnDef::new(a("description")).text().not_null())
                    .col(ColumnDef::new(a("website")).string().null())
                    .col(ColumnDef::new(a("region")).json().not_null())
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .col(ColumnDef::new(a("version")).integer().not_null())
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_networks_name")
                    .table(a("networks"))
                    .col(a("name"))
                    .col(a("id"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("network_members"))
                    .col(str_col("network_id"))
                    .col(str_col("organisation_id"))
                    .col(ts("added_at"))
                    .primary_key(
                        Index::create()
                            .col(a("network_id"))
                            .col(a("organisation_id")),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("network_members"), a("network_id"))
                            .to(a("networks"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("network_members"), a("organisation_id"))
                            .to(a("organisations"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_network_members_org")
                    .table(a("network_members"))
                    .col(a("organisation_id"))
                    .col(a("network_id"))
                    .take(),
            )
            .await?;
        // Partners are not foreign keys: a mirrored offer may name a partner this node does
        // not hold.
        manager
            .create_table(
                Table::create()
                    .table(a("offer_partners"))
                    .col(str_col("offer_id"))
                    .col(str_col("organisation_id"))
                    .col(ColumnDef::new(a("position")).integer().not_null())
                    .primary_key(Index::create().col(a("offer_id")).col(a("organisation_id")))
                    .foreign_key(&mut to_offer("offer_partners"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_offer_partners_org")
                    .table(a("offer_partners"))
                    .col(a("organisation_id"))
                    .col(a("offer_id"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("offer_funders"))
                    .col(str_col("offer_id"))
                    .col(ColumnDef::new(a("position")).integer().not_null())
                    .col(str_col("name"))
                    .col(str_col("kind"))
                    .primary_key(Index::create().col(a("offer_id")).col(a("position")))
                    .foreign_key(&mut to_offer("offer_funders"))
                    .take(),
            )
            .await?;
        for (table, col) in VALUE_LISTS {
            manager
                .create_table(
                    Table::create()
                        .table(a(table))
                        .col(str_col("offer_id"))
                        .col(str_col(col))
                        .primary_key(Index::create().col(a("offer_id")).col(a(col)))
                        .foreign_key(&mut to_offer(table))
                        .take(),
                )
                .await?;
            manager
                .create_index(
                    Index::create()
                        .name(format!("idx_{table}_value_offer"))
                        .table(a(table))
                        .col(a(col))
                        .col(a("offer_id"))
                        .take(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "offer_attributes",
            "offer_funding_routes",
            "offer_funders",
            "offer_partners",
            "network_members",
            "networks",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
