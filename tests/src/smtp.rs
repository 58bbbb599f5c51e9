//! A real SMTP server for tests: `tests/smtp/server.py` (Python `aiosmtpd`, Debian package
//! `python3-aiosmtpd`) on a loopback port, writing each message it accepts to a directory the
//! test reads. Without `aiosmtpd`, [`SmtpServer::available`] is false and tests skip (they fail
//! instead when `CI` is set).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("smtp/server.py")
}

/// A Python interpreter that has `aiosmtpd`: the system one first (Debian's package), then
/// whatever `python3` is on the path.
fn python() -> Option<&'static str> {
    ["/usr/bin/python3", "python3"].into_iter().find(|p| {
        std::process::Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// A running SMTP server; killed on drop.
pub struct SmtpServer {
    pub port: u16,
    dir: tempfile::TempDir,
    _child: tokio::process::Child,
}

/// One message the server accepted.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    /// Envelope recipients.
    pub to: String,
    /// The whole message as sent (headers and body).
    pub raw: String,
}

impl ReceivedMail {
    /// The message's text with quoted-printable soft line breaks and `=XX` escapes undone.
    pub fn text(&self) -> String {
        let joined = self.raw.replace("=\r\n", "").replace("=\n", "");
        let bytes = joined.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'='
                && i + 2 < bytes.len()
                && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

impl SmtpServer {
    /// Whether tests can start the server; prints why not (and panics under `CI`).
    pub fn available() -> bool {
        if python().is_some() {
            return true;
        }
        assert!(
            std::env::var("CI").is_err(),
            "the notification tests need Python's aiosmtpd (apt-get install python3-aiosmtpd)"
        );
        eprintln!("SKIPPED: the mail test needs aiosmtpd (apt-get install python3-aiosmtpd)");
        false
    }

    /// Starts a server on `port` (0: any free port) and waits until it listens.
    pub async fn start(port: u16) -> Self {
        let python = python().expect("aiosmtpd installed (check SmtpServer::available first)");
        let dir = tempfile::tempdir().expect("tempdir");
        let mut child = tokio::process::Command::new(python)
            .arg(script())
            .env("PORT", port.to_string())
            .env("MAIL_DIR", dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start tests/smtp/server.py");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let port = tokio::time::timeout(std::time::Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.expect("read server output") {
                if let Some(p) = line.strip_prefix("ready ") {
                    return p.trim().parse::<u16>().expect("port");
                }
            }
            panic!("SMTP server exited before it was ready");
        })
        .await
        .expect("SMTP server ready within 30 s");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self {
            port,
            dir,
            _child: child,
        }
    }

    /// `smtp://127.0.0.1:<port>` for `[mail] smtp_url`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in order.
    pub fn received(&self) -> Vec<ReceivedMail> {
        read_dir(self.dir.path())
    }

    /// The messages received so far for `address`.
    pub fn received_by(&self, address: &str) -> Vec<ReceivedMail> {
        self.received()
            .into_iter()
            .filter(|m| m.to.contains(address))
            .collect()
    }
}

fn read_dir(dir: &Path) -> Vec<ReceivedMail> {
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| {
                    let path = e.path();
                    let n = path.file_stem()?.to_str()?.parse().ok()?;
                    (path.extension()? == "eml").then_some((n, path))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .filter_map(|(_, p)| std::fs::read_to_string(p).ok())
        .map(|raw| {
            let to = raw
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("X-Envelope-To: "))
                .unwrap_or_default()
                .to_string();
            ReceivedMail { to, raw }
        })
        .collect()
}
