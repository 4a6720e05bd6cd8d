//! Where media files live: uploads, sources, HLS renditions, posters, captions, slides.
//!
//! One interface ([`Storage`]) over either a local directory (the embedded default) or any
//! S3-compatible bucket (production: MinIO, Garage, a cloud bucket), both through
//! `object_store`. Keys are relative, `/`-separated paths such as
//! `videos/<uuid>/hls/master.m3u8`; a key that tries to leave its root is refused.
//!
//! Resumable uploads need more than whole-object writes: on S3 they become multipart uploads
//! whose parts may be sent by different web server replicas ([`Storage::multipart`]); on a
//! local directory the bytes are appended to a file ([`Storage::local_path`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, ObjectStore, PutPayload, WriteMultipart};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub use object_store::{GetRange, GetResult, ObjectMeta};

/// The smallest part an S3 multipart upload accepts (except its last one), and the size
/// resumable uploads buffer before sending a part.
pub const PART_SIZE: usize = 5 * 1024 * 1024;

/// Objects larger than this are written in parts.
const WHOLE_PUT_LIMIT: u64 = 8 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid storage key {0:?}")]
    InvalidKey(String),
    #[error("{0} does not exist in storage")]
    NotFound(String),
    #[error("storage: {0}")]
    Store(#[from] object_store::Error),
    #[error("storage: {0}")]
    Io(#[from] std::io::Error),
    #[error("storage: {0}")]
    Config(String),
}

pub type StorageResult<T> = Result<T, StorageError>;

/// An S3-compatible bucket.
#[derive(Clone, Debug, Default)]
pub struct S3Config {
    pub bucket: String,
    /// e.g. `http://minio:9000`; unset means AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Path-style requests (`<endpoint>/<bucket>/<key>`), which MinIO and most
    /// self-hosted stores want.
    pub path_style: bool,
}

/// Which store to open.
#[derive(Clone, Debug)]
pub enum StorageConfig {
    /// A directory on this machine (shared by every process of one host).
    Local(PathBuf),
    S3(S3Config),
}

impl StorageConfig {
    /// From the environment: `LMS_S3_BUCKET` selects S3 (with `LMS_S3_ENDPOINT`,
    /// `LMS_S3_REGION`, `LMS_S3_ACCESS_KEY_ID`, `LMS_S3_SECRET_ACCESS_KEY`,
    /// `LMS_S3_FORCE_PATH_STYLE`); otherwise the local directory `local_root`.
    pub fn from_env(local_root: PathBuf) -> Self {
        Self::from_lookup(local_root, |name| std::env::var(name).ok())
    }

    pub fn from_lookup(local_root: PathBuf, var: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        match var("LMS_S3_BUCKET") {
            None => Self::Local(local_root),
            Some(bucket) => {
                let endpoint = var("LMS_S3_ENDPOINT");
                Self::S3(S3Config {
                    bucket,
                    path_style: var("LMS_S3_FORCE_PATH_STYLE")
                        .map(|v| matches!(v.as_str(), "1" | "true" | "yes"))
                        .unwrap_or(endpoint.is_some()),
                    endpoint,
                    region: var("LMS_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                    access_key_id: var("LMS_S3_ACCESS_KEY_ID"),
                    secret_access_key: var("LMS_S3_SECRET_ACCESS_KEY"),
                })
            }
        }
    }
}

#[derive(Clone, Debug)]
enum Backend {
    Local(PathBuf),
    S3(Arc<AmazonS3>),
}

/// The media store. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    backend: Backend,
}

/// A key checked to stay inside the store.
pub fn object_key(key: &str) -> StorageResult<ObjectPath> {
    let safe = !key.is_empty()
        && key.len() <= 1024
        && key
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains(['\\', '\0']));
    if !safe {
        return Err(StorageError::InvalidKey(key.to_owned()));
    }
    ObjectPath::parse(key).map_err(|_| StorageError::InvalidKey(key.to_owned()))
}

fn not_found(key: &str, e: object_store::Error) -> StorageError {
    match e {
        object_store::Error::NotFound { .. } => StorageError::NotFound(key.to_owned()),
        other => StorageError::Store(other),
    }
}

impl Storage {
    /// Opens the store (creating the local directory if needed). S3 buckets must exist.
    pub fn open(config: &StorageConfig) -> StorageResult<Self> {
        match config {
            StorageConfig::Local(root) => {
                std::fs::create_dir_all(root)?;
                let root = root.canonicalize()?;
                let fs = LocalFileSystem::new_with_prefix(&root)?.with_automatic_cleanup(true);
                Ok(Self {
                    store: Arc::new(fs),
                    backend: Backend::Local(root),
                })
            }
            StorageConfig::S3(s3) => {
                let mut b = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_virtual_hosted_style_request(!s3.path_style);
                if let Some(endpoint) = &s3.endpoint {
                    b = b
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                if let Some(id) = &s3.access_key_id {
                    b = b.with_access_key_id(id);
                }
                if let Some(secret) = &s3.secret_access_key {
                    b = b.with_secret_access_key(secret);
                }
                let s3 = Arc::new(b.build().map_err(|e| StorageError::Config(e.to_string()))?);
                Ok(Self {
                    store: s3.clone(),
                    backend: Backend::S3(s3),
                })
            }
        }
    }

    /// For logs: `local directory /var/lib/lms/media` or `S3 bucket lms-media`.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Local(root) => format!("local directory {}", root.display()),
            Backend::S3(s3) => format!("S3 {s3}"),
        }
    }

    /// The file behind `key` when the store is a local directory (the fast paths: appending
    /// to an upload, transcoding in place, serving with sendfile-like reads).
    pub fn local_path(&self, key: &str) -> StorageResult<Option<PathBuf>> {
        object_key(key)?;
        Ok(match &self.backend {
            Backend::Local(root) => Some(root.join(key)),
            Backend::S3(_) => None,
        })
    }

    /// The local directory, if that is what the store is.
    pub fn local_root(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Local(root) => Some(root),
            Backend::S3(_) => None,
        }
    }

    /// Multipart uploads that any process can continue (S3 only).
    pub fn multipart(&self) -> Option<Multipart> {
        match &self.backend {
            Backend::S3(s3) => Some(Multipart(s3.clone())),
            Backend::Local(_) => None,
        }
    }

    /// Writes a whole (small) object, replacing any previous one.
    pub async fn put(&self, key: &str, bytes: impl Into<Bytes>) -> StorageResult<()> {
        self.store
            .put(&object_key(key)?, PutPayload::from_bytes(bytes.into()))
            .await?;
        Ok(())
    }

    /// Reads a whole (small) object.
    pub async fn get(&self, key: &str) -> StorageResult<Bytes> {
        let r = self
            .store
            .get(&object_key(key)?)
            .await
            .map_err(|e| not_found(key, e))?;
        Ok(r.bytes().await?)
    }

    /// The first `n` bytes (fewer if the object is shorter).
    pub async fn head_bytes(&self, key: &str, n: u64) -> StorageResult<Bytes> {
        let opts = GetOptions {
            range: Some(GetRange::Bounded(0..n)),
            ..GetOptions::default()
        };
        let r = self
            .store
            .get_opts(&object_key(key)?, opts)
            .await
            .map_err(|e| not_found(key, e))?;
        Ok(r.bytes().await?)
    }

    /// Size and version of an object.
    pub async fn meta(&self, key: &str) -> StorageResult<ObjectMeta> {
        self.store
            .head(&object_key(key)?)
            .await
            .map_err(|e| not_found(key, e))
    }

    /// An object (or a byte range of it) to stream, e.g. to an HTTP client; `head_only`
    /// fetches only its metadata.
    pub async fn read(
        &self,
        key: &str,
        range: Option<GetRange>,
        head_only: bool,
    ) -> StorageResult<GetResult> {
        let opts = GetOptions {
            range,
            head: head_only,
            ..GetOptions::default()
        };
        match self.store.get_opts(&object_key(key)?, opts).await {
            Ok(r) => Ok(r),
            Err(e) => Err(not_found(key, e)),
        }
    }

    /// Removes one object; a missing one is not an error.
    pub async fn delete(&self, key: &str) -> StorageResult<()> {
        match self.store.delete(&object_key(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes every object under `prefix/`.
    pub async fn delete_prefix(&self, prefix: &str) -> StorageResult<()> {
        let prefix = object_key(prefix.trim_end_matches('/'))?;
        let keys: Vec<ObjectPath> = self
            .store
            .list(Some(&prefix))
            .map(|m| m.map(|m| m.location))
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        for key in keys {
            match self.store.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if let Backend::Local(root) = &self.backend {
            let _ = tokio::fs::remove_dir_all(root.join(prefix.as_ref())).await;
        }
        Ok(())
    }

    /// Every key under `prefix/`, sorted.
    pub async fn list(&self, prefix: &str) -> StorageResult<Vec<String>> {
        let prefix = object_key(prefix.trim_end_matches('/'))?;
        let mut keys: Vec<String> = self
            .store
            .list(Some(&prefix))
            .map(|m| m.map(|m| m.location.to_string()))
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        keys.sort();
        Ok(keys)
    }

    /// Every object under `prefix/` with its size and modification time, sorted by key.
    pub async fn list_meta(&self, prefix: &str) -> StorageResult<Vec<ObjectMeta>> {
        let prefix = object_key(prefix.trim_end_matches('/'))?;
        let mut metas: Vec<ObjectMeta> = self
            .store
            .list(Some(&prefix))
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        metas.sort_by(|a, b| a.location.cmp(&b.location));
        Ok(metas)
    }

    /// Moves a finished local file into the store: a rename when the store is a directory
    /// on the same file system, otherwise a copy (then the file is removed).
    pub async fn adopt(&self, src: &Path, key: &str) -> StorageResult<()> {
        if let Some(target) = self.local_path(key)? {
            if let Some(parent) = target.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            if tokio::fs::rename(src, &target).await.is_ok() {
                return Ok(());
            }
        }
        self.upload(src, key).await?;
        tokio::fs::remove_file(src).await?;
        Ok(())
    }

    /// Copies an object to a local file (streamed, any size).
    pub async fn download(&self, key: &str, dest: &Path) -> StorageResult<u64> {
        let r = self
            .store
            .get(&object_key(key)?)
            .await
            .map_err(|e| not_found(key, e))?;
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let mut file = tokio::fs::File::create(dest).await?;
        let mut stream = r.into_stream();
        let mut total = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            total += chunk.len() as u64;
            file.write_all(&chunk).await?;
        }
        file.sync_all().await?;
        Ok(total)
    }

    /// Copies a local file into the store (in parts when large).
    pub async fn upload(&self, src: &Path, key: &str) -> StorageResult<()> {
        let path = object_key(key)?;
        let size = tokio::fs::metadata(src).await?.len();
        if size <= WHOLE_PUT_LIMIT {
            let bytes = tokio::fs::read(src).await?;
            self.store.put(&path, PutPayload::from(bytes)).await?;
            return Ok(());
        }
        let upload = self.store.put_multipart(&path).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE * 2);
        let mut file = tokio::fs::File::open(src).await?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = match file.read(&mut buf).await {
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e.into());
                }
            };
            if n == 0 {
                break;
            }
            if let Err(e) = writer.wait_for_capacity(4).await {
                let _ = writer.abort().await;
                return Err(e.into());
            }
            writer.write(&buf[..n]);
        }
        writer.finish().await?;
        Ok(())
    }

    /// Copies every file under the local directory `dir` to `prefix/<relative path>`;
    /// returns the keys written.
    pub async fn upload_dir(&self, dir: &Path, prefix: &str) -> StorageResult<Vec<String>> {
        let mut files = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(d) = pending.pop() {
            let mut entries = tokio::fs::read_dir(&d).await?;
            while let Some(e) = entries.next_entry().await? {
                let kind = e.file_type().await?;
                if kind.is_dir() {
                    pending.push(e.path());
                } else if kind.is_file() {
                    files.push(e.path());
                }
            }
        }
        files.sort();
        let mut keys = Vec::with_capacity(files.len());
        for file in files {
            let rel = file
                .strip_prefix(dir)
                .map_err(|_| StorageError::InvalidKey(file.display().to_string()))?;
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let key = format!("{}/{}", prefix.trim_end_matches('/'), rel.join("/"));
            self.upload(&file, &key).await?;
            keys.push(key);
        }
        Ok(keys)
    }

    /// Writes and removes a probe object: the store is reachable and writable.
    pub async fn check_writable(&self) -> StorageResult<()> {
        let key = format!(".ready/{}-{}", std::process::id(), uuid_like());
        self.put(&key, Bytes::from_static(b"ok")).await?;
        self.delete(&key).await
    }
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:x}")
}

/// S3 multipart uploads addressed by id, so that the parts of one resumable upload can be
/// sent by different processes. Part indexes run from 0 without gaps; sending an index again
/// replaces that part.
#[derive(Clone, Debug)]
pub struct Multipart(Arc<AmazonS3>);

impl Multipart {
    pub async fn create(&self, key: &str) -> StorageResult<String> {
        Ok(self.0.create_multipart(&object_key(key)?).await?)
    }

    /// Sends part `index`; returns its ETag, which completing the upload needs.
    pub async fn put_part(
        &self,
        key: &str,
        upload_id: &str,
        index: usize,
        data: Bytes,
    ) -> StorageResult<String> {
        let id = upload_id.to_owned();
        let part = self
            .0
            .put_part(&object_key(key)?, &id, index, PutPayload::from_bytes(data))
            .await?;
        Ok(part.content_id)
    }

    /// Joins the parts (ETags in index order) into the object at `key`.
    pub async fn complete(
        &self,
        key: &str,
        upload_id: &str,
        etags: &[String],
    ) -> StorageResult<()> {
        let parts = etags
            .iter()
            .map(|e| PartId {
                content_id: e.clone(),
            })
            .collect();
        self.0
            .complete_multipart(&object_key(key)?, &upload_id.to_owned(), parts)
            .await?;
        Ok(())
    }

    /// Drops an unfinished upload and its parts; an unknown one is not an error.
    pub async fn abort(&self, key: &str, upload_id: &str) -> StorageResult<()> {
        match self
            .0
            .abort_multipart(&object_key(key)?, &upload_id.to_owned())
            .await
        {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_inside() {
        assert!(object_key("videos/a/source.mp4").is_ok());
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "a/./b",
            "a\\b",
            "a/",
        ] {
            assert!(object_key(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn config_from_env() {
        let local = StorageConfig::from_lookup("/tmp/x".into(), |_| None);
        assert!(matches!(local, StorageConfig::Local(_)));
        let s3 = StorageConfig::from_lookup("/tmp/x".into(), |k| match k {
            "LMS_S3_BUCKET" => Some("media".into()),
            "LMS_S3_ENDPOINT" => Some("http://127.0.0.1:9000".into()),
            _ => None,
        });
        match s3 {
            StorageConfig::S3(c) => {
                assert_eq!(c.bucket, "media");
                assert!(c.path_style);
                assert_eq!(c.region, "us-east-1");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn local_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let s = Storage::open(&StorageConfig::Local(dir.path().join("media"))).unwrap();
        s.put("a/b/c.txt", Bytes::from_static(b"hello world"))
            .await
            .unwrap();
        assert_eq!(&s.get("a/b/c.txt").await.unwrap()[..], b"hello world");
        assert_eq!(&s.head_bytes("a/b/c.txt", 5).await.unwrap()[..], b"hello");
        let r = s
            .read("a/b/c.txt", Some(GetRange::Bounded(6..11)), false)
            .await
            .unwrap();
        assert_eq!(r.range, 6..11);
        assert_eq!(&r.bytes().await.unwrap()[..], b"world");
        assert!(matches!(
            s.get("a/missing").await,
            Err(StorageError::NotFound(_))
        ));
        let big = dir.path().join("big.bin");
        let data: Vec<u8> = (0..(WHOLE_PUT_LIMIT as usize + 12345))
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&big, &data).unwrap();
        s.upload(&big, "a/big.bin").await.unwrap();
        let back = dir.path().join("back.bin");
        assert_eq!(
            s.download("a/big.bin", &back).await.unwrap(),
            data.len() as u64
        );
        assert_eq!(std::fs::read(&back).unwrap(), data);
        assert_eq!(
            s.list("a").await.unwrap(),
            vec!["a/b/c.txt".to_owned(), "a/big.bin".to_owned()]
        );
        s.delete_prefix("a").await.unwrap();
        assert!(s.list("a").await.unwrap().is_empty());
        s.check_writable().await.unwrap();
        assert!(s.multipart().is_none());
    }
}
