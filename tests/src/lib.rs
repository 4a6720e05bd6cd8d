//! Whole-system test support: a `TestApp` builder (after crates.io's) giving each test its
//! own real database (SQLite file, or a PostgreSQL database cloned from a migrated template),
//! an in-process client for the router, a real server on port 0 for HTTP and browser
//! clients, and a real SMTP sink.
//!
//! The backend is chosen by `LMS_TEST_DB` (`sqlite`, the default, or `postgres`); PostgreSQL
//! is reached at `LMS_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! and Redis, when `LMS_TEST_REDIS_URL` is set, backs the rate limiter.

pub mod fixtures;
pub mod s3;
pub mod smtp;
pub mod tus;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use lms_api::config::{Config, LogFormat, Secret};
use lms_api::{AppState, mail};
use lms_domain::Role;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

pub use s3::S3Server;
pub use smtp::{SmtpSink, SunkMail};

/// Which database the tests run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn backend() -> Backend {
    match std::env::var("LMS_TEST_DB").as_deref() {
        Ok("postgres") => Backend::Postgres,
        Ok("sqlite") | Err(_) => Backend::Sqlite,
        Ok(other) => panic!("LMS_TEST_DB={other:?}: use sqlite or postgres"),
    }
}

fn postgres_admin_url() -> String {
    std::env::var("LMS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn with_database(url: &str, db: &str) -> String {
    let mut u = url::Url::parse(url).expect("valid postgres url");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

/// A database that exists for one test and is dropped after it.
pub struct TestDatabase {
    pub url: String,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub async fn create(dir: &std::path::Path) -> Self {
        match backend() {
            Backend::Sqlite => {
                let url = format!("sqlite://{}?mode=rwc", dir.join("test.db").display());
                let db = lms_domain::db::connect(&url).await.expect("open sqlite");
                lms_domain::db::migrate(&db).await.expect("migrate sqlite");
                db.close().await.ok();
                TestDatabase {
                    url,
                    pg_name: None,
                    _dir: None,
                }
            }
            Backend::Postgres => {
                let template = ensure_pg_template().await;
                let name = format!("lms_test_{}", uuid::Uuid::new_v4().simple());
                let admin = lms_domain::db::connect(&postgres_admin_url())
                    .await
                    .expect("connect to postgres");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                TestDatabase {
                    url: with_database(&postgres_admin_url(), &name),
                    pg_name: Some(name),
                    _dir: None,
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            // Drop synchronously on a helper thread (Drop cannot await).
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    if let Ok(admin) = lms_domain::db::connect(&postgres_admin_url()).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// Migrates a template database once per schema version (named by a hash of the migrations)
/// under an advisory lock, so parallel test processes share it safely.
async fn ensure_pg_template() -> String {
    use migration::MigratorTrait;
    use sha2::Digest;
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let names: Vec<String> = migration::Migrator::migrations()
                .iter()
                .map(|m| m.name().to_owned())
                .collect();
            // The names and the migrations' source text: a migration edited during
            // development (or in a submitted change) never reuses a stale template.
            let mut digest = sha2::Sha256::new();
            digest.update(names.join(",").as_bytes());
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/src");
            let mut files: Vec<_> = std::fs::read_dir(&dir)
                .map(|d| d.flatten().map(|e| e.path()).collect())
                .unwrap_or_default();
            files.sort();
            for f in files {
                digest.update(std::fs::read(&f).unwrap_or_default());
            }
            let hash = hex::encode(&digest.finalize()[..6]);
            let template = format!("lms_tpl_{hash}");
            // Use a dedicated runtime-independent connection (tests run on many runtimes).
            let admin = lms_domain::db::connect(&postgres_admin_url())
                .await
                .expect("connect to postgres");
            admin
                .execute_unprepared("SELECT pg_advisory_lock(4711)")
                .await
                .expect("lock");
            let exists = admin
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    format!("SELECT 1 AS one FROM pg_database WHERE datname = '{template}'"),
                ))
                .await
                .expect("query pg_database")
                .is_some();
            if !exists {
                let building = format!("{template}_build");
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {building}"))
                    .await
                    .expect("drop stale");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {building}"))
                    .await
                    .expect("create template");
                let db = lms_domain::db::connect(&with_database(&postgres_admin_url(), &building))
                    .await
                    .expect("connect template");
                lms_domain::db::migrate(&db)
                    .await
                    .expect("migrate template");
                db.close().await.ok();
                admin
                    .execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {template}"))
                    .await
                    .expect("rename template");
            }
            admin
                .execute_unprepared("SELECT pg_advisory_unlock(4711)")
                .await
                .expect("unlock");
            admin.close().await.ok();
            template
        })
        .await
        .clone()
}

/// Builds a [`TestApp`].
#[derive(Default)]
pub struct TestAppBuilder {
    smtp: bool,
    redis: bool,
    s3: bool,
    login_max_per_email: Option<u32>,
    trust_proxy: bool,
    max_body_bytes: Option<usize>,
    account_limits: Option<(u32, u32)>,
}

/// The Redis the tests use: `LMS_TEST_REDIS_URL`, else the local one (`make test` starts or
/// checks it before any test runs).
pub fn test_redis_url() -> String {
    std::env::var("LMS_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

impl TestAppBuilder {
    /// Starts a real SMTP sink and points the app's mail at it.
    pub fn with_smtp(mut self) -> Self {
        self.smtp = true;
        self
    }

    /// Uses Redis even when `LMS_TEST_REDIS_URL` is not set.
    pub fn with_redis(mut self) -> Self {
        self.redis = true;
        self
    }

    /// Keeps media in a bucket of a real S3-compatible server (moto) instead of a directory.
    pub fn with_s3(mut self) -> Self {
        self.s3 = true;
        self
    }

    /// Takes the client's address from `X-Forwarded-For`, as behind a proxy, so that a test
    /// can speak as several clients.
    pub fn with_trust_proxy(mut self) -> Self {
        self.trust_proxy = true;
        self
    }

    pub fn with_login_limit(mut self, per_email: u32) -> Self {
        self.login_max_per_email = Some(per_email);
        self
    }

    /// `LMS_MAX_BODY_BYTES` (64 KiB by default in tests).
    pub fn with_max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = Some(bytes);
        self
    }

    /// Limits registration and password resets to `per_ip` per client address and
    /// `per_email` per email address (unlimited otherwise).
    pub fn with_account_limits(mut self, per_ip: u32, per_email: u32) -> Self {
        self.account_limits = Some((per_ip, per_email));
        self
    }

    pub async fn build(self) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let database = Arc::new(TestDatabase::create(dir.path()).await);
        let s3 = if self.s3 {
            Some(Arc::new(S3Server::start().await))
        } else {
            None
        };
        let storage = match &s3 {
            Some(s3) => lms_storage::StorageConfig::S3(s3.config()),
            None => lms_storage::StorageConfig::Local(dir.path().join("media")),
        };
        self.assemble(dir, database, s3, storage).await
    }

    async fn assemble(
        self,
        dir: tempfile::TempDir,
        database: Arc<TestDatabase>,
        s3: Option<Arc<S3Server>>,
        storage: lms_storage::StorageConfig,
    ) -> TestApp {
        let smtp = if self.smtp {
            Some(SmtpSink::start().await)
        } else {
            None
        };
        let redis_url = std::env::var("LMS_TEST_REDIS_URL")
            .ok()
            .or_else(|| self.redis.then(test_redis_url));
        let config = Config {
            http_addr: "127.0.0.1:0".parse().expect("addr"),
            data_dir: dir.path().to_path_buf(),
            database_url: database.url.clone(),
            redis_url,
            redis_prefix: format!("lms-test-{}", uuid::Uuid::new_v4().simple()),
            smtp_url: smtp
                .as_ref()
                .map(|s| Secret(format!("smtp://127.0.0.1:{}", s.port))),
            mail_from: "Test <no-reply@lms.test>".into(),
            public_url: "http://lms.test".into(),
            jwt_secret: Secret("test-secret-test-secret-test-secret-0123".into()),
            cookie_secure: false,
            storage,
            log_format: LogFormat::Pretty,
            access_ttl_secs: 900,
            refresh_ttl_days: 30,
            login_max_per_email: self.login_max_per_email.unwrap_or(1000),
            login_max_per_ip: 100_000,
            login_window_secs: 900,
            account_max_per_ip: self.account_limits.map_or(100_000, |l| l.0),
            account_max_per_email: self.account_limits.map_or(100_000, |l| l.1),
            max_body_bytes: self.max_body_bytes.unwrap_or(64 * 1024),
            trust_proxy: self.trust_proxy,
            auto_migrate: false,
            mail_poll_ms: 50,
            mail_senders: 4,
            upload_max_bytes: 10 * 1024 * 1024,
            upload_quota_bytes: 16 * 1024 * 1024,
            progress_writers: 2,
            progress_batch: 500,
            progress_queue: 10_000,
            progress_cached_rows: 1_000,
            progress_batch_interval_us: 2_000,
            certificate_template: dir.path().join("templates").join("certificate.typ"),
            certificate_font_dirs: lms_api::config::default_font_dirs(),
            certificate_issuer: None,
            reminder_interval_secs: 0,
            verify_per_minute: 60,
        };
        let db = lms_domain::db::connect(&database.url)
            .await
            .expect("connect test db");
        let transport = mail::Transport::from_config(&config).expect("mail transport");
        let state = AppState::new(db.clone(), config).await.expect("state");
        let stop = CancellationToken::new();
        lms_api::background::spawn(state.clone(), transport, stop.clone());
        TestApp {
            router: lms_api::router(state.clone()),
            state,
            db,
            smtp,
            stop,
            _database: database,
            s3,
            dir,
        }
    }
}

/// One application with its own database, for one test.
pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub db: DatabaseConnection,
    pub smtp: Option<SmtpSink>,
    stop: CancellationToken,
    _database: Arc<TestDatabase>,
    /// The S3-compatible server holding the media (with [`TestAppBuilder::with_s3`]).
    pub s3: Option<Arc<S3Server>>,
    pub dir: tempfile::TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// An answer from the in-process client.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// Asserts the status and returns self, printing the body on mismatch.
    #[track_caller]
    pub fn expect(self, status: StatusCode) -> Self {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }
    /// The machine code of a JSON error answer.
    /// What a browser sends back with a form from this page: its CSRF cookie (as a
    /// `Cookie` header value) and the token in its form.
    pub fn csrf(&self) -> (String, String) {
        let cookie = self
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("lms_csrf="))
            .expect("a CSRF cookie")
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        (cookie, csrf_field(&self.text()))
    }

    pub fn error_code(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }
}

/// A request being built for the in-process client.
pub struct TestRequest<'a> {
    app: &'a TestApp,
    builder: http::request::Builder,
    body: Body,
}

impl TestRequest<'_> {
    pub fn bearer(mut self, token: &str) -> Self {
        self.builder = self
            .builder
            .header(http::header::AUTHORIZATION, format!("Bearer {token}"));
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }
    pub fn json(mut self, body: &Value) -> Self {
        self.builder = self
            .builder
            .header(http::header::CONTENT_TYPE, "application/json");
        self.body = Body::from(serde_json::to_vec(body).expect("json"));
        self
    }
    pub fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.builder = self.builder.header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        );
        self.body = Body::from(encoded);
        self
    }
    pub fn raw(mut self, content_type: &str, body: impl Into<Body>) -> Self {
        self.builder = self
            .builder
            .header(http::header::CONTENT_TYPE, content_type);
        self.body = body.into();
        self
    }
    pub async fn send(self) -> TestResponse {
        let req = self.builder.body(self.body).expect("request");
        let res = self
            .app
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("infallible");
        let (parts, body) = res.into_parts();
        let body = body.collect().await.expect("body").to_bytes();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

/// Tokens of a logged-in test user.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
}

pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// The same progress token, issued `seconds` earlier: as if the module page had been open
    /// that long, so that a learner's first report on the module finds their playback
    /// allowance filled for that long (up to its cap, 126 s).
    pub fn backdated(&self, token: &str, seconds: i64) -> String {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = token.split('.').next().expect("a progress token");
        let mut claims: lms_domain::learning::token::ProgressClaims =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64 claims"))
                .expect("progress claims");
        claims.issued_at -= seconds;
        self.state.progress_key.issue(&claims)
    }

    /// Another web server process of the same deployment: same database, media storage and
    /// Redis, its own state and background tasks (as a second replica behind a proxy).
    pub async fn replica(&self) -> TestApp {
        let builder = TestAppBuilder {
            redis: self.state.config.redis_url.is_some(),
            ..TestAppBuilder::default()
        };
        let dir = tempfile::tempdir().expect("tempdir");
        builder
            .assemble(
                dir,
                self._database.clone(),
                self.s3.clone(),
                self.state.config.storage.clone(),
            )
            .await
    }

    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    pub async fn new() -> TestApp {
        Self::builder().build().await
    }

    pub fn request(&self, method: Method, path: &str) -> TestRequest<'_> {
        TestRequest {
            app: self,
            builder: Request::builder().method(method).uri(path),
            body: Body::empty(),
        }
    }
    pub fn get(&self, path: &str) -> TestRequest<'_> {
        self.request(Method::GET, path)
    }
    pub fn post(&self, path: &str) -> TestRequest<'_> {
        self.request(Method::POST, path)
    }
    pub fn patch(&self, path: &str) -> TestRequest<'_> {
        self.request(Method::PATCH, path)
    }
    pub fn put(&self, path: &str) -> TestRequest<'_> {
        self.request(Method::PUT, path)
    }

    /// A unique email address for this test run.
    pub fn unique_email(prefix: &str) -> String {
        format!("{prefix}-{}@example.test", uuid::Uuid::new_v4().simple())
    }

    /// Creates a verified user holding `roles` (besides learner) straight through the domain,
    /// and logs them in over the API.
    pub async fn user_with(&self, roles: &[Role]) -> Session {
        let email = Self::unique_email(roles.first().map(|r| r.as_str()).unwrap_or("learner"));
        let admin_grants = lms_domain::Grants {
            roles: vec![Role::Admin],
            hr_organisation_ids: vec![],
        };
        let created = lms_domain::users::create(
            &self.db,
            0,
            &admin_grants,
            lms_domain::users::NewUser {
                email: email.clone(),
                display_name: "Trần Văn An".into(),
                password: PASSWORD.into(),
                locale: "vi".into(),
                organisation_id: None,
                roles: roles.to_vec(),
            },
        )
        .await
        .expect("create user");
        self.login(&email, PASSWORD, created.id).await
    }

    pub async fn login(&self, email: &str, password: &str, user_id: i64) -> Session {
        let res = self
            .post("/api/v1/auth/login")
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .expect(StatusCode::OK);
        let body = res.json();
        Session {
            user_id,
            email: email.to_owned(),
            access_token: body["access_token"].as_str().expect("access").to_owned(),
            refresh_token: body["refresh_token"].as_str().expect("refresh").to_owned(),
        }
    }

    /// Serves the app on a real port (for HTTP clients and browsers); returns its base URL.
    pub async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = self
            .router
            .clone()
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let stop = self.stop.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await;
        });
        format!("http://{addr}")
    }

    /// Counts rows of a table (for assertions about what was written).
    pub async fn count(&self, table: &str) -> i64 {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("row");
        row.try_get::<i64>("", "n").expect("n")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

/// Logs in through the login form like a browser (cookies kept); returns the client and
/// the page's CSRF token.
pub async fn browser_login(base: &str, s: &Session) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_field(&html);
    let res = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", s.email.as_str()),
            ("password", PASSWORD),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    (client, token)
}

/// The CSRF token in a page's form.
pub fn csrf_field(html: &str) -> String {
    html.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .expect("a CSRF field")
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}
