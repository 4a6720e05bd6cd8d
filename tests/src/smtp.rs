//! A real SMTP server for tests: `tests/support/smtp_sink.py` (aiosmtpd) in a child process,
//! storing each message as a file that tests read back and parse.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct SmtpSink {
    pub port: u16,
    pub dir: PathBuf,
    child: Option<Child>,
    _tmp: tempfile::TempDir,
}

/// One received message, decoded.
#[derive(Debug, Clone)]
pub struct SunkMail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub raw: String,
}

impl SunkMail {
    /// The first link in the text part that contains `needle`.
    pub fn link_containing(&self, needle: &str) -> Option<String> {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains(needle))
            .map(|w| w.trim_end_matches(['.', ',', ')', '>']).to_owned())
    }
}

fn python() -> &'static str {
    // Debian's python has python3-aiosmtpd; a pyenv python on PATH may not.
    if std::path::Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("mail");
        let port = free_port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/support/smtp_sink.py");
        let mut sink = SmtpSink {
            port,
            dir,
            child: None,
            _tmp: tmp,
        };
        sink.spawn(script).await;
        sink
    }

    async fn spawn(&mut self, script: &str) {
        let mut child = Command::new(python())
            .arg(script)
            .arg(self.port.to_string())
            .arg(&self.dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start the SMTP sink (needs python3 with aiosmtpd: apt-get install python3-aiosmtpd)");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(15), lines.next_line())
            .await
            .expect("SMTP sink did not start in 15 s")
            .expect("read sink output")
            .expect("sink exited before it was ready");
        assert!(line.starts_with("ready"), "unexpected sink output: {line}");
        self.child = Some(child);
    }

    /// Stops the server (an outage): connections are refused until [`Self::restart`].
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
            let _ = child.wait().await;
        }
    }

    /// Starts the server again on the same port, keeping the messages received so far.
    pub async fn restart(&mut self) {
        self.stop().await;
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/support/smtp_sink.py");
        self.spawn(script).await;
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<SunkMail> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "eml") {
                let raw = std::fs::read(&path).expect("read mail");
                out.push(parse(&raw));
            }
        }
        out
    }

    /// Waits (polling, up to 20 s) for a message to `to`.
    pub async fn wait_for(&self, to: &str) -> SunkMail {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(m) = self
                .messages()
                .into_iter()
                .find(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
            {
                return m;
            }
            assert!(Instant::now() < deadline, "no mail to {to} within 20 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Messages to `to` so far.
    pub fn count_to(&self, to: &str) -> usize {
        self.messages()
            .iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
            .count()
    }
}

fn parse(raw: &[u8]) -> SunkMail {
    let msg = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("parseable mail");
    let to = msg
        .to()
        .map(|a| {
            a.iter()
                .filter_map(|addr| addr.address().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    SunkMail {
        to,
        subject: msg.subject().unwrap_or_default().to_owned(),
        text: msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        html: msg.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
        raw: String::from_utf8_lossy(raw).into_owned(),
    }
}
