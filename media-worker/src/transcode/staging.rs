//! The output directory is built in a hidden staging directory beside it (same parent, so the
//! same file system) and renamed into place only when complete: readers never see a partial
//! rendition set, and a failure or an abort leaves nothing behind.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A staging directory, removed on drop unless [`Staging::publish`] moved it into place.
#[derive(Debug)]
pub(crate) struct Staging {
    dir: PathBuf,
    target: PathBuf,
    published: bool,
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}-{}-{nanos:x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn is_empty_dir(path: &Path) -> std::io::Result<bool> {
    Ok(std::fs::read_dir(path)?.next().is_none())
}

/// Splits `target` into (parent, file name), refusing paths without a usable name.
fn parent_and_name(target: &Path) -> std::io::Result<(PathBuf, String)> {
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("output directory has no usable name: {}", target.display()),
            )
        })?
        .to_owned();
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

/// Whether `target` may be written: it does not exist, is an empty directory, or `replace`.
pub(crate) fn check_target(target: &Path, replace: bool) -> std::io::Result<()> {
    match std::fs::symlink_metadata(target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
        Ok(meta) if meta.is_dir() && (replace || is_empty_dir(target)?) => Ok(()),
        Ok(_) => Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} already exists and is not an empty directory",
                target.display()
            ),
        )),
    }
}

impl Staging {
    /// Creates `.<name>.partial-<unique>` beside `target` (creating the parent if needed).
    ///
    /// Leftovers of an earlier attempt at the same target (a worker killed mid-transcode,
    /// whose job another worker has taken over under the lease) are removed first, so a
    /// crash never leaves orphaned files behind.
    pub(crate) fn create(target: &Path) -> std::io::Result<Self> {
        let (parent, name) = parent_and_name(target)?;
        std::fs::create_dir_all(&parent)?;
        remove_leftovers(&parent, &name)?;
        let dir = parent.join(format!(".{name}.partial-{}", unique_suffix()));
        std::fs::create_dir(&dir)?;
        Ok(Self {
            dir,
            target: target.to_path_buf(),
            published: false,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.dir
    }

    /// Moves the staging directory to the target, replacing an existing one (moved aside
    /// first, then removed).
    pub(crate) fn publish(mut self) -> std::io::Result<()> {
        let (parent, name) = parent_and_name(&self.target)?;
        let old = match std::fs::symlink_metadata(&self.target) {
            Ok(meta) if meta.is_dir() && !is_empty_dir(&self.target)? => {
                let aside = parent.join(format!(".{name}.old-{}", unique_suffix()));
                std::fs::rename(&self.target, &aside)?;
                Some(aside)
            }
            Ok(meta) if meta.is_dir() => {
                std::fs::remove_dir(&self.target)?;
                None
            }
            Ok(_) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!("{} exists and is not a directory", self.target.display()),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        if let Err(e) = std::fs::rename(&self.dir, &self.target) {
            // Put the previous output back so that a failed publish changes nothing.
            if let Some(old) = &old {
                let _ = std::fs::rename(old, &self.target);
            }
            return Err(e);
        }
        self.published = true;
        if let Some(old) = old {
            let _ = std::fs::remove_dir_all(old);
        }
        Ok(())
    }
}

/// Removes `.<name>.partial-*` and `.<name>.old-*` directories beside the target.
fn remove_leftovers(parent: &Path, name: &str) -> std::io::Result<()> {
    let partial = format!(".{name}.partial-");
    let old = format!(".{name}.old-");
    for entry in std::fs::read_dir(parent)?.flatten() {
        let file_name = entry.file_name();
        let Some(n) = file_name.to_str() else {
            continue;
        };
        if n.starts_with(&partial) || n.starts_with(&old) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    Ok(())
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lms-staging-{tag}-{}", unique_suffix()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        dir
    }

    #[test]
    fn leftovers_of_a_killed_attempt_are_cleared() {
        let root = scratch("leftovers");
        let target = root.join("hls");
        let orphan = root.join(".hls.partial-4242-0-abc");
        std::fs::create_dir_all(orphan.join("720p")).expect("orphan");
        std::fs::write(orphan.join("720p/seg_000.m4s"), b"x").expect("write");
        let staging = Staging::create(&target).expect("create");
        assert!(!orphan.exists(), "the dead worker's partial output is gone");
        staging.publish().expect("publish");
        let names: Vec<String> = std::fs::read_dir(&root)
            .expect("list")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["hls".to_owned()]);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn dropped_staging_leaves_nothing() {
        let root = scratch("drop");
        let target = root.join("out");
        {
            let s = Staging::create(&target).expect("create");
            std::fs::write(s.path().join("x"), b"1").expect("write");
        }
        assert!(!target.exists());
        assert_eq!(std::fs::read_dir(&root).map(|d| d.count()).unwrap_or(99), 0);
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn publish_replaces_only_when_allowed() {
        let root = scratch("publish");
        let target = root.join("out");
        std::fs::create_dir_all(&target).expect("mkdir");
        assert!(check_target(&target, false).is_ok(), "empty dir is fine");
        std::fs::write(target.join("old"), b"1").expect("write");
        assert!(check_target(&target, false).is_err());
        assert!(check_target(&target, true).is_ok());
        let s = Staging::create(&target).expect("create");
        std::fs::write(s.path().join("new"), b"2").expect("write");
        s.publish().expect("publish");
        assert!(target.join("new").exists());
        assert!(!target.join("old").exists());
        assert_eq!(std::fs::read_dir(&root).map(|d| d.count()).unwrap_or(99), 1);
        let _ = std::fs::remove_dir_all(root);
    }
}
