//! HTTP basics: health, metrics, OpenAPI, security headers, error shape, limits, CSRF,
//! pages in both languages.

use http::StatusCode;
use lms_tests::{PASSWORD, TestApp};
use serde_json::json;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::new().await;
    assert_eq!(
        app.get("/healthz")
            .send()
            .await
            .expect(StatusCode::OK)
            .text(),
        "ok"
    );
    let ready = app
        .get("/readyz")
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(ready["database"], "ok");
    assert_eq!(ready["storage"], "ok");
    if std::env::var("LMS_TEST_REDIS_URL").is_ok() {
        assert_eq!(ready["redis"], "ok");
    }
    app.get("/api/v1/provinces")
        .send()
        .await
        .expect(StatusCode::OK);
    // A method of the client's own invention is counted, under one label for all such.
    let brew = http::Method::from_bytes(b"BREW").unwrap();
    let res = app.request(brew, "/api/v1/provinces").send().await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    let metrics = app
        .get("/metrics")
        .send()
        .await
        .expect(StatusCode::OK)
        .text();
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/api/v1/provinces\""));
    assert!(metrics.contains("method=\"OTHER\",route=\"/api/v1/provinces\",status=\"405\""));
    assert!(!metrics.contains("BREW"));
}

#[tokio::test]
async fn openapi_document_and_offline_viewer() {
    let app = TestApp::new().await;
    let doc = app
        .get("/api/v1/openapi.json")
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/me",
        "/api/v1/users/{id}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let viewer = app
        .get("/api/docs/")
        .send()
        .await
        .expect(StatusCode::OK)
        .text();
    assert!(viewer.contains("swagger"), "served locally");
    assert!(
        !viewer.contains("https://"),
        "no external assets: works offline"
    );
}

#[tokio::test]
async fn security_headers_and_request_ids() {
    let app = TestApp::new().await;
    let res = app.get("/").send().await.expect(StatusCode::OK);
    let csp = res.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'")
            && !csp.contains("unsafe-inline")
            && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(res.headers["x-content-type-options"], "nosniff");
    assert_eq!(
        res.headers["referrer-policy"],
        "strict-origin-when-cross-origin"
    );
    // Each request gets its own id: one prefix per process, then a counter.
    let first = res.headers["x-request-id"].to_str().unwrap().to_owned();
    let second = app.get("/healthz").send().await;
    let second = second.headers["x-request-id"].to_str().unwrap();
    let (prefix, _) = first.split_once('-').expect("prefix-counter");
    assert_eq!(prefix.len(), 12);
    assert!(second.starts_with(prefix) && second != first);
    // The API viewer keeps its own policy (Swagger UI needs inline styles); pages do not
    // get it.
    let docs = app.get("/api/docs/").send().await.expect(StatusCode::OK);
    let docs_csp = docs.headers["content-security-policy"].to_str().unwrap();
    assert!(
        docs_csp.contains("style-src 'self' 'unsafe-inline'"),
        "{docs_csp}"
    );
    assert_eq!(docs.headers["x-content-type-options"], "nosniff");
    // JSON answers (here an error) load nothing: the strictest policy, not the pages'.
    let json = app
        .get("/api/v1/me")
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert!(
        json.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(
        json.headers["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    assert_eq!(json.headers["x-frame-options"], "DENY");
    let given = app
        .get("/healthz")
        .header("x-request-id", "abc-123")
        .send()
        .await;
    assert_eq!(given.headers["x-request-id"], "abc-123");
    // No inline script in pages.
    assert!(!res.text().contains("<script>"));
}

#[tokio::test]
async fn errors_have_one_json_shape() {
    let app = TestApp::new().await;
    let nf = app
        .get("/api/v1/nothing-here")
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    assert_eq!(nf.error_code(), "not_found");
    assert!(nf.json()["message"].is_string());
    let bad = app
        .post("/api/v1/auth/login")
        .raw("application/json", "{not json")
        .send()
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert_eq!(bad.error_code(), "bad_request");
    let media = app
        .post("/api/v1/auth/login")
        .raw("text/plain", "hello")
        .send()
        .await
        .expect(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(media.error_code(), "unsupported_media_type");
    let missing = app
        .post("/api/v1/auth/login")
        .json(&json!({"email": "a@b.vn"}))
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.error_code(), "validation");
    let message = missing.json()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("password"), "{message}");
    // The message names the path of the field at fault, however deep.
    let deep = app
        .post("/api/v1/progress")
        .raw(
            "application/json; charset=utf-8",
            r#"{"token": "t", "intervals": [[0, 1], [2, "three"]]}"#,
        )
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let message = deep.json()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("intervals[1]"), "{message}");
    // A JSON body under a `+json` type is read (and here refused for its token, not its type).
    let suffixed = app
        .post("/api/v1/progress")
        .raw("application/vnd.lms+json", r#"{"token": "t"}"#)
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert_eq!(suffixed.error_code(), "invalid_progress_token");
    let huge = "x".repeat(200 * 1024);
    let big = app
        .post("/api/v1/auth/login")
        .json(&json!({"email": huge, "password": "p"}))
        .send()
        .await
        .expect(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(big.error_code(), "too_large");
    // Pages answer unknown paths with an HTML page.
    let page = app
        .get("/no/such/page")
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    assert!(page.text().contains("<html"));
}

/// A browser-like client against the real server: cookies, CSRF, pages in both languages.
#[tokio::test]
async fn pages_use_cookies_with_csrf_protection() {
    let app = TestApp::new().await;
    let s = app.user_with(&[]).await;
    let base = app.serve().await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let login_page = client.get(format!("{base}/login")).send().await.unwrap();
    assert_eq!(login_page.status(), StatusCode::OK);
    let html = login_page.text().await.unwrap();
    let token = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert!(html.contains("lang=\"vi\""));

    // Without the token (a cross-site form), the post is refused.
    let forged = client
        .post(format!("{base}/login"))
        .form(&[("email", s.email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let wrong = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", s.email.as_str()),
            ("password", PASSWORD),
            ("csrf_token", "0000"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);

    let ok = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", s.email.as_str()),
            ("password", PASSWORD),
            ("csrf_token", token.as_str()),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(ok.headers()["location"], "/", "no open redirect");
    let cookies: Vec<String> = ok
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(cookies.iter().any(|c| c.starts_with("lms_access=")
        && c.contains("HttpOnly")
        && c.contains("SameSite=Lax")));

    // The cookie authenticates pages and API reads...
    let home = client
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Trần Văn An"));
    let me = client
        .get(format!("{base}/api/v1/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    // ...but a cookie-borne API write needs the CSRF header.
    let no_header = client
        .post(format!("{base}/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_header.status(), StatusCode::FORBIDDEN);
    let with_header = client
        .post(format!("{base}/api/v1/auth/logout"))
        .header("x-csrf-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(with_header.status(), StatusCode::NO_CONTENT);
    let after = client
        .get(format!("{base}/api/v1/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expired_page_login_is_renewed_from_the_refresh_cookie() {
    let app = TestApp::new().await;
    let s = app.user_with(&[]).await;
    let base = app.serve().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Only the refresh cookie: as when the access cookie has expired.
    let res = client
        .get(format!("{base}/"))
        .header("cookie", format!("lms_refresh={}", s.refresh_token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let set: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(set.iter().any(|c| c.starts_with("lms_access=")), "{set:?}");
    assert!(
        set.iter()
            .any(|c| c.starts_with("lms_refresh=") && !c.contains(&s.refresh_token)),
        "rotated"
    );
    assert!(res.text().await.unwrap().contains("Trần Văn An"));
}

#[tokio::test]
async fn language_switch_and_safe_redirects() {
    let app = TestApp::new().await;
    let res = app
        .get("/lang/en?next=/login")
        .send()
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(res.headers["location"], "/login");
    assert!(
        res.headers["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("lms_lang=en")
    );
    let evil = app
        .get("/lang/en?next=https://evil.example")
        .send()
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(evil.headers["location"], "/");
    let en = app
        .get("/login")
        .header("cookie", "lms_lang=en")
        .send()
        .await
        .expect(StatusCode::OK)
        .text();
    assert!(en.contains("lang=\"en\"") && en.contains("Log in"));
    let vi = app.get("/login").send().await.expect(StatusCode::OK).text();
    assert!(vi.contains("lang=\"vi\"") && vi.contains("Đăng nhập"));
}

#[tokio::test]
async fn trainer_html_cannot_inject_through_names() {
    let app = TestApp::new().await;
    let admin = app.user_with(&[lms_domain::Role::Admin]).await;
    let email = TestApp::unique_email("xss");
    app.post("/api/v1/users")
        .bearer(&admin.access_token)
        .json(&json!({"email": email, "display_name": "<script>alert(1)</script>", "password": PASSWORD}))
        .send()
        .await
        .expect(StatusCode::CREATED);
    let s = app.login(&email, PASSWORD, 0).await;
    let base = app.serve().await;
    let html = reqwest::Client::new()
        .get(format!("{base}/"))
        .header("cookie", format!("lms_access={}", s.access_token))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&lt;script&gt;"));
}

/// `next` values that a browser would follow to another host (or that no `Location` header
/// may carry): after the language switch and the login, each must land on this site.
const HOSTILE_NEXT: &[&str] = &[
    "//evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\u{1}/evil.example",
    "/\u{7f}/evil.example",
    " //evil.example",
    "https://evil.example",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "javascript:alert(1)",
];

/// The host a browser on a page of this site goes to for `location` (the WHATWG URL parser,
/// which drops tabs and newlines and reads `\` as `/`, as browsers do).
fn followed_host(location: &http::HeaderValue) -> String {
    let base = url::Url::parse("http://this.site/page").unwrap();
    let location = location.to_str().expect("a visible ASCII Location");
    base.join(location)
        .unwrap()
        .host_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn redirects_to_a_requests_next_stay_on_this_site() {
    let app = TestApp::new().await;
    // The URLs of the report, as a browser sends them, then every hostile value encoded.
    let mut switches: Vec<String> = [
        "/lang/vi?next=/%09/evil.example",
        "/lang/en?next=/%0A/evil.example",
        "/lang/vi?next=/%01/evil.example",
        "/lang/vi?next=/%252F%252Fevil.example",
    ]
    .map(String::from)
    .to_vec();
    switches.extend(HOSTILE_NEXT.iter().map(|next| {
        let q: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        format!("/lang/vi?next={q}")
    }));
    for uri in &switches {
        let res = app.get(uri).send().await.expect(StatusCode::SEE_OTHER);
        assert_eq!(res.headers["location"], "/", "{uri}");
        assert_eq!(
            followed_host(&res.headers["location"]),
            "this.site",
            "{uri}"
        );
    }
    // A path of this site is still where the switch goes back to.
    let res = app
        .get("/lang/vi?next=%2Fcourses%3Fq%3Dquy%25E1%25BB%2581n%26page%3D2")
        .send()
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(res.headers["location"], "/courses?q=quy%E1%BB%81n&page=2");

    // The login form carries only a safe `next`, and the login follows only a safe one.
    let s = app.user_with(&[]).await;
    let base = app.serve().await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for next in HOSTILE_NEXT {
        let q: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let html = client
            .get(format!("{base}/login?next={q}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("name=\"next\" value=\"/\""),
            "{next:?} in the login form"
        );
    }
    let html = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    for next in HOSTILE_NEXT.iter().chain(&["/my"]) {
        let res = client
            .post(format!("{base}/login"))
            .form(&[
                ("email", s.email.as_str()),
                ("password", PASSWORD),
                ("csrf_token", token.as_str()),
                ("next", *next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next:?}");
        let location = &res.headers()["location"];
        assert_eq!(followed_host(location), "this.site", "{next:?}");
        let expected = if *next == "/my" { "/my" } else { "/" };
        assert_eq!(location, expected, "{next:?}");
    }
}
