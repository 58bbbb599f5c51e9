//! The Herstelcirkel plan of an offer (issue 19) in its own table `offer_circles`: roles,
//! partner practices, subgroups, start meeting, group size, Herstelcirkel+ link and
//! evaluations. Existing `offers.hc_*` values are copied into it (year, coaches, regisseur,
//! start meeting, sounding-board dates), so no data is lost; the `hc_*` columns stay for
//! older clients and peers.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::{ChronoDate, ChronoDateTimeUtc};
use sea_orm_migration::sea_orm::{ConnectionTrait, FromQueryResult, JsonValue};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

fn json(name: &str) -> ColumnDef {
    ColumnDef::new(a(name)).json().not_null().take()
}

fn str_null(name: &str) -> ColumnDef {
    ColumnDef::new(a(name)).string().null().take()
}

fn int_null(name: &str) -> ColumnDef {
    ColumnDef::new(a(name)).integer().null().take()
}

/// The `hc_*` values of an offer that has any.
#[derive(FromQueryResult)]
struct Legacy {
    id: String,
    hc_year: Option<i32>,
    hc_coaches: JsonValue,
    hc_regisseur: Option<String>,
    hc_start_meeting: Option<ChronoDate>,
    hc_sounding_board: JsonValue,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(a("offer_circles"))
                    .col(
                        ColumnDef::new(a("offer_id"))
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(int_null("year"))
                    .col(str_null("previous_offer_id"))
                    .col(str_null("kwartiermaker_name"))
                    .col(str_null("kwartiermaker_organisation"))
                    .col(str_null("kwartiermaker_phone"))
                    .col(str_null("kwartiermaker_email"))
                    .col(json("coaches"))
                    .col(json("regisseurs"))
                    .col(ColumnDef::new(a("start_meeting")).date().null())
                    .col(json("start_meeting_invited"))
                    .col(json("klankbord_members"))
                    .col(json("klankbord_meetings"))
                    .col(int_null("group_min"))
                    .col(int_null("group_max"))
                    .col(json("subgroups"))
                    .col(json("partners"))
                    .col(json("evaluations"))
                    .col(
                        ColumnDef::new(a("updated_at"))
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("offer_circles"), a("offer_id"))
                            .to(a("offers"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_offer_circles_previous")
                    .table(a("offer_circles"))
                    .col(a("previous_offer_id"))
                    .take(),
            )
            .await?;
        copy_legacy(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(a("offer_circles")).take())
            .await
    }
}

/// One `offer_circles` row for every offer with Herstelcirkel values in `offers.hc_*`.
async fn copy_legacy(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    let select = Query::select()
        .columns([
            a("id"),
            a("hc_year"),
            a("hc_coaches"),
            a("hc_regisseur"),
            a("hc_start_meeting"),
            a("hc_sounding_board"),
        ])
        .from(a("offers"))
        .cond_where(
            Cond::any()
                .add(Expr::col(a("kind")).eq("herstelcirkel"))
                .add(Expr::col(a("hc_year")).is_not_null())
                .add(Expr::col(a("hc_regisseur")).is_not_null())
                .add(Expr::col(a("hc_start_meeting")).is_not_null()),
        )
        .to_owned();
    let rows = Legacy::find_by_statement(backend.build(&select))
        .all(db)
        .await?;
    let now: ChronoDateTimeUtc = ChronoDateTimeUtc::from(std::time::SystemTime::now());
    let empty = JsonValue::Array(Vec::new());
    for r in rows {
        let regisseurs =
            JsonValue::Array(r.hc_regisseur.into_iter().map(JsonValue::from).collect());
        let insert = Query::insert()
            .into_table(a("offer_circles"))
            .columns(
                [
                    "offer_id",
                    "year",
                    "coaches",
                    "regisseurs",
                    "start_meeting",
                    "start_meeting_invited",
                    "klankbord_members",
                    "klankbord_meetings",
                    "subgroups",
                    "partners",
                    "evaluations",
                    "updated_at",
                ]
                .map(a),
            )
            .values_panic([
                r.id.into(),
                r.hc_year.into(),
                r.hc_coaches.into(),
                regisseurs.into(),
                r.hc_start_meeting.into(),
                empty.clone().into(),
                empty.clone().into(),
                r.hc_sounding_board.into(),
                empty.clone().into(),
                empty.clone().into(),
                empty.clone().into(),
                now.into(),
            ])
            .to_owned();
        db.execute(&insert).await?;
    }
    Ok(())
}
