//! Mail delivery: renders an [`OutgoingMail`] from its template folder (subject, HTML and
//! text parts, in the recipient's language) and sends it over SMTP with lettre. The
//! dispatcher drains the outbox (`mail.send` jobs, account mail first) with a few senders
//! in parallel, so one slow recipient server or a burst of bulk mail does not hold up a
//! verification mail, with retries and backoff; it also runs the password-reset requests
//! (`account.password_reset` jobs), which become a `mail.send` job when the address has an
//! account.
//! Without SMTP_URL, messages are written to `<data_dir>/mail/*.eml` and logged.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use lms_domain::accounts;
use lms_domain::jobs::{self, Failure};
use lms_domain::mail::OutgoingMail;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::state::AppState;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

impl Transport {
    pub fn from_config(config: &crate::config::Config) -> anyhow::Result<Self> {
        Ok(match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&url.0)
                    .context("SMTP_URL is not a valid smtp:// or smtps:// URL")?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            None => Transport::Files(config.data_dir.join("mail")),
        })
    }
}

/// Renders the three parts of a mail.
pub fn render(state: &AppState, mail: &OutgoingMail) -> anyhow::Result<Message> {
    let lang = crate::i18n::pick(Some(&mail.lang));
    let mut ctx = match &mail.vars {
        Value::Object(m) => m.clone(),
        _ => Default::default(),
    };
    ctx.insert("lang".into(), Value::from(lang));
    // Domain code names pages by path; the mail links to them on this deployment.
    if let Some(path) = ctx.get("path").and_then(Value::as_str) {
        let link = format!("{}{path}", state.config.public_url.trim_end_matches('/'));
        ctx.entry("link").or_insert(Value::from(link));
    }
    let ctx = Value::Object(ctx);
    let base = format!("emails/{}", mail.template.name());
    let subject = state
        .templates
        .text
        .render(&format!("{base}/subject"), &ctx)?;
    let text = state.templates.text.render(&format!("{base}/text"), &ctx)?;
    let html = state.templates.html.render(&format!("{base}/html"), &ctx)?;
    let from: Mailbox = state
        .config
        .mail_from
        .parse()
        .context("LMS_MAIL_FROM is not a valid mailbox")?;
    let to: Mailbox = mail
        .to
        .parse()
        .context("recipient is not a valid mailbox")?;
    Ok(Message::builder()
        .from(from)
        .to(to)
        // One line, whatever a course title or name contains: no header can be injected.
        .subject(subject.trim().replace(['\r', '\n'], " "))
        .multipart(MultiPart::alternative_plain_html(text, html))?)
}

/// Sends one rendered message.
pub async fn send(transport: &Transport, message: Message) -> anyhow::Result<()> {
    match transport {
        Transport::Smtp(smtp) => {
            smtp.send(message).await?;
        }
        Transport::Files(dir) => {
            tokio::fs::create_dir_all(dir).await?;
            let name = format!(
                "{}-{}.eml",
                chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"),
                uuid::Uuid::new_v4()
            );
            let path = dir.join(name);
            tokio::fs::write(&path, message.formatted()).await?;
            tracing::info!(path = %path.display(), "SMTP_URL not set: mail written to a file");
        }
    }
    Ok(())
}

/// Delivers queued mail until `stop` is raised, with `config.mail_senders` senders at once.
pub async fn run_dispatcher(state: AppState, transport: Transport, stop: CancellationToken) {
    let transport = std::sync::Arc::new(transport);
    let senders: Vec<_> = (0..state.config.mail_senders.max(1))
        .map(|_| tokio::spawn(run_sender(state.clone(), transport.clone(), stop.clone())))
        .collect();
    for sender in senders {
        if let Err(e) = sender.await {
            tracing::error!(error = %e, "a mail sender stopped unexpectedly");
        }
    }
}

/// One sender: claims the most urgent mail due, delivers it, and again.
async fn run_sender(
    state: AppState,
    transport: std::sync::Arc<Transport>,
    stop: CancellationToken,
) {
    let worker = format!(
        "mail-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    );
    let lease = chrono::Duration::seconds(60);
    let idle = Duration::from_millis(state.config.mail_poll_ms.max(10));
    while !stop.is_cancelled() {
        let kinds = [jobs::kinds::MAIL_SEND, jobs::kinds::PASSWORD_RESET];
        match jobs::claim(&state.db, &kinds, &worker, lease).await {
            Ok(Some(job)) if jobs::exhausted(&job) => give_up(&state, &worker, &job).await,
            Ok(Some(job)) if job.kind == jobs::kinds::PASSWORD_RESET => {
                password_reset(&state, &worker, job).await;
            }
            Ok(Some(job)) => deliver(&state, &transport, &worker, job).await,
            Ok(None) => pause(&stop, idle).await,
            Err(e) => {
                tracing::warn!(error = %e, "mail outbox unavailable");
                pause(&stop, idle * 5).await;
            }
        }
    }
}

async fn deliver(
    state: &AppState,
    transport: &Transport,
    worker: &str,
    job: lms_domain::entities::job::Model,
) {
    let outcome = match serde_json::from_value::<OutgoingMail>(job.payload.clone()) {
        Err(e) => Err((format!("unreadable mail payload: {e}"), Failure::Permanent)),
        Ok(mail) => match render(state, &mail) {
            Err(e) => Err((format!("rendering failed: {e}"), Failure::Permanent)),
            Ok(message) => send(transport, message)
                .await
                .map_err(|e| (format!("{e:#}"), Failure::Transient)),
        },
    };
    let result = match outcome {
        Ok(()) => jobs::complete(&state.db, job.id, worker, Value::Null)
            .await
            .map(|_| ()),
        Err((error, failure)) => {
            tracing::warn!(job = job.id, attempt = job.attempts, %error, "mail not delivered");
            jobs::fail(&state.db, &job, worker, &error, failure)
                .await
                .map(|_| ())
        }
    };
    if let Err(e) = result {
        tracing::error!(job = job.id, error = %e, "could not record mail outcome");
    }
}

/// Runs a queued password-reset request (see `accounts::request_password_reset`).
async fn password_reset(state: &AppState, worker: &str, job: lms_domain::entities::job::Model) {
    let email = job.payload["email"].as_str().unwrap_or_default();
    let result = match accounts::send_password_reset(&state.db, &state.accounts, email).await {
        Ok(()) => jobs::complete(&state.db, job.id, worker, Value::Null)
            .await
            .map(|_| ()),
        Err(e) => {
            tracing::warn!(job = job.id, error = %e, "password reset not queued");
            jobs::fail(&state.db, &job, worker, &e.to_string(), Failure::Transient)
                .await
                .map(|_| ())
        }
    };
    if let Err(e) = result {
        tracing::error!(job = job.id, error = %e, "could not record password reset outcome");
    }
}

/// Fails for good a job whose sender stopped during every attempt.
async fn give_up(state: &AppState, worker: &str, job: &lms_domain::entities::job::Model) {
    tracing::error!(job = job.id, kind = %job.kind, "{}", jobs::WORKER_LOST_EVERY_ATTEMPT);
    let reason = jobs::WORKER_LOST_EVERY_ATTEMPT;
    if let Err(e) = jobs::fail(&state.db, job, worker, reason, Failure::Permanent).await {
        tracing::error!(job = job.id, error = %e, "could not record the job's failure");
    }
}

/// Waits for `d`, or less if shutdown is requested.
async fn pause(stop: &CancellationToken, d: Duration) {
    tokio::select! {
        _ = stop.cancelled() => {}
        _ = tokio::time::sleep(d) => {}
    }
}
