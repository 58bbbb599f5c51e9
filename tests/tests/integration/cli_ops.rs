//! The command line beside a running node: `create-user` (and the other database-only commands)
//! work while the node holds the search index, and `doctor` says what is wrong.

use api::auth::Membership;
use api::auth::users::NewUser;
use api::ops::accounts;
use entities::Role;
use sea_orm::EntityTrait;
use tests::TestApp;

fn editor_of(email: &str, organisation: &str) -> NewUser {
    NewUser {
        email: email.into(),
        display_name: "Nieuwe redacteur".into(),
        password: Some(api::seed::users::DEMO_PASSWORD.into()),
        oidc_subject: None,
        memberships: vec![Membership {
            role: Role::OrganisationEditor,
            organisation_id: Some(organisation.into()),
            gemeente_code: None,
        }],
    }
}

#[tokio::test]
async fn create_user_works_beside_a_running_node_and_refuses_an_unknown_organisation() {
    let app = TestApp::spawn().await;
    let config = app.state.config.clone();
    let org = entities::organisation::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("a demo organisation")
        .id;

    // The command's own path, while the node runs and holds the index writer.
    let db = accounts::open_database(&config)
        .await
        .unwrap_or_else(|e| panic!("open beside the node: {}", e.message()));
    let node = accounts::node_id(&config).unwrap();
    let user = accounts::create_user(&db, &node, editor_of("nieuw@example.org", &org))
        .await
        .unwrap_or_else(|e| panic!("create-user: {}", e.message()));
    let token = app.sign_in("nieuw@example.org").await;
    assert!(!token.is_empty(), "the new user {} signs in", user.id);

    let unknown = format!("{}:{}", node.as_str(), uuid::Uuid::new_v4());
    let err = accounts::create_user(&db, &node, editor_of("ander@example.org", &unknown))
        .await
        .expect_err("an unknown organisation is refused");
    assert_eq!(err.code(), "NOT_FOUND");
    assert!(err.message().contains(&unknown), "{}", err.message());
    let err = accounts::create_user(&db, &node, editor_of("ander@example.org", "Bindkracht10"))
        .await
        .expect_err("a name is not an id");
    assert_eq!(err.code(), "BAD_USER_INPUT", "{}", err.message());
    let user = api::auth::users::find_by_email(&db, "ander@example.org")
        .await
        .unwrap();
    assert!(user.is_none(), "nothing written for a refused user");
    app.stop().await;
}

fn peer(id: &str, port: u16, secret: &str) -> api::config::PeerConfig {
    api::config::PeerConfig {
        id: id.into(),
        base_url: format!("http://127.0.0.1:{port}"),
        secret: Some(secret.into()),
        interval_secs: 0,
        token_url: None,
        client_id: None,
        client_secret: None,
        inbound_client_id: None,
    }
}

fn outcome<'a>(checks: &'a [api::ops::doctor::Check], name: &str) -> &'a Result<String, String> {
    &checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check '{name}'"))
        .outcome
}

#[tokio::test]
async fn doctor_checks_database_search_and_each_peer() {
    let (la, lb) = (tests::listener().await, tests::listener().await);
    let (pa, pb) = (tests::port_of(&la), tests::port_of(&lb));
    let gone = tests::port_of(&tests::listener().await);
    let b = TestApp::spawn_on(lb, |c| {
        c.node.id = "b".into();
        c.seed.demo = false;
        c.federation.peers = vec![peer("test", pa, "secret-a-b")];
    })
    .await;
    let a = TestApp::spawn_on(la, |c| {
        c.seed.demo = false;
        c.federation.peers = vec![peer("b", pb, "secret-a-b"), peer("gone", gone, "x")];
    })
    .await;

    let checks = api::ops::doctor::run(&a.state.config).await;
    for name in ["database", "migrations", "search", "peer b"] {
        assert!(
            outcome(&checks, name).is_ok(),
            "{name}: {:?}",
            outcome(&checks, name)
        );
    }
    let err = outcome(&checks, "peer gone").as_ref().unwrap_err();
    assert!(err.contains("unreachable"), "{err}");

    let mut wrong = (*a.state.config).clone();
    wrong.federation.peers = vec![peer("b", pb, "another-secret"), peer("c", pb, "secret-a-b")];
    let checks = api::ops::doctor::run(&wrong).await;
    let err = outcome(&checks, "peer b").as_ref().unwrap_err();
    assert!(err.contains("credentials"), "{err}");
    // b accepts this node's secret but is not the node configured as c.
    let err = outcome(&checks, "peer c").as_ref().unwrap_err();
    assert!(err.contains("answers as node 'b'"), "{err}");
    a.stop().await;
    b.stop().await;
}
