//! Forged, expired and misused tokens are all refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lms_tests::TestApp;
use serde_json::json;

const SECRET: &str = "test-secret-test-secret-test-secret-0123";

fn claims(s: &lms_tests::Session, sid: &str) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": s.user_id.to_string(), "sid": sid, "iss": "lms", "aud": "lms-api", "iat": now, "exp": now + 600, "typ": "access"})
}

fn sid_of(token: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    v["sid"].as_str().unwrap().to_owned()
}

fn sign(c: &serde_json::Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        c,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn refused(app: &TestApp, token: &str) {
    let res = app
        .get("/api/v1/me")
        .bearer(token)
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert_eq!(res.error_code(), "invalid_token", "{}", res.text());
}

#[tokio::test]
async fn a_correctly_signed_token_is_accepted() {
    let app = TestApp::new().await;
    let s = app.user_with(&[]).await;
    let forged_by_us = sign(&claims(&s, &sid_of(&s.access_token)), SECRET);
    app.get("/api/v1/me")
        .bearer(&forged_by_us)
        .send()
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn alg_none_is_refused() {
    let app = TestApp::new().await;
    let s = app.user_with(&[]).await;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body =
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(&s, &sid_of(&s.access_token))).unwrap());
    refused(&app, &format!("{header}.{body}.")).await;
    refused(&app, &format!("{header}.{body}")).await;
}

#[tokio::test]
async fn another_algorithm_is_refused() {
    let app = TestApp::new().await;
    let s = app.user_with(&[]).await;
    let t = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims(&s, &sid_of(&s.access_token)),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    refused(&app, &t).await;
}

#[tokio::test]
async fn wrong_key_is_refused() {
    let app = TestApp::new().await;
    let s = app.user_with(&[]).await;
    refused(
        &app,
        &sign(
            &claims(&s, &sid_of(&s.access_token)),
            "another-secret-another-secret-another",
        ),
    )
    .await;
}

#[tokio::test]
async fn expired_token_is_refused() {
    let app = TestApp::new().await;
    let s = app.user_with(&[]).await;
    let mut c = claims(&s, &sid_of(&s.access_token));
    let past = chrono::Utc::now().timestamp() - 3600;
    c["iat"] = json!(past - 900);
    c["exp"] = json!(past);
    refused(&app, &sign(&c, SECRET)).await;
}

#[tokio::test]
async fn wrong_audience_or_issuer_is_refused() {
    let app = TestApp::new().await;
    let s = app.user_with(&[]).await;
    let mut c = claims(&s, &sid_of(&s.access_token));
    c["aud"] = json!("another-service");
    refused(&app, &sign(&c, SECRET)).await;
    let mut c = claims(&s, &sid_of(&s.access_token));
    c["iss"] = json!("someone-else");
    refused(&app, &sign(&c, SECRET)).await;
}

#[tokio::test]
async fn token_of_another_type_or_session_is_refused() {
    let app = TestApp::new().await;
    let s = app.user_with(&[]).await;
    let mut c = claims(&s, &sid_of(&s.access_token));
    c["typ"] = json!("refresh");
    refused(&app, &sign(&c, SECRET)).await;
    // A valid signature over a session that does not exist.
    refused(
        &app,
        &sign(&claims(&s, "00000000-0000-0000-0000-000000000000"), SECRET),
    )
    .await;
    // Another user's id inside this user's session.
    let other = app.user_with(&[]).await;
    let mut c = claims(&s, &sid_of(&s.access_token));
    c["sub"] = json!(other.user_id.to_string());
    refused(&app, &sign(&c, SECRET)).await;
}

#[tokio::test]
async fn refresh_token_used_as_access_token_is_refused() {
    let app = TestApp::new().await;
    let s = app.user_with(&[]).await;
    refused(&app, &s.refresh_token).await;
    refused(&app, "garbage").await;
    let res = app
        .get("/api/v1/me")
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
    let app = TestApp::new().await;
    let s = app.user_with(&[]).await;
    let first = app
        .post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": s.refresh_token}))
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    let r2 = first["refresh_token"].as_str().unwrap().to_owned();
    let a2 = first["access_token"].as_str().unwrap().to_owned();
    assert_ne!(r2, s.refresh_token);
    app.get("/api/v1/me")
        .bearer(&a2)
        .send()
        .await
        .expect(StatusCode::OK);

    // The rotated token comes back after the grace window: someone copied it. The whole
    // login ends.
    backdate_swap(&app, &s.refresh_token, 31).await;
    let reuse = app
        .post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": s.refresh_token}))
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert_eq!(reuse.error_code(), "invalid_token");
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": r2}))
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);
    app.get("/api/v1/me")
        .bearer(&a2)
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);
    app.get("/api/v1/me")
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);

    // Other logins of the same user are untouched.
    let again = app.login(&s.email, lms_tests::PASSWORD, s.user_id).await;
    app.get("/api/v1/me")
        .bearer(&again.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
}

/// Moves the moment `token` was swapped `seconds` into the past.
async fn backdate_swap(app: &TestApp, token: &str, seconds: i64) {
    use sea_orm::{ConnectionTrait, Statement};
    let digest = lms_domain::tokens::digest(token);
    let at = chrono::Utc::now() - chrono::Duration::seconds(seconds);
    let backend = app.db.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2"
        }
        _ => "UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?",
    };
    let done = app
        .db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [at.into(), digest.into()],
        ))
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1, "the token was swapped");
}

async fn refresh_with(app: &TestApp, token: &str) -> lms_tests::TestResponse {
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": token}))
        .send()
        .await
}

#[tokio::test]
async fn two_tabs_refreshing_at_once_get_the_same_successor_and_stay_logged_in() {
    let app = TestApp::new().await;
    let s = app.user_with(&[]).await;
    // Both requests race with the same token.
    let (a, b) = tokio::join!(
        refresh_with(&app, &s.refresh_token),
        refresh_with(&app, &s.refresh_token)
    );
    let (a, b) = (
        a.expect(StatusCode::OK).json(),
        b.expect(StatusCode::OK).json(),
    );
    assert_eq!(
        a["refresh_token"], b["refresh_token"],
        "one successor for both"
    );
    let next = a["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(next, s.refresh_token);
    for access in [&a["access_token"], &b["access_token"]] {
        app.get("/api/v1/me")
            .bearer(access.as_str().unwrap())
            .send()
            .await
            .expect(StatusCode::OK);
    }
    // A third late request of the same tab pair, still within the window: same answer.
    let c = refresh_with(&app, &s.refresh_token)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(c["refresh_token"], a["refresh_token"]);
    // The successor works once, as any refresh token.
    let after = refresh_with(&app, &next)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_ne!(after["refresh_token"].as_str().unwrap(), next);
    app.get("/api/v1/me")
        .bearer(after["access_token"].as_str().unwrap())
        .send()
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn a_spent_token_whose_successor_was_used_ends_the_login_even_within_the_window() {
    let app = TestApp::new().await;
    let s = app.user_with(&[]).await;
    let first = refresh_with(&app, &s.refresh_token)
        .await
        .expect(StatusCode::OK)
        .json();
    let next = first["refresh_token"].as_str().unwrap().to_owned();
    let second = refresh_with(&app, &next)
        .await
        .expect(StatusCode::OK)
        .json();
    // The thief replays the first token seconds later: its successor is spent, so this is
    // not a race of the owner's tabs.
    let reuse = refresh_with(&app, &s.refresh_token)
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert_eq!(reuse.error_code(), "invalid_token");
    app.get("/api/v1/me")
        .bearer(second["access_token"].as_str().unwrap())
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);
    refresh_with(&app, second["refresh_token"].as_str().unwrap())
        .await
        .expect(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_forged_refresh_token_is_refused_without_touching_the_login() {
    let app = TestApp::new().await;
    let s = app.user_with(&[]).await;
    // The successor of a real token, computed with another secret.
    let other = lms_domain::tokens::TokenKeys::new(
        b"not-the-deployment-secret-at-all",
        chrono::Duration::minutes(15),
        chrono::Duration::days(30),
    );
    refresh_with(&app, &other.successor_of(&s.refresh_token))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    refresh_with(&app, &s.refresh_token)
        .await
        .expect(StatusCode::OK);
}
