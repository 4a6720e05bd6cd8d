//! The `lms` command line: `serve`, `migrate`, `create-admin`, `import`,
//! `certificate-preview`, `rebuild-coverage`.

use std::io::{IsTerminal, Read};

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};
use crate::state::AppState;

#[derive(Parser)]
#[command(
    name = "lms",
    version,
    about = "Human-rights learning platform: web server and administration"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (and the mail dispatcher) until Ctrl-C or SIGTERM.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an administrator, or make an existing account one and set its password.
    /// The password is read from standard input; when stdin is a terminal or empty, a strong
    /// password is generated and printed once.
    CreateAdmin {
        /// The administrator's email address.
        #[arg(long)]
        email: String,
    },
    /// Import courses from folders (courses/<slug>: course.yaml, modules/*.md, GIFT quizzes).
    /// Idempotent: importing unchanged files changes nothing; edited files update the course
    /// in place. Every problem is reported with its file and line, and then nothing is written.
    Import {
        /// Course folders, e.g. courses/human-rights-treaties.
        #[arg(required = true)]
        folders: Vec<std::path::PathBuf>,
        /// Owner of newly created courses (default: the first administrator).
        #[arg(long)]
        owner: Option<String>,
        /// Publish each course as soon as nothing blocks it (e.g. once its videos are ready).
        #[arg(long)]
        publish: bool,
    },
    /// Recompute the coverage summary (every roster member's completion per cadre group)
    /// from the roster, the groups' required courses and the enrolments. Reports read the
    /// summary, which every change keeps up to date; this repairs it after rows were written
    /// to those tables by hand.
    RebuildCoverage,
    /// Render a sample certificate with the current template (LMS_CERTIFICATE_TEMPLATE or
    /// <data dir>/templates/certificate.typ, else the built-in one) to check an edited
    /// layout; with --repeat, render it that many times and print the rate.
    CertificatePreview {
        /// Where to write the PDF.
        out: std::path::PathBuf,
        /// Render this many times (a benchmark); the last one is written.
        #[arg(long, default_value_t = 1)]
        repeat: usize,
        /// vi or en labels.
        #[arg(long, default_value = "vi")]
        lang: String,
    },
}

pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("lms: configuration error: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    init_tracing(config.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("lms: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve => serve(config).await,
            Command::Migrate => migrate(config).await,
            Command::CreateAdmin { email } => create_admin(config, &email).await,
            Command::Import {
                folders,
                owner,
                publish,
            } => import(config, &folders, owner.as_deref(), publish).await,
            Command::RebuildCoverage => rebuild_coverage(config).await,
            Command::CertificatePreview { out, repeat, lang } => {
                certificate_preview(&config, &out, repeat, &lang)
            }
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lms: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

pub fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

async fn connect(config: &Config) -> anyhow::Result<sea_orm::DatabaseConnection> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating {}", config.data_dir.display()))?;
    }
    lms_domain::db::connect(&config.database_url)
        .await
        .context("connecting to the database")
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    let db = connect(&config).await?;
    let pending = lms_domain::db::pending_migrations(&db).await?;
    lms_domain::db::migrate(&db)
        .await
        .context("applying migrations")?;
    println!(
        "applied {} migration(s); the schema is up to date",
        pending.len()
    );
    Ok(())
}

async fn rebuild_coverage(config: Config) -> anyhow::Result<()> {
    let db = connect(&config).await?;
    let started = std::time::Instant::now();
    let txn = lms_domain::db::begin_write(&db).await?;
    let rows = lms_domain::coverage::summary::rebuild(&txn).await?;
    txn.commit().await?;
    println!(
        "coverage summary rebuilt: {rows} membership(s) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn create_admin(config: Config, email: &str) -> anyhow::Result<()> {
    let db = connect(&config).await?;
    if config.auto_migrate {
        lms_domain::db::migrate(&db).await?;
    }
    let stdin = std::io::stdin();
    let mut typed = String::new();
    if !stdin.is_terminal() {
        stdin
            .lock()
            .read_to_string(&mut typed)
            .context("reading the password from stdin")?;
    }
    let typed = typed.trim_end_matches(['\r', '\n']).to_owned();
    let (password, generated) = if typed.is_empty() {
        (lms_domain::tokens::random_token()[..20].to_owned(), true)
    } else {
        (typed, false)
    };
    lms_domain::accounts::create_admin(&db, email, &password)
        .await
        .map_err(|e| match e {
            lms_domain::DomainError::Validation(fields) => anyhow::anyhow!(
                "{}",
                fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            other => other.into(),
        })?;
    if generated {
        println!(
            "administrator: {email}\npassword:      {password}\n(shown once; change it after logging in)"
        );
    } else {
        println!("administrator {email} is ready");
    }
    Ok(())
}

async fn import(
    config: Config,
    folders: &[std::path::PathBuf],
    owner: Option<&str>,
    publish: bool,
) -> anyhow::Result<()> {
    let db = connect(&config).await?;
    if config.auto_migrate {
        lms_domain::db::migrate(&db).await?;
    }
    let owner_id = match owner {
        Some(email) => {
            lms_domain::users::find_by_email(&db, &lms_domain::accounts::normalize_email(email)?)
                .await?
                .with_context(|| format!("no account with the email {email}"))?
                .id
        }
        None => lms_domain::users::first_admin(&db).await?.context(
            "no administrator yet: run `lms create-admin --email …` first, or pass --owner",
        )?,
    };
    let mut failed = false;
    for dir in folders {
        let name = dir.display();
        match lms_domain::courses::files::read_folder(dir) {
            Err(problems) => {
                failed = true;
                eprintln!("{name}: {} problem(s), nothing imported:", problems.len());
                for p in problems {
                    eprintln!("  {name}/{p}");
                }
            }
            Ok(folder) => {
                let (outcome, course) =
                    lms_domain::courses::files::apply(&db, &folder, owner_id).await?;
                let what = match outcome {
                    lms_domain::courses::files::ImportOutcome::Created => "created",
                    lms_domain::courses::files::ImportOutcome::Updated => "updated",
                    lms_domain::courses::files::ImportOutcome::Unchanged => {
                        "unchanged, nothing to do"
                    }
                };
                println!("{}: {what} ({} modules)", course.slug, folder.modules.len());
                let videos =
                    crate::demo_video::provide(&db, &config, &folder, course.id, owner_id).await?;
                if videos > 0 {
                    println!(
                        "{}: {videos} video(s) generated and queued for transcoding",
                        course.slug
                    );
                }
                if publish {
                    let state =
                        lms_domain::courses::publishing::request_publish(&db, course.id).await?;
                    println!("{}: {}", course.slug, state);
                }
            }
        }
    }
    anyhow::ensure!(!failed, "some folders were not imported");
    Ok(())
}

fn certificate_preview(
    config: &Config,
    out: &std::path::Path,
    repeat: usize,
    lang: &str,
) -> anyhow::Result<()> {
    use crate::certificates::pdf::{CertificateText, Renderer};
    let renderer = Renderer::new(
        config.certificate_template.clone(),
        &config.certificate_font_dirs,
    )?;
    let lang = crate::i18n::pick(Some(lang));
    let text = CertificateText {
        full_name: "Nguyễn Thị Hồng Nhung".into(),
        course_title: "Quyền con người và truyền thông: những điều cơ bản".into(),
        completed_at: chrono::Utc::now(),
        study_seconds: 3 * 3600 + 25 * 60,
        serial: "HRC-2026-000042".into(),
        verify_url: format!(
            "{}/verify/42-3f9c2a7be1d04c5a8e6b19d2f07a4c11",
            config.public_url.trim_end_matches('/')
        ),
        lang,
        issuer: config
            .certificate_issuer
            .clone()
            .unwrap_or_else(|| crate::i18n::t(lang, "certificate-issuer")),
    };
    // The first render also parses the fonts and the template: timed apart.
    let started = std::time::Instant::now();
    let mut pdf = renderer.render(&text)?;
    let first = started.elapsed();
    let started = std::time::Instant::now();
    for _ in 1..repeat.max(1) {
        pdf = renderer.render(&text)?;
    }
    let rest = started.elapsed();
    std::fs::write(out, &pdf).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "wrote {} ({} bytes); first render {:.0} ms",
        out.display(),
        pdf.len(),
        first.as_secs_f64() * 1000.0
    );
    if repeat > 1 {
        let n = (repeat - 1) as f64;
        println!(
            "certificates: {} more renders in {:.2} s = {:.1} PDFs/s ({:.1} ms each)",
            repeat - 1,
            rest.as_secs_f64(),
            n / rest.as_secs_f64(),
            rest.as_secs_f64() * 1000.0 / n
        );
    }
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let db = connect(&config).await?;
    if config.auto_migrate {
        lms_domain::db::migrate(&db)
            .await
            .context("applying migrations")?;
    } else {
        let pending = lms_domain::db::pending_migrations(&db).await?;
        anyhow::ensure!(
            pending.is_empty(),
            "the database needs migrations ({}): run `lms migrate`",
            pending.join(", ")
        );
    }
    let addr = config.http_addr;
    let transport = crate::mail::Transport::from_config(&config)?;
    let state = AppState::new(db, config).await?;
    let stop = CancellationToken::new();
    let background = crate::background::spawn(state.clone(), transport, stop.clone());

    // Answers go out at once rather than waiting on Nagle's algorithm for an ACK.
    let listener = axum::serve::ListenerExt::tap_io(
        tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?,
        |tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
        },
    );
    tracing::info!(%addr, public_url = %state.config.public_url, "serving");
    let app = crate::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let shutdown = stop.clone();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            wait_for_signal().await;
            tracing::info!("shutting down");
            shutdown.cancel();
        })
        .await?;
    stop.cancel();
    for task in background {
        let _ = task.await;
    }
    Ok(())
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
