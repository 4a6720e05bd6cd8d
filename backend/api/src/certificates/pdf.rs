//! The certificate as a PDF: A4 landscape from a Typst template (the built-in one, or the
//! administrator's copy, re-read when it changes), with the fonts embedded and a QR code of
//! the public verification URL. Rendering is CPU work: callers run it on a blocking thread.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};
use lms_domain::entities::certificate;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use typst::foundations::{Bytes, Dict, IntoValue};
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;

use crate::i18n;

/// The layout shipped with the platform.
pub const BUILT_IN_TEMPLATE: &str =
    include_str!("../../../../frontend/templates/certificate/certificate.typ");

/// Font files loaded from the configured folders: the Latin-and-Vietnamese families the
/// template names, not every script Noto has.
fn wanted_font(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    (name.ends_with(".ttf") || name.ends_with(".otf"))
        && [
            "notosans-",
            "notoserif-",
            "notosansmono-",
            "dejavusans",
            "dejavuserif",
        ]
        .iter()
        .any(|p| name.starts_with(p))
}

fn load_fonts(dirs: &[PathBuf]) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut fonts = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(wanted_font)
            })
            .collect();
        paths.sort();
        for p in paths {
            fonts.push(std::fs::read(&p).with_context(|| format!("reading font {}", p.display()))?);
        }
    }
    if fonts.is_empty() {
        return Err(anyhow!(
            "no certificate fonts found in {}: install fonts-noto-core (or fonts-dejavu-core), \
             or set LMS_CERTIFICATE_FONT_DIRS",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(":")
        ));
    }
    Ok(fonts)
}

/// What goes on one certificate.
#[derive(Debug, Clone)]
pub struct CertificateText {
    pub full_name: String,
    pub course_title: String,
    pub completed_at: DateTime<Utc>,
    pub study_seconds: i64,
    pub serial: String,
    pub verify_url: String,
    /// vi or en: the labels' language.
    pub lang: &'static str,
    pub issuer: String,
}

impl CertificateText {
    pub fn of(c: &certificate::Model, verify_url: String, issuer: Option<&str>) -> CertificateText {
        let lang = i18n::pick(Some(&c.course_language));
        CertificateText {
            full_name: c.full_name.clone(),
            course_title: c.course_title.clone(),
            completed_at: c.completed_at,
            study_seconds: c.study_seconds,
            serial: c.serial.clone(),
            verify_url,
            lang,
            issuer: issuer
                .map(str::to_owned)
                .unwrap_or_else(|| i18n::t(lang, "certificate-issuer")),
        }
    }
}

/// "1 h 05 min" / "12 min".
pub fn study_time(seconds: i64) -> String {
    let minutes = (seconds.max(0) + 59) / 60;
    if minutes >= 60 {
        format!("{} h {:02} min", minutes / 60, minutes % 60)
    } else {
        format!("{minutes} min")
    }
}

/// The QR code of `url` as SVG.
pub fn qr_svg(url: &str) -> anyhow::Result<String> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .context("the verification URL does not fit a QR code")?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

struct Loaded {
    /// The override file's modification time, or None for the built-in template.
    source: Option<SystemTime>,
    engine: Arc<TypstEngine<TypstTemplateMainFile>>,
}

/// Renders certificates; cheap to share (one per server).
pub struct Renderer {
    template_path: PathBuf,
    fonts: Vec<Vec<u8>>,
    loaded: Mutex<Option<Loaded>>,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl Renderer {
    /// Loads the fonts once; the template is read (and re-read when it changes) on use.
    pub fn new(template_path: PathBuf, font_dirs: &[PathBuf]) -> anyhow::Result<Self> {
        Ok(Self {
            template_path,
            fonts: load_fonts(font_dirs)?,
            loaded: Mutex::new(None),
        })
    }

    fn engine(&self) -> anyhow::Result<Arc<TypstEngine<TypstTemplateMainFile>>> {
        let source = modified(&self.template_path);
        let mut loaded = self
            .loaded
            .lock()
            .map_err(|_| anyhow!("renderer poisoned"))?;
        if let Some(l) = loaded.as_ref()
            && l.source == source
        {
            return Ok(l.engine.clone());
        }
        let text = match source {
            Some(_) => std::fs::read_to_string(&self.template_path).with_context(|| {
                format!(
                    "reading the certificate template {}",
                    self.template_path.display()
                )
            })?,
            None => BUILT_IN_TEMPLATE.to_owned(),
        };
        let engine = Arc::new(
            TypstEngine::builder()
                .main_file(text)
                .fonts(self.fonts.iter().map(|f| f.as_slice()))
                .build(),
        );
        *loaded = Some(Loaded {
            source,
            engine: engine.clone(),
        });
        Ok(engine)
    }

    /// One certificate as PDF bytes.
    pub fn render(&self, text: &CertificateText) -> anyhow::Result<Vec<u8>> {
        let engine = self.engine()?;
        let lang = text.lang;
        let mut labels = Dict::new();
        for (key, id) in [
            ("title", "certificate-title"),
            ("certifies", "certificate-certifies"),
            ("completed", "certificate-completed"),
            ("date", "certificate-date"),
            ("study_time", "certificate-study-time"),
            ("serial", "certificate-serial"),
            ("verify", "certificate-verify"),
            ("scan", "certificate-scan"),
        ] {
            labels.insert(key.into(), i18n::t(lang, id).into_value());
        }
        let mut inputs = Dict::new();
        let mut put = |k: &str, v: typst::foundations::Value| {
            inputs.insert(k.into(), v);
        };
        put("name", text.full_name.clone().into_value());
        put("course", text.course_title.clone().into_value());
        put(
            "date",
            text.completed_at
                .format("%d/%m/%Y")
                .to_string()
                .into_value(),
        );
        put("study_time", study_time(text.study_seconds).into_value());
        put("issuer", text.issuer.clone().into_value());
        put("serial", text.serial.clone().into_value());
        put("verify_url", text.verify_url.clone().into_value());
        put(
            "qr",
            Bytes::new(qr_svg(&text.verify_url)?.into_bytes()).into_value(),
        );
        put("lang", lang.into_value());
        put("labels", labels.into_value());
        let doc: PagedDocument = engine
            .compile_with_input(inputs)
            .output
            .map_err(|e| anyhow!("the certificate template failed: {e:?}"))?;
        typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default())
            .map_err(|e| anyhow!("PDF export failed: {e:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn study_time_reads_naturally() {
        assert_eq!(study_time(0), "0 min");
        assert_eq!(study_time(61), "2 min");
        assert_eq!(study_time(3600), "1 h 00 min");
        assert_eq!(study_time(3900), "1 h 05 min");
    }

    #[test]
    fn only_latin_families_are_loaded() {
        assert!(wanted_font("NotoSans-Regular.ttf"));
        assert!(wanted_font("NotoSerif-Bold.ttf"));
        assert!(wanted_font("DejaVuSans.ttf"));
        assert!(!wanted_font("NotoSansArabic-Regular.ttf"));
        assert!(!wanted_font("NotoSans-Regular.txt"));
    }
}
