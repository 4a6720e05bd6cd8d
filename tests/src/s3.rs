//! A real S3-compatible server for tests: moto's server (`moto_server`, from PyPI) in a child
//! process, with a fresh bucket per test. `scripts/ensure-deps.sh test` installs it into
//! `~/.cache/lms-moto`; `LMS_TEST_MOTO_SERVER` may name another `moto_server`.
//!
//! moto speaks the S3 REST API over HTTP (signatures, multipart uploads with the 5 MiB part
//! minimum, ranges), so the storage code under test is exactly what runs against MinIO.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

pub struct S3Server {
    pub port: u16,
    pub bucket: String,
    _child: Child,
}

fn moto_server() -> PathBuf {
    if let Some(path) = std::env::var_os("LMS_TEST_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    home.join(".cache/lms-moto/bin/moto_server")
}

impl S3Server {
    /// Starts moto on a free port and creates an empty private bucket.
    pub async fn start() -> S3Server {
        let bin = moto_server();
        assert!(
            bin.exists(),
            "{} is missing: run scripts/ensure-deps.sh test (it installs moto into ~/.cache/lms-moto)",
            bin.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start moto_server");
        let bucket = format!("lms-test-{}", uuid::Uuid::new_v4().simple());
        let server = S3Server {
            port,
            bucket,
            _child: child,
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            // moto accepts any credentials; creating the bucket is also the readiness probe.
            match client.put(server.bucket_url()).send().await {
                Ok(r) if r.status().is_success() => break,
                Ok(r) => panic!("creating the test bucket: {}", r.status()),
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(e) => panic!("moto_server did not start in 30 s: {e}"),
            }
        }
        server
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:<port>/<bucket>` (path style).
    pub fn bucket_url(&self) -> String {
        format!("{}/{}", self.endpoint(), self.bucket)
    }

    pub fn config(&self) -> lms_storage::S3Config {
        lms_storage::S3Config {
            bucket: self.bucket.clone(),
            endpoint: Some(self.endpoint()),
            region: "us-east-1".into(),
            access_key_id: Some("testing".into()),
            secret_access_key: Some("testing".into()),
            path_style: true,
        }
    }

    /// A client of the bucket, for checking what the application stored.
    pub fn storage(&self) -> lms_storage::Storage {
        lms_storage::Storage::open(&lms_storage::StorageConfig::S3(self.config())).expect("s3")
    }
}
