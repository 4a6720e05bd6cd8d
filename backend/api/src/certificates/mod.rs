//! Certificates as files: the PDF renderer (Typst template, embedded fonts, QR code) and
//! the bulk ZIP export. Issuing, verifying and revoking are domain rules
//! (`lms_domain::certificates`).

pub mod export;
pub mod pdf;

use lms_domain::entities::certificate;

use crate::state::AppState;

/// The public verification address of a certificate.
pub async fn verify_url(state: &AppState, id: i64) -> anyhow::Result<String> {
    let key = state.certificate_key().await?;
    Ok(format!(
        "{}/verify/{}",
        state.config.public_url.trim_end_matches('/'),
        key.code(id)
    ))
}

/// Renders one certificate on a blocking thread.
pub async fn render(state: &AppState, c: &certificate::Model) -> anyhow::Result<Vec<u8>> {
    let url = verify_url(state, c.id).await?;
    let text = pdf::CertificateText::of(c, url, state.config.certificate_issuer.as_deref());
    let renderer = state.certificate_renderer()?;
    tokio::task::spawn_blocking(move || renderer.render(&text)).await?
}
