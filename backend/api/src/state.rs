//! The shared state every handler gets: database, configuration, templates, limiter.

use std::sync::Arc;
use std::time::Duration;

use lms_domain::accounts::AccountsConfig;
use lms_domain::certificates::VerificationKey;
use lms_domain::learning::token::ProgressKey;
use lms_domain::tokens::TokenKeys;
use sea_orm::DatabaseConnection;

use crate::certificates::pdf::Renderer;
use crate::config::Config;
use crate::progress_writer::{self, ProgressWriter, WriterDb};
use crate::rate_limit::RateLimiter;
use crate::templates::Templates;

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

pub struct Inner {
    pub db: DatabaseConnection,
    pub config: Config,
    pub accounts: AccountsConfig,
    pub templates: Templates,
    pub limiter: RateLimiter,
    pub redis: Option<redis::aio::ConnectionManager>,
    /// Asset changes heard on Redis, for the live processing views (None without Redis).
    pub asset_events: Option<crate::asset_events::AssetEvents>,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    pub progress: ProgressWriter,
    /// Signs and checks the progress tokens of module pages.
    pub progress_key: ProgressKey,
    pub storage: lms_storage::Storage,
    certificate_key: tokio::sync::OnceCell<VerificationKey>,
    certificate_renderer: std::sync::Mutex<Option<Arc<Renderer>>>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Builds the state: connects Redis when configured and loads templates.
    pub async fn new(db: DatabaseConnection, config: Config) -> anyhow::Result<Self> {
        let keys = TokenKeys::new(
            config.jwt_secret.0.as_bytes(),
            chrono::Duration::seconds(config.access_ttl_secs),
            chrono::Duration::days(config.refresh_ttl_days),
        );
        let accounts = AccountsConfig {
            keys,
            public_url: config.public_url.clone(),
            verify_ttl: chrono::Duration::hours(48),
            reset_ttl: chrono::Duration::hours(1),
        };
        let redis = match &config.redis_url {
            Some(url) => {
                let client = redis::Client::open(url.as_str())?;
                Some(redis::aio::ConnectionManager::new(client).await?)
            }
            None => None,
        };
        let asset_events = match &config.redis_url {
            Some(url) => Some(crate::asset_events::AssetEvents::start(url)?),
            None => None,
        };
        let limiter = match &redis {
            Some(conn) => RateLimiter::Redis {
                conn: conn.clone(),
                prefix: config.redis_prefix.clone(),
            },
            None => RateLimiter::memory(),
        };
        // On PostgreSQL the writers have a thread and connections of their own (see
        // `progress_writer`); SQLite has one writer at a time anyway.
        let writer_db = if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            WriterDb::Dedicated {
                url: config.database_url.clone(),
            }
        } else {
            WriterDb::Shared(db.clone())
        };
        let progress = ProgressWriter::start(
            writer_db,
            progress_writer::Settings {
                writers: config.progress_writers,
                max_batch: config.progress_batch,
                queue: config.progress_queue,
                cached_rows: config.progress_cached_rows,
                interval: Duration::from_micros(config.progress_batch_interval_us),
            },
        )
        .await?;
        let storage = lms_storage::Storage::open(&config.storage)
            .map_err(|e| anyhow::anyhow!("opening media storage: {e}"))?;
        Ok(Self(Arc::new(Inner {
            storage,
            progress,
            progress_key: ProgressKey::new(config.jwt_secret.0.as_bytes()),
            db,
            config,
            accounts,
            templates: Templates::load()?,
            limiter,
            redis,
            asset_events,
            metrics: crate::middleware::metrics_handle(),
            certificate_key: tokio::sync::OnceCell::new(),
            certificate_renderer: std::sync::Mutex::new(None),
        })))
    }

    /// The key that signs certificate verification codes (read from the database once).
    pub async fn certificate_key(&self) -> anyhow::Result<&VerificationKey> {
        Ok(self
            .certificate_key
            .get_or_try_init(|| VerificationKey::load_or_create(&self.db))
            .await?)
    }

    /// The certificate renderer, created (fonts loaded) on first use.
    pub fn certificate_renderer(&self) -> anyhow::Result<Arc<Renderer>> {
        let mut slot = self
            .certificate_renderer
            .lock()
            .map_err(|_| anyhow::anyhow!("renderer lock poisoned"))?;
        if let Some(r) = slot.as_ref() {
            return Ok(r.clone());
        }
        let r = Arc::new(Renderer::new(
            self.config.certificate_template.clone(),
            &self.config.certificate_font_dirs,
        )?);
        *slot = Some(r.clone());
        Ok(r)
    }
}
