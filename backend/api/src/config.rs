//! Configuration from `LMS_*` environment variables (plus DATABASE_URL, REDIS_URL, SMTP_URL).
//! Every setting has a default that makes the embedded mode (SQLite, local storage, one
//! process) work with no configuration at all. Secrets are redacted in `Debug`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};

/// A secret value that never appears in logs.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub http_addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub redis_url: Option<String>,
    /// Namespace of this deployment's Redis keys (rate-limit counters).
    pub redis_prefix: String,
    /// `smtp://host:port` (or smtps://, with credentials); unset: mail is written to
    /// `<data_dir>/mail/*.eml` and logged.
    pub smtp_url: Option<Secret>,
    pub mail_from: String,
    pub public_url: String,
    pub jwt_secret: Secret,
    pub cookie_secure: bool,
    /// Media files: a local directory (`LMS_STORAGE_DIR`, default `<data_dir>/media`) or,
    /// when `LMS_S3_BUCKET` is set, an S3-compatible bucket (`LMS_S3_*`).
    pub storage: lms_storage::StorageConfig,
    pub log_format: LogFormat,
    pub access_ttl_secs: i64,
    pub refresh_ttl_days: i64,
    pub login_max_per_email: u32,
    pub login_max_per_ip: u32,
    pub login_window_secs: u64,
    /// Registration, password-reset requests and confirmations (each hashes a password or
    /// sends mail, unauthenticated): per client address, and per email address, within
    /// `login_window_secs`.
    pub account_max_per_ip: u32,
    pub account_max_per_email: u32,
    pub max_body_bytes: usize,
    pub trust_proxy: bool,
    /// Apply migrations when `serve` starts (embedded default); production runs `lms migrate`.
    pub auto_migrate: bool,
    pub mail_poll_ms: u64,
    /// Mails sent at once by each server process.
    pub mail_senders: usize,
    /// Largest video upload, bytes (tus `Tus-Max-Size`).
    pub upload_max_bytes: i64,
    /// Storage quota per user, bytes.
    pub upload_quota_bytes: i64,
    /// Progress heartbeats: writer tasks (group commit), reports per transaction, and
    /// reports waiting per writer before the server answers 503.
    pub progress_writers: usize,
    pub progress_batch: usize,
    pub progress_queue: usize,
    /// Progress rows the writers keep in memory with their versions (PostgreSQL), so that
    /// a heartbeat's batch need not read them first.
    pub progress_cached_rows: usize,
    /// A heartbeat writer starts at most one batch per this many microseconds (larger
    /// batches under load; no wait when idle).
    pub progress_batch_interval_us: u64,
    /// The certificate layout (Typst); default `<data_dir>/templates/certificate.typ` when
    /// that file exists, else the built-in one.
    pub certificate_template: PathBuf,
    /// Folders searched for the certificate's fonts (Noto, then DejaVu).
    pub certificate_font_dirs: Vec<PathBuf>,
    /// The issuing organisation printed on certificates (default: the programme's name).
    pub certificate_issuer: Option<String>,
    /// How often the due-date reminder schedule runs, seconds (0: never).
    pub reminder_interval_secs: u64,
    /// Certificate verifications per client address per minute.
    pub verify_per_minute: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|e| anyhow::anyhow!("{name}={v:?} is not valid: {e}")),
    }
}

impl Config {
    /// Reads the configuration from the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        let data_dir = PathBuf::from(var("LMS_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let http_addr: SocketAddr = parse("LMS_HTTP_ADDR", "127.0.0.1:8080".parse()?)?;
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("lms.db").display()));
        let embedded = database_url.starts_with("sqlite:");
        let jwt_secret = match var("LMS_JWT_SECRET") {
            Some(s) if s.len() >= 32 => s,
            Some(_) => bail!("LMS_JWT_SECRET must be at least 32 characters"),
            None if embedded => embedded_secret(&data_dir)?,
            None => bail!("LMS_JWT_SECRET is required when DATABASE_URL is not SQLite"),
        };
        let public_url = var("LMS_PUBLIC_URL").unwrap_or_else(|| {
            let port = http_addr.port();
            format!("http://localhost:{port}")
        });
        let log_format = match var("LMS_LOG_FORMAT").as_deref() {
            Some("json") => LogFormat::Json,
            Some("pretty") | None => LogFormat::Pretty,
            Some(other) => bail!("LMS_LOG_FORMAT={other:?}: use pretty or json"),
        };
        let certificate_template = var("LMS_CERTIFICATE_TEMPLATE")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("templates").join("certificate.typ"));
        Ok(Self {
            http_addr,
            storage: lms_storage::StorageConfig::from_env(
                var("LMS_STORAGE_DIR")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| data_dir.join("media")),
            ),
            data_dir,
            database_url,
            redis_url: var("REDIS_URL"),
            redis_prefix: var("LMS_REDIS_PREFIX").unwrap_or_else(|| "lms".into()),
            smtp_url: var("SMTP_URL").map(Secret),
            mail_from: var("LMS_MAIL_FROM")
                .unwrap_or_else(|| "Học liệu Nhân quyền <no-reply@lms.localhost>".into()),
            cookie_secure: parse("LMS_COOKIE_SECURE", public_url.starts_with("https://"))?,
            public_url,
            jwt_secret: Secret(jwt_secret),
            log_format,
            access_ttl_secs: parse("LMS_ACCESS_TTL_SECS", 900)?,
            refresh_ttl_days: parse("LMS_REFRESH_TTL_DAYS", 30)?,
            login_max_per_email: parse("LMS_LOGIN_MAX_PER_EMAIL", 10)?,
            login_max_per_ip: parse("LMS_LOGIN_MAX_PER_IP", 60)?,
            login_window_secs: parse("LMS_LOGIN_WINDOW_SECS", 900)?,
            account_max_per_ip: parse("LMS_ACCOUNT_MAX_PER_IP", 30)?,
            account_max_per_email: parse("LMS_ACCOUNT_MAX_PER_EMAIL", 5)?,
            max_body_bytes: parse("LMS_MAX_BODY_BYTES", 1024 * 1024)?,
            trust_proxy: parse("LMS_TRUST_PROXY", false)?,
            auto_migrate: parse("LMS_AUTO_MIGRATE", embedded)?,
            mail_poll_ms: parse("LMS_MAIL_POLL_MS", 1000)?,
            mail_senders: parse("LMS_MAIL_SENDERS", 4)?,
            upload_max_bytes: parse("LMS_UPLOAD_MAX_BYTES", 2 * 1024 * 1024 * 1024)?,
            upload_quota_bytes: parse("LMS_UPLOAD_QUOTA_BYTES", 50 * 1024 * 1024 * 1024)?,
            // SQLite has one writer; PostgreSQL overlaps the commits of a few.
            progress_writers: parse("LMS_PROGRESS_WRITERS", if embedded { 1 } else { 2 })?,
            progress_batch: parse("LMS_PROGRESS_BATCH", 2000)?,
            progress_queue: parse("LMS_PROGRESS_QUEUE", 20_000)?,
            progress_cached_rows: parse("LMS_PROGRESS_CACHED_ROWS", 100_000)?,
            progress_batch_interval_us: parse("LMS_PROGRESS_BATCH_INTERVAL_US", 4_000)?,
            certificate_template,
            certificate_font_dirs: var("LMS_CERTIFICATE_FONT_DIRS")
                .map(|v| v.split(':').map(PathBuf::from).collect())
                .unwrap_or_else(default_font_dirs),
            certificate_issuer: var("LMS_CERTIFICATE_ISSUER"),
            reminder_interval_secs: parse("LMS_REMINDER_INTERVAL_SECS", 3600)?,
            verify_per_minute: parse("LMS_VERIFY_PER_MINUTE", 60)?,
        })
    }
}

/// Where Debian and Ubuntu install Noto (fonts-noto-core) and DejaVu (fonts-dejavu-core).
pub fn default_font_dirs() -> Vec<PathBuf> {
    vec![
        PathBuf::from("/usr/share/fonts/truetype/noto"),
        PathBuf::from("/usr/share/fonts/truetype/dejavu"),
    ]
}

/// In embedded mode the signing secret is generated once and kept in the data directory,
/// so logins survive restarts without any configuration.
fn embedded_secret(data_dir: &std::path::Path) -> anyhow::Result<String> {
    let path = data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && existing.trim().len() >= 32
    {
        return Ok(existing.trim().to_owned());
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let secret = lms_domain::tokens::random_token() + &lms_domain::tokens::random_token();
    write_private(&path, &secret).with_context(|| format!("writing {}", path.display()))?;
    Ok(secret)
}

fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        f.write_all(contents.as_bytes())
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, contents)
    }
}
