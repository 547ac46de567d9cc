//! `db update` against an HTTP server the test runs on 127.0.0.1, and `db import` of native
//! distribution feeds.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use common::{stderr, TestEnv, REPO};
use serde_json::Value;
use sha2::{Digest, Sha256};

const ETAG: &str = "\"bundle-v1\"";
const LAST_MODIFIED: &str = "Tue, 01 Dec 2026 10:00:00 GMT";

/// What the server serves and what it has seen.
#[derive(Default)]
struct ServerState {
    body: Vec<u8>,
    /// Send only this many body bytes of the next full response, then close the connection.
    truncate_next: Option<usize>,
    /// Headers of each request, names lowercased.
    requests: Vec<BTreeMap<String, String>>,
}

/// A minimal HTTP/1.1 server for one file, with ETag, Last-Modified, 304 and Range support.
struct FeedServer {
    port: u16,
    state: Arc<Mutex<ServerState>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FeedServer {
    fn start(body: Vec<u8>) -> FeedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(ServerState { body, ..Default::default() }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        serve(stream, &state);
                    }
                }
            })
        };
        FeedServer { port, state, stop, thread: Some(thread) }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/osv/all.zip", self.port)
    }

    fn requests(&self) -> Vec<BTreeMap<String, String>> {
        self.state.lock().unwrap().requests.clone()
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it reads the stop flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(mut stream: TcpStream, state: &Mutex<ServerState>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut headers = BTreeMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }

    let mut state = state.lock().unwrap();
    state.requests.push(headers.clone());
    let body = state.body.clone();
    let common = format!("ETag: {ETAG}\r\nLast-Modified: {LAST_MODIFIED}\r\nConnection: close\r\n");

    if headers.get("if-none-match").map(String::as_str) == Some(ETAG) {
        let _ = write!(stream, "HTTP/1.1 304 Not Modified\r\n{common}\r\n");
        return;
    }
    let range_start = headers
        .get("range")
        .filter(|_| headers.get("if-range").map(String::as_str) == Some(ETAG))
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|start| start.parse::<usize>().ok());
    match range_start {
        Some(start) if start < body.len() => {
            let _ = write!(
                stream,
                "HTTP/1.1 206 Partial Content\r\n{common}Content-Range: bytes {start}-{}/{}\r\nContent-Length: {}\r\n\r\n",
                body.len() - 1,
                body.len(),
                body.len() - start
            );
            let _ = stream.write_all(&body[start..]);
        }
        _ => {
            let _ = write!(stream, "HTTP/1.1 200 OK\r\n{common}Content-Length: {}\r\n\r\n", body.len());
            let sent = state.truncate_next.take().unwrap_or(body.len());
            let _ = stream.write_all(&body[..sent]);
        }
    }
    let _ = stream.flush();
    // Drains what the client may still send, so closing does not reset the connection.
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
}

/// Builds a zip bundle of OSV records like osv.dev's all.zip.
fn bundle(records: &[(&str, &str)]) -> Vec<u8> {
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in records {
            zip.start_file(*name, options).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
    }
    buffer.into_inner()
}

/// Builds a bundle of one PyPI record, padded in `details` so that the transfer can be cut in two.
fn pypi_bundle() -> Vec<u8> {
    let padding = "The yaml.full_load API was not safe for untrusted input. ".repeat(400);
    let record = format!(
        r#"{{"id": "GHSA-8q59-q68h-6hv4", "modified": "2021-09-28T19:04:49Z", "aliases": ["CVE-2020-14343"],
            "details": "{padding}",
            "affected": [{{"package": {{"ecosystem": "PyPI", "name": "PyYAML"}},
                           "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}, {{"fixed": "5.4"}}]}}]}}]}}"#
    );
    bundle(&[("GHSA-8q59-q68h-6hv4.json", &record)])
}

fn write_config(env: &TestEnv, url: &str, sha256: Option<&str>) {
    std::fs::create_dir_all(env.home()).unwrap();
    let mut text = format!("[[sources]]\nname = \"osv-pypi\"\nurl = \"{url}\"\nformat = \"osv-zip\"\n");
    if let Some(sha256) = sha256 {
        text.push_str(&format!("sha256 = \"{sha256}\"\n"));
    }
    std::fs::write(env.home().join("config.toml"), text).unwrap();
}

fn current_snapshot(env: &TestEnv) -> Value {
    env.json(&["db", "status"])["snapshot"].clone()
}

#[test]
fn update_downloads_then_not_modified() {
    let env = TestEnv::new();
    let server = FeedServer::start(pypi_bundle());
    write_config(&env, &server.url(), None);

    let first = env.json(&["db", "update"]);
    assert_eq!(first["sources"][0]["status"], "downloaded");
    assert_eq!(first["imported"], true);
    assert_eq!(first["records"], 1);
    let snapshot = current_snapshot(&env);
    assert_eq!(snapshot["sources"][0]["path"], server.url(), "the snapshot names the URL");

    let second = env.json(&["db", "update"]);
    assert_eq!(second["sources"][0]["status"], "not_modified");
    assert_eq!(second["imported"], false);
    assert_eq!(current_snapshot(&env)["digest"], snapshot["digest"]);
    assert_eq!(current_snapshot(&env)["created_at"], snapshot["created_at"]);

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].get("if-none-match"), None);
    assert_eq!(requests[1].get("if-none-match").map(String::as_str), Some(ETAG));
    assert_eq!(requests[1].get("if-modified-since").map(String::as_str), Some(LAST_MODIFIED));
}

#[test]
fn update_table_says_up_to_date() {
    let env = TestEnv::new();
    let server = FeedServer::start(pypi_bundle());
    write_config(&env, &server.url(), None);
    env.ok(&["db", "update"]);
    let text = env.ok(&["db", "update"]);
    assert!(text.contains("osv-pypi: up to date"), "{text}");
    assert!(text.contains("no new advisory snapshot"), "{text}");
}

#[test]
fn interrupted_download_resumes_with_range() {
    let env = TestEnv::new();
    let body = pypi_bundle();
    let half = body.len() / 2;
    let server = FeedServer::start(body.clone());
    server.state.lock().unwrap().truncate_next = Some(half);
    write_config(&env, &server.url(), None);

    let interrupted = env.run(&["db", "update"]);
    assert_eq!(interrupted.status.code(), Some(2));
    let message = stderr(&interrupted);
    assert!(message.contains("interrupted"), "{message}");
    assert!(message.contains(&server.url()), "{message}");
    let part = env.home().join("feeds/osv-pypi.zip.part");
    assert_eq!(std::fs::metadata(&part).unwrap().len(), half as u64);
    assert!(current_snapshot(&env).is_null(), "nothing was imported");

    let resumed = env.json(&["db", "update"]);
    assert_eq!(resumed["sources"][0]["status"], "downloaded");
    assert_eq!(resumed["sources"][0]["resumed_from"], half);
    assert_eq!(resumed["sources"][0]["bytes"], body.len());
    assert_eq!(resumed["records"], 1);
    assert!(!part.exists());
    assert_eq!(std::fs::read(env.home().join("feeds/osv-pypi.zip")).unwrap(), body);

    let requests = server.requests();
    assert_eq!(requests[1].get("range").map(String::as_str), Some(format!("bytes={half}-").as_str()));
    assert_eq!(requests[1].get("if-range").map(String::as_str), Some(ETAG));
}

#[test]
fn corrupt_zip_leaves_store_unchanged() {
    let env = TestEnv::new();
    let server = FeedServer::start(b"PK\x03\x04 this is not a zip bundle".to_vec());
    write_config(&env, &server.url(), None);

    let output = env.run(&["db", "update"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains(&server.url()), "{message}");
    assert!(current_snapshot(&env).is_null());
    assert!(!env.home().join("feeds/osv-pypi.zip").exists());

    // The failed copy was not remembered, so the next run downloads it again unconditionally.
    server.state.lock().unwrap().body = pypi_bundle();
    let fixed = env.json(&["db", "update"]);
    assert_eq!(fixed["sources"][0]["status"], "downloaded");
    assert_eq!(server.requests()[1].get("if-none-match"), None);
}

#[test]
fn sha256_mismatch_is_rejected() {
    let env = TestEnv::new();
    let body = pypi_bundle();
    let server = FeedServer::start(body.clone());
    let wrong = hex(&Sha256::digest(b"another file"));
    write_config(&env, &server.url(), Some(&wrong));

    let output = env.run(&["db", "update"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains(&server.url()), "{message}");
    assert!(message.contains(&wrong), "{message}");
    assert!(current_snapshot(&env).is_null());

    write_config(&env, &server.url(), Some(&hex(&Sha256::digest(&body))));
    let accepted = env.json(&["db", "update"]);
    assert_eq!(accepted["records"], 1);
}

#[test]
fn plain_http_to_other_host_is_rejected() {
    let env = TestEnv::new();
    write_config(&env, "http://feeds.example.org/all.zip", None);
    let output = env.run(&["db", "update"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("https://"), "{}", stderr(&output));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A Debian security tracker entry that is still open in bookworm: no fix, urgency high.
const TRACKER_OPEN: &str = r#"{
  "base-files": {
    "CVE-2026-0001": {
      "description": "A made-up issue in base-files that Debian has not fixed.",
      "releases": {
        "bookworm": {"status": "open", "repositories": {"bookworm": "12.4+deb12u5"}, "urgency": "high"},
        "sid": {"status": "open", "repositories": {"sid": "13.6"}, "urgency": "high"}
      }
    }
  }
}"#;

#[test]
fn tracker_open_entry_is_unfixed_finding() {
    let env = TestEnv::new();
    let tracker = env.path("tracker.json");
    std::fs::write(&tracker, TRACKER_OPEN).unwrap();
    env.ok(&["db", "import", tracker.to_str().unwrap()]);
    env.scan_both();

    let report = env.json(&["show", &format!("{REPO}:v1.1")]);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["vulnerability_id"] == "CVE-2026-0001")
        .expect("base-files is affected");
    assert_eq!(finding["status"], "affected");
    assert_eq!(finding["fixed_versions"], serde_json::json!([]));
    assert_eq!(finding["severity"], "HIGH");
    assert_eq!(finding["severity_source"], "Debian");
    assert_eq!(finding["severities"][0]["source"], "debian");
    assert_eq!(finding["severities"][0]["value"], "high");

    let table = env.ok(&["show", &format!("{REPO}:v1.1")]);
    assert!(table.contains("HIGH (debian)"), "{table}");

    let strict = env.run(&["gate", &format!("{REPO}:v1.1"), "--fail-on", "high"]);
    assert_eq!(strict.status.code(), Some(1));
    let lenient = env.run(&["gate", &format!("{REPO}:v1.1"), "--fail-on", "high", "--ignore-unfixed"]);
    assert_eq!(lenient.status.code(), Some(0), "{}", stderr(&lenient));
}

#[test]
fn first_scan_downloads_advisories() {
    let env = TestEnv::new();
    let record = std::fs::read_to_string(common::examples_dir().join("advisories/GHSA-x84v-xcm2-53pg.json")).unwrap();
    let server = FeedServer::start(bundle(&[("GHSA-x84v-xcm2-53pg.json", &record)]));
    write_config(&env, &server.url(), None);
    let layout = env.example_layout();

    let output = env.run(&["scan", &format!("oci:{}:v1.0", layout.display()), "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("no advisory data yet"), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).expect("stdout is the scan report");
    let ids: Vec<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["vulnerability_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["CVE-2018-18074"]);
    assert_eq!(server.requests().len(), 1);

    env.ok(&["scan", &format!("oci:{}:v1.1", layout.display())]);
    assert_eq!(server.requests().len(), 1, "a store with advisory data downloads nothing on scan");
}

#[test]
fn offline_scan_without_advisories_fails() {
    let env = TestEnv::new();
    let server = FeedServer::start(pypi_bundle());
    write_config(&env, &server.url(), None);
    let layout = env.example_layout();

    let output = env.run(&["scan", &format!("oci:{}:v1.0", layout.display()), "--offline"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("db import"), "{}", stderr(&output));
    assert!(server.requests().is_empty(), "--offline downloads nothing");
}
