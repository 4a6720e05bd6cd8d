//! Videos for courses imported from files. A module whose front matter says
//! `video: {source: generated, duration_s: N}` gets a title-card video made with the ffmpeg
//! CLI from its slides (each slide heading shown from its timecode, with a soft tone), so the
//! demo course needs no committed media. A module pointing at a file gets that file. Either
//! way the file is stored under a fresh key and handed to the media worker as a transcode job;
//! identical content (by SHA-256) is never generated or transcoded twice.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, bail};
use lms_domain::courses::files::{CourseFolder, ModuleSpec, VideoSpec, link_video, module_uid};
use lms_domain::media::{self, NewVideo};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use crate::config::Config;

/// Makes sure every module of an imported course has its video; returns how many were made.
pub async fn provide(
    db: &DatabaseConnection,
    config: &Config,
    folder: &CourseFolder,
    _course_id: i64,
    owner_id: i64,
) -> anyhow::Result<usize> {
    let mut made = 0;
    let storage = lms_storage::Storage::open(&config.storage)?;
    for spec in &folder.modules {
        let Some(video) = &spec.video else { continue };
        let uid = module_uid(&folder.slug, &spec.key);
        let (sha, source) = match video.source.as_str() {
            "generated" => (generated_fingerprint(spec, video), None),
            path => {
                let file = folder.dir.join(path);
                let bytes = tokio::fs::read(&file)
                    .await
                    .with_context(|| format!("reading {}", file.display()))?;
                (hex::encode(Sha256::digest(&bytes)), Some(file))
            }
        };
        if let Some(existing) = media::find_by_sha256(db, &sha).await? {
            link_video(db, &uid, existing.id).await?;
            continue;
        }
        let ext = source
            .as_deref()
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
            .unwrap_or("mp4")
            .to_owned();
        let key = media::new_video_key(&ext);
        // On a local store the file is made in place; otherwise in a scratch folder, then sent.
        let scratch = tempfile::tempdir()?;
        let target = match storage.local_path(&key)? {
            Some(path) => path,
            None => scratch.path().join(format!("source.{ext}")),
        };
        tokio::fs::create_dir_all(target.parent().context("storage key has a folder")?).await?;
        match &source {
            Some(file) => {
                tokio::fs::copy(file, &target)
                    .await
                    .with_context(|| format!("copying {}", file.display()))?;
            }
            None => {
                eprintln!(
                    "{}: generating the video of “{}” ({} s)…",
                    folder.slug,
                    spec.title,
                    video.duration_s.unwrap_or(0)
                );
                generate(spec, video, &target).await?;
            }
        }
        let size = tokio::fs::metadata(&target).await?.len() as i64;
        if storage.local_root().is_none() {
            storage.upload(&target, &key).await?;
        }
        let asset = media::create_video(
            db,
            NewVideo {
                owner_id: Some(owner_id),
                original_filename: source
                    .as_deref()
                    .and_then(Path::file_name)
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| format!("{}.mp4", spec.key)),
                content_type: "video/mp4".into(),
                storage_key: key,
                size_bytes: size,
                sha256: Some(sha),
            },
        )
        .await?;
        link_video(db, &uid, asset.id).await?;
        made += 1;
    }
    Ok(made)
}

/// What a generated video depends on: if none of it changes, the video is reused.
fn generated_fingerprint(spec: &ModuleSpec, video: &VideoSpec) -> String {
    let mut h = Sha256::new();
    h.update(b"lms-generated-title-cards-v1\0");
    h.update(spec.title.as_bytes());
    h.update([0]);
    h.update(spec.slides_markdown.as_bytes());
    h.update([0]);
    h.update(video.duration_s.unwrap_or(0).to_le_bytes());
    hex::encode(h.finalize())
}

/// Slide headings with their start times (a slide without a timecode comes 30 s after the
/// previous one), from the module's Markdown slides.
pub fn slide_cards(markdown: &str) -> Vec<(f64, String)> {
    let mut out: Vec<(f64, String)> = Vec::new();
    for slide in lms_domain::courses::slides::split(markdown) {
        let Some(heading) = slide
            .markdown
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("## "))
        else {
            continue;
        };
        let at = slide
            .at_s
            .unwrap_or_else(|| out.last().map_or(0.0, |(t, _)| t + 30.0));
        out.push((at, heading.trim().to_owned()));
    }
    out
}

/// Breaks text into lines of at most `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines.join("\n")
}

fn font() -> anyhow::Result<PathBuf> {
    for candidate in [
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/noto/NotoSans-Regular.ttf",
    ] {
        if Path::new(candidate).exists() {
            return Ok(candidate.into());
        }
    }
    bail!(
        "no font with Vietnamese glyphs found: install fonts-noto-core (apt-get install fonts-noto-core)"
    )
}

/// Escapes a path for use inside an ffmpeg filter argument.
fn filter_path(p: &Path) -> String {
    p.to_string_lossy()
        .replace('\\', "\\\\")
        .replace(':', "\\:")
        .replace('\'', "\\'")
}

async fn generate(spec: &ModuleSpec, video: &VideoSpec, target: &Path) -> anyhow::Result<()> {
    let duration = f64::from(video.duration_s.unwrap_or(180));
    let cards = slide_cards(&spec.slides_markdown);
    let work = tempfile::tempdir()?;
    let font = filter_path(&font()?);
    let title_file = work.path().join("title.txt");
    tokio::fs::write(&title_file, wrap(&spec.title, 48)).await?;
    let mut filters = vec![format!(
        "drawtext=fontfile='{font}':textfile='{}':fontcolor=0xcfe3ff:fontsize=18:x=24:y=20:line_spacing=4",
        filter_path(&title_file)
    )];
    for (i, (start, heading)) in cards.iter().enumerate() {
        let end = cards.get(i + 1).map(|(t, _)| *t).unwrap_or(duration);
        let file = work.path().join(format!("slide-{i}.txt"));
        tokio::fs::write(&file, wrap(heading, 30)).await?;
        filters.push(format!(
            "drawtext=fontfile='{font}':textfile='{}':fontcolor=white:fontsize=32:line_spacing=8:x=(w-text_w)/2:y=(h-text_h)/2:enable='between(t,{start:.2},{end:.2})'",
            filter_path(&file)
        ));
        filters.push(format!(
            "drawtext=fontfile='{font}':text='{} / {}':fontcolor=0xcfe3ff:fontsize=16:x=w-text_w-24:y=h-text_h-20:enable='between(t,{start:.2},{end:.2})'",
            i + 1,
            cards.len()
        ));
    }
    let status = tokio::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args([
            "-f",
            "lavfi",
            "-i",
            &format!("color=c=0x0b3a6f:s=640x360:r=15:d={duration}"),
        ])
        .args([
            "-f",
            "lavfi",
            "-i",
            &format!("sine=frequency=220:sample_rate=48000:d={duration}"),
        ])
        .args([
            "-filter_complex",
            &format!("[0:v]{}[v];[1:a]volume=0.05[a]", filters.join(",")),
        ])
        .args(["-map", "[v]", "-map", "[a]"])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-tune",
            "stillimage",
            "-pix_fmt",
            "yuv420p",
        ])
        .args([
            "-c:a",
            "aac",
            "-b:a",
            "64k",
            "-movflags",
            "+faststart",
            "-shortest",
        ])
        .arg(target)
        .stdin(Stdio::null())
        .status()
        .await
        .context("running ffmpeg (install it: apt-get install ffmpeg)")?;
    if !status.success() {
        bail!("ffmpeg could not generate the video of {}", spec.file);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slide_cards_follow_timecodes() {
        let md = "## Mở đầu {t=0:00}\n\ntext\n\n## Lịch sử {t=1:05}\n- a\n## Không mã\n";
        assert_eq!(
            slide_cards(md),
            vec![
                (0.0, "Mở đầu".to_owned()),
                (65.0, "Lịch sử".to_owned()),
                (95.0, "Không mã".to_owned())
            ]
        );
    }

    #[test]
    fn wrapping_keeps_words() {
        assert_eq!(
            wrap("Công ước quốc tế về các quyền dân sự và chính trị", 20),
            "Công ước quốc tế về\ncác quyền dân sự và\nchính trị"
        );
    }
}
