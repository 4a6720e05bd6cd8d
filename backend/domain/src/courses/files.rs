//! Courses as files: `courses/<slug>/course.yaml`, `modules/NN-<key>.md` (YAML front matter
//! and Markdown slides), `modules/NN-<key>.<lang>.md` translations, and GIFT quizzes.
//!
//! Reading a folder checks everything and reports every problem with its file and line;
//! nothing is written unless the whole folder is valid. Applying it is idempotent: the
//! folder's content hash is kept on the course, a second import of the same files changes
//! nothing, and an edited file updates the course in place. Modules are matched by a UUID
//! derived from the course slug and the module key, so learners' progress survives.
//!
//! A folder may come from someone else, so reading it is bounded by [`limits`]: files are
//! read up to their limit (never a link, a device or a pipe), the modules folder up to its
//! count, and a GIFT quiz within the quiz importer's own limits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    TransactionSession, TransactionTrait,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::authoring::{modules_of, same_structure};
use super::{CompletionRules, CourseText, ModuleText, Translations, json, status, visibility};
use crate::audit::{self, AuditEntry};
use crate::entities::{course, module};
use crate::error::DomainResult;
use crate::quiz::{Quiz, gift};

/// How large a course folder may be.
pub mod limits {
    /// Bytes of one text file (`course.yaml`, a module, a quiz).
    pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
    /// Bytes of all the text files together.
    pub const MAX_FOLDER_BYTES: u64 = 32 * 1024 * 1024;
    /// `.md` files in the modules folder (modules and their translations).
    pub const MAX_MODULE_FILES: usize = 500;
}

/// One problem in a course folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// Path relative to the course folder.
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file, l, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CourseYaml {
    slug: String,
    #[serde(default = "default_language")]
    language: String,
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default)]
    estimated_minutes: i32,
    #[serde(default = "default_visibility")]
    visibility: String,
    #[serde(default)]
    translations: BTreeMap<String, CourseText>,
    /// When learners see which quiz answers were right.
    #[serde(default)]
    show_correctness: super::ShowCorrectness,
}

fn default_language() -> String {
    "vi".into()
}

fn default_visibility() -> String {
    visibility::PUBLIC.into()
}

/// Where a module's video comes from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoSpec {
    /// `generated` (title cards made from the slides) or a file path inside the course folder.
    pub source: String,
    /// Length of a generated video, in seconds.
    pub duration_s: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModuleYaml {
    title: String,
    #[serde(default)]
    objectives: Vec<String>,
    video: Option<VideoSpec>,
    quiz: Option<String>,
    completion: Option<CompletionYaml>,
    #[serde(default = "yes")]
    required: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompletionYaml {
    min_watched_percent: Option<i32>,
    pass_mark_percent: Option<i32>,
    max_attempts: Option<i32>,
    quiz_time_limit_min: Option<i32>,
}

/// A module as read from its files.
#[derive(Debug, Clone)]
pub struct ModuleSpec {
    /// The module's key: its file name without the number (`01-gioi-thieu.md` → `gioi-thieu`).
    pub key: String,
    pub file: String,
    pub title: String,
    pub objectives: Vec<String>,
    pub slides_markdown: String,
    pub video: Option<VideoSpec>,
    pub quiz: Option<Quiz>,
    pub quiz_translations: Translations<Quiz>,
    pub translations: Translations<ModuleText>,
    pub completion: CompletionRules,
    pub required: bool,
}

/// A whole course folder, read and checked.
#[derive(Debug, Clone)]
pub struct CourseFolder {
    pub dir: PathBuf,
    pub slug: String,
    pub language: String,
    pub title: String,
    pub summary: String,
    pub topics: Vec<String>,
    pub estimated_minutes: i32,
    pub visibility: String,
    pub translations: Translations<CourseText>,
    pub show_correctness: super::ShowCorrectness,
    pub modules: Vec<ModuleSpec>,
    /// SHA-256 over every file (path and content), for idempotent imports.
    pub hash: String,
}

struct Reader {
    dir: PathBuf,
    problems: Vec<FileProblem>,
    hasher: Sha256,
    /// Bytes read so far, against [`limits::MAX_FOLDER_BYTES`].
    bytes_read: u64,
}

impl Reader {
    fn problem(&mut self, file: &str, line: Option<usize>, message: impl Into<String>) {
        self.problems.push(FileProblem {
            file: file.to_owned(),
            line,
            message: message.into(),
        });
    }

    /// A regular file's text within [`limits`]; anything else is a problem.
    fn read(&mut self, rel: &str) -> Option<String> {
        use std::io::Read;
        let path = self.dir.join(rel);
        let text = match std::fs::symlink_metadata(&path) {
            Err(e) => Err(format!("cannot read: {e}")),
            Ok(m) if m.file_type().is_symlink() => {
                Err("is a link; links are not followed (copy the file into the folder)".into())
            }
            Ok(m) if !m.is_file() => Err("is not a regular file".into()),
            Ok(_) => {
                let left = limits::MAX_FOLDER_BYTES.saturating_sub(self.bytes_read);
                let mut bytes = Vec::new();
                std::fs::File::open(&path)
                    .and_then(|f| {
                        f.take(limits::MAX_FILE_BYTES.min(left) + 1)
                            .read_to_end(&mut bytes)
                    })
                    .map_err(|e| format!("cannot read: {e}"))
                    .and_then(|n| {
                        self.bytes_read += n as u64;
                        if n as u64 > limits::MAX_FILE_BYTES {
                            Err(format!(
                                "is larger than {} KiB",
                                limits::MAX_FILE_BYTES / 1024
                            ))
                        } else if n as u64 > left {
                            Err(format!(
                                "is past the {} MiB the whole folder may hold",
                                limits::MAX_FOLDER_BYTES / (1024 * 1024)
                            ))
                        } else {
                            String::from_utf8(bytes).map_err(|_| "is not UTF-8 text".to_owned())
                        }
                    })
            }
        };
        match text {
            Ok(text) => {
                self.hasher.update(rel.as_bytes());
                self.hasher.update([0]);
                self.hasher.update(text.as_bytes());
                self.hasher.update([0]);
                Some(text)
            }
            Err(why) => {
                self.problem(rel, None, why);
                None
            }
        }
    }

    fn yaml<T: for<'de> Deserialize<'de>>(
        &mut self,
        rel: &str,
        text: &str,
        first_line: usize,
    ) -> Option<T> {
        match serde_yaml::from_str::<T>(text) {
            Ok(v) => Some(v),
            Err(e) => {
                let line = e.location().map(|l| l.line() + first_line - 1);
                let message = e.to_string();
                let message = message
                    .split(" at line ")
                    .next()
                    .unwrap_or(&message)
                    .to_owned();
                self.problem(rel, line.or(Some(first_line)), message);
                None
            }
        }
    }

    fn quiz(&mut self, module_file: &str, rel: &str) -> Option<Quiz> {
        let base = Path::new(module_file)
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new(""));
        let path = base.join(rel);
        let rel_path = path.to_string_lossy().into_owned();
        if rel.contains("..") || Path::new(rel).is_absolute() {
            self.problem(
                module_file,
                None,
                format!("quiz path {rel:?} must stay inside the course folder"),
            );
            return None;
        }
        let src = self.read(&rel_path)?;
        let report = gift::import_gift(&src);
        for p in &report.problems {
            self.problem(&rel_path, Some(p.line), p.message.clone());
        }
        for p in report.quiz.validate() {
            self.problem(
                &rel_path,
                None,
                format!("question {}: {}", p.question_id, p.message),
            );
        }
        Some(report.quiz)
    }
}

/// Splits `---\nfront matter\n---\nbody` and returns (front, body, line where the body starts).
fn split_front_matter(text: &str) -> Option<(&str, &str, usize)> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            let front = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let body_line = 2 + front.lines().count() + 1;
            return Some((front, body, body_line));
        }
        offset += line.len();
    }
    None
}

/// Reads and checks a course folder, reporting every problem.
pub fn read_folder(dir: &Path) -> Result<CourseFolder, Vec<FileProblem>> {
    let mut r = Reader {
        dir: dir.to_path_buf(),
        problems: Vec::new(),
        hasher: Sha256::new(),
        bytes_read: 0,
    };
    let course_yaml = r
        .read("course.yaml")
        .and_then(|t| r.yaml::<CourseYaml>("course.yaml", &t, 1));

    let modules_dir = dir.join("modules");
    let mut names: Vec<String> = match std::fs::read_dir(&modules_dir) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md"))
            .take(limits::MAX_MODULE_FILES + 1)
            .collect(),
        Err(e) => {
            r.problem(
                "modules",
                None,
                format!("cannot read the modules folder: {e}"),
            );
            Vec::new()
        }
    };
    if names.len() > limits::MAX_MODULE_FILES {
        r.problem(
            "modules",
            None,
            format!(
                "more than {} module files; split the course",
                limits::MAX_MODULE_FILES
            ),
        );
        return Err(r.problems);
    }
    names.sort();
    let (originals, translated): (Vec<String>, Vec<String>) =
        names.into_iter().partition(|n| n.matches('.').count() == 1);

    let mut modules = Vec::new();
    let mut seen_keys = std::collections::BTreeSet::new();
    for name in &originals {
        let rel = format!("modules/{name}");
        let stem = name.trim_end_matches(".md");
        let Some((number, key)) = stem.split_once('-').filter(|(n, k)| {
            n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty() && !k.is_empty()
        }) else {
            r.problem(
                &rel,
                None,
                "module files are named NN-key.md (e.g. 01-introduction.md)",
            );
            continue;
        };
        let _ = number;
        if !seen_keys.insert(key.to_owned()) {
            r.problem(
                &rel,
                None,
                format!("another module already uses the key {key:?}"),
            );
        }
        let Some(text) = r.read(&rel) else { continue };
        let Some((front, body, _)) = split_front_matter(&text) else {
            r.problem(
                &rel,
                Some(1),
                "the file must start with YAML front matter between --- lines",
            );
            continue;
        };
        let Some(meta) = r.yaml::<ModuleYaml>(&rel, front, 2) else {
            continue;
        };
        if meta.title.trim().is_empty() {
            r.problem(&rel, Some(2), "title is empty");
        }
        let quiz = meta.quiz.as_deref().and_then(|q| r.quiz(&rel, q));
        let completion = {
            let d = CompletionRules::default();
            let c = meta.completion.as_ref();
            CompletionRules {
                min_watched_percent: c
                    .and_then(|c| c.min_watched_percent)
                    .unwrap_or(d.min_watched_percent),
                pass_mark_percent: c
                    .and_then(|c| c.pass_mark_percent)
                    .unwrap_or(d.pass_mark_percent),
                max_attempts: c.and_then(|c| c.max_attempts),
                quiz_time_limit_min: c.and_then(|c| c.quiz_time_limit_min),
            }
        };
        if let Err(crate::DomainError::Validation(errs)) = completion.validate() {
            for e in errs {
                r.problem(&rel, None, format!("completion.{}: {}", e.field, e.message));
            }
        }
        if let Some(v) = &meta.video {
            if v.source == "generated" {
                if !v.duration_s.is_some_and(|d| (10..=900).contains(&d)) {
                    r.problem(
                        &rel,
                        None,
                        "a generated video needs duration_s between 10 and 900",
                    );
                }
            } else if v.source.contains("..")
                || Path::new(&v.source).is_absolute()
                || !dir.join(&v.source).is_file()
            {
                r.problem(&rel, None, format!("video source {:?} is neither `generated` nor a file inside the course folder", v.source));
            }
        }
        modules.push(ModuleSpec {
            key: key.to_owned(),
            file: rel,
            title: meta.title.trim().to_owned(),
            objectives: meta.objectives,
            slides_markdown: body.trim().to_owned(),
            video: meta.video,
            quiz,
            quiz_translations: Translations::new(),
            translations: Translations::new(),
            completion,
            required: meta.required,
        });
    }

    for name in &translated {
        let rel = format!("modules/{name}");
        let stem = name.trim_end_matches(".md");
        let Some((base, lang)) = stem.rsplit_once('.') else {
            continue;
        };
        let Some(target) = modules
            .iter()
            .position(|m| m.file == format!("modules/{base}.md"))
        else {
            r.problem(
                &rel,
                None,
                format!("translation of a module that does not exist (modules/{base}.md)"),
            );
            continue;
        };
        if !super::CONTENT_LANGUAGES.contains(&lang) {
            r.problem(&rel, None, format!("unknown language {lang:?}"));
            continue;
        }
        let Some(text) = r.read(&rel) else { continue };
        let Some((front, body, _)) = split_front_matter(&text) else {
            r.problem(
                &rel,
                Some(1),
                "the file must start with YAML front matter between --- lines",
            );
            continue;
        };
        let Some(meta) = r.yaml::<ModuleYaml>(&rel, front, 2) else {
            continue;
        };
        let quiz = meta.quiz.as_deref().and_then(|q| r.quiz(&rel, q));
        let m = &mut modules[target];
        if let (Some(original), Some(t)) = (&m.quiz, &quiz) {
            for p in same_structure(original, t) {
                r.problem(
                    &rel,
                    None,
                    format!("the {lang} quiz does not match the original: {p}"),
                );
            }
        }
        if let Some(q) = quiz {
            m.quiz_translations.insert(lang.to_owned(), q);
        }
        m.translations.insert(
            lang.to_owned(),
            ModuleText {
                title: meta.title.trim().to_owned(),
                objectives: meta.objectives,
                slides_markdown: Some(body.trim().to_owned()),
            },
        );
    }

    let hash = hex::encode(r.hasher.clone().finalize());
    let Some(c) = course_yaml else {
        return Err(r.problems);
    };
    if c.slug != super::slugify(&c.slug) || c.slug.is_empty() {
        r.problem(
            "course.yaml",
            None,
            format!(
                "slug {:?} must be lowercase ASCII words joined by '-'",
                c.slug
            ),
        );
    }
    if !super::CONTENT_LANGUAGES.contains(&c.language.as_str()) {
        r.problem(
            "course.yaml",
            None,
            format!("unknown language {:?}", c.language),
        );
    }
    if !visibility::ALL.contains(&c.visibility.as_str()) {
        r.problem(
            "course.yaml",
            None,
            "visibility must be public or restricted",
        );
    }
    if modules.is_empty() {
        r.problem("modules", None, "the course has no modules");
    }
    if !r.problems.is_empty() {
        return Err(r.problems);
    }
    Ok(CourseFolder {
        dir: dir.to_path_buf(),
        slug: c.slug,
        language: c.language,
        title: c.title,
        summary: c.summary,
        topics: c.topics,
        estimated_minutes: c.estimated_minutes,
        visibility: c.visibility,
        translations: c.translations,
        show_correctness: c.show_correctness,
        modules,
        hash,
    })
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    Created,
    Updated,
    Unchanged,
}

/// The stable module UUID for a course slug and module key.
pub fn module_uid(course_slug: &str, key: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("lms:course/{course_slug}/module/{key}").as_bytes(),
    )
    .to_string()
}

/// Writes a checked folder into the database (owned by `owner_id` when created).
pub async fn apply<C>(
    db: &C,
    folder: &CourseFolder,
    owner_id: i64,
) -> DomainResult<(ImportOutcome, course::Model)>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = crate::db::begin_write(db).await?;
    let existing = course::Entity::find()
        .filter(course::Column::Slug.eq(&folder.slug))
        .one(&txn)
        .await?;
    if let Some(c) = &existing
        && c.source_hash.as_deref() == Some(folder.hash.as_str())
    {
        return Ok((ImportOutcome::Unchanged, c.clone()));
    }
    let now = Utc::now();
    let (outcome, saved) = match existing {
        Some(c) => {
            let mut a: course::ActiveModel = c.into();
            a.language = Set(folder.language.clone());
            a.title = Set(folder.title.clone());
            a.summary = Set(folder.summary.clone());
            a.translations = Set(json(&folder.translations)?);
            a.topics = Set(json(&folder.topics)?);
            a.estimated_minutes = Set(folder.estimated_minutes);
            a.visibility = Set(folder.visibility.clone());
            a.show_correctness = Set(folder.show_correctness.as_str().into());
            a.has_unpublished_changes = Set(true);
            a.source_hash = Set(Some(folder.hash.clone()));
            a.updated_at = Set(now);
            (ImportOutcome::Updated, a.update(&txn).await?)
        }
        None => (
            ImportOutcome::Created,
            course::ActiveModel {
                slug: Set(folder.slug.clone()),
                owner_id: Set(owner_id),
                status: Set(status::DRAFT.into()),
                visibility: Set(folder.visibility.clone()),
                language: Set(folder.language.clone()),
                title: Set(folder.title.clone()),
                summary: Set(folder.summary.clone()),
                translations: Set(json(&folder.translations)?),
                topics: Set(json(&folder.topics)?),
                cover_asset_id: Set(None),
                estimated_minutes: Set(folder.estimated_minutes),
                published_revision_id: Set(None),
                published_at: Set(None),
                search_text: Set(String::new()),
                has_unpublished_changes: Set(true),
                auto_publish: Set(false),
                source_hash: Set(Some(folder.hash.clone())),
                show_correctness: Set(folder.show_correctness.as_str().into()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?,
        ),
    };

    let current = modules_of(&txn, saved.id).await?;
    let mut keep = Vec::new();
    for (i, spec) in folder.modules.iter().enumerate() {
        let uid = module_uid(&folder.slug, &spec.key);
        keep.push(uid.clone());
        let found = current.iter().find(|m| m.uid == uid).cloned();
        let slides = Some(spec.slides_markdown.clone()).filter(|s| !s.is_empty());
        let mut a: module::ActiveModel = match found {
            Some(m) => m.into(),
            None => module::ActiveModel {
                course_id: Set(saved.id),
                uid: Set(uid.clone()),
                video_asset_id: Set(None),
                slides_asset_id: Set(None),
                created_at: Set(now),
                ..Default::default()
            },
        };
        a.position = Set(i as i32 + 1);
        a.title = Set(spec.title.clone());
        a.objectives = Set(json(&spec.objectives)?);
        a.translations = Set(json(&spec.translations)?);
        a.video_source = Set(spec.video.as_ref().map(|v| v.source.clone()));
        a.slides_kind = Set(if slides.is_some() { "markdown" } else { "none" }.into());
        a.slides_markdown = Set(slides);
        a.quiz = Set(spec.quiz.as_ref().map(json).transpose()?);
        a.quiz_translations = Set(json(&spec.quiz_translations)?);
        a.min_watched_percent = Set(spec.completion.min_watched_percent);
        a.pass_mark_percent = Set(spec.completion.pass_mark_percent);
        a.max_attempts = Set(spec.completion.max_attempts);
        a.quiz_time_limit_min = Set(spec.completion.quiz_time_limit_min);
        a.required = Set(spec.required);
        a.updated_at = Set(now);
        a.save(&txn).await?;
    }
    for m in current.iter().filter(|m| !keep.contains(&m.uid)) {
        module::Entity::delete_by_id(m.id).exec(&txn).await?;
    }
    audit::record(
        &txn,
        AuditEntry::new("course.imported", "course", saved.id)
            .details(serde_json::json!({"hash": folder.hash, "outcome": format!("{outcome:?}")})),
    )
    .await?;
    txn.commit().await?;
    Ok((outcome, saved))
}

/// Sets the video of the module with this uid (used by imports; no permission check).
pub async fn link_video(db: &impl ConnectionTrait, uid: &str, asset_id: i64) -> DomainResult<()> {
    let Some(m) = module::Entity::find()
        .filter(module::Column::Uid.eq(uid))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    if m.video_asset_id == Some(asset_id) {
        return Ok(());
    }
    let course_id = m.course_id;
    let mut a: module::ActiveModel = m.into();
    a.video_asset_id = Set(Some(asset_id));
    a.updated_at = Set(Utc::now());
    a.update(db).await?;
    course::Entity::update_many()
        .col_expr(
            course::Column::HasUnpublishedChanges,
            sea_orm::sea_query::Expr::value(true),
        )
        .filter(course::Column::Id.eq(course_id))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_split_with_line_numbers() {
        let (front, body, line) =
            split_front_matter("---\ntitle: A\nquiz: q.gift\n---\n\n## Slide\n").unwrap();
        assert_eq!(front, "title: A\nquiz: q.gift\n");
        assert_eq!(body, "\n## Slide\n");
        assert_eq!(line, 5);
        assert!(split_front_matter("no front matter").is_none());
    }

    /// A course folder in a fresh temporary directory, removed on drop.
    struct Folder(PathBuf);

    impl Folder {
        fn new() -> Self {
            let dir = std::env::temp_dir().join(format!("lms-course-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(dir.join("modules")).unwrap();
            std::fs::create_dir_all(dir.join("quizzes")).unwrap();
            std::fs::write(dir.join("course.yaml"), "slug: demo\ntitle: Demo\n").unwrap();
            Self(dir)
        }
        fn write(&self, rel: &str, text: &str) {
            std::fs::write(self.0.join(rel), text).unwrap();
        }
        fn problems(&self) -> Vec<String> {
            read_folder(&self.0)
                .unwrap_err()
                .iter()
                .map(ToString::to_string)
                .collect()
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const MODULE: &str = "---\ntitle: A\nquiz: quizzes/a.gift\n---\n## Slide\n";

    #[test]
    fn files_past_their_limit_links_and_devices_are_refused_unread() {
        let f = Folder::new();
        f.write("modules/01-a.md", MODULE);
        f.write("quizzes/a.gift", &"Q {T}\n\n".repeat(200_000));
        f.write(
            "modules/02-b.md",
            &format!("---\ntitle: B\n---\n{}", "x".repeat(1 << 20)),
        );
        std::os::unix::fs::symlink("/dev/zero", f.0.join("modules/03-zero.md")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", f.0.join("modules/04-out.md")).unwrap();
        let started = std::time::Instant::now();
        let problems = f.problems();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        for expected in [
            "quizzes/a.gift: is larger than 1024 KiB",
            "modules/02-b.md: is larger than 1024 KiB",
            "modules/03-zero.md: is a link; links are not followed (copy the file into the folder)",
            "modules/04-out.md: is a link; links are not followed (copy the file into the folder)",
        ] {
            assert!(
                problems.iter().any(|p| p == expected),
                "{expected}: {problems:?}"
            );
        }
    }

    #[test]
    fn a_folder_of_too_many_modules_is_refused() {
        let f = Folder::new();
        for i in 0..=limits::MAX_MODULE_FILES {
            f.write(&format!("modules/{i:04}-m{i}.md"), "---\ntitle: M\n---\n");
        }
        assert_eq!(
            f.problems(),
            vec!["modules: more than 500 module files; split the course"]
        );
    }

    #[test]
    fn module_uids_are_stable() {
        assert_eq!(module_uid("c", "intro"), module_uid("c", "intro"));
        assert_ne!(module_uid("c", "intro"), module_uid("c", "other"));
    }
}
