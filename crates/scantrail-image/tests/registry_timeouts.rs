//! Registry timeouts: a server on 127.0.0.1 that stalls while sending a manifest or a layer
//! must make the read fail with an error naming the URL and the timeout, not hang.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

use scantrail_image::{read_image, ImageError, ImageSource, ReadOptions, RegistryOptions};
use scantrail_testkit::{BuiltImage, ImageBuilder, Layer};

/// Where the stalling server stops sending.
#[derive(Clone, Copy)]
enum Stall {
    /// Sends the manifest one byte every 50 ms, forever.
    ManifestTrickle,
    /// Sends the headers and the first bytes of every layer blob, then nothing.
    LayerBody,
    /// Sends everything at once, as a working registry does.
    Never,
}

/// Starts a server for the image in `layout` that stalls as `stall` selects. The server thread
/// ends with the test process; each connection ends when the client closes it.
fn start_stalling_server(layout: &Path, built: &BuiltImage, stall: Stall) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let layout = layout.to_path_buf();
    let manifest_digest = built.manifest_digest.to_string();
    let layers: Vec<String> = built.layer_digests.iter().map(|digest| digest.to_string()).collect();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            let (layout, manifest_digest, layers) = (layout.clone(), manifest_digest.clone(), layers.clone());
            std::thread::spawn(move || serve(stream, &layout, &manifest_digest, &layers, stall));
        }
    });
    address
}

fn serve(stream: TcpStream, layout: &Path, manifest_digest: &str, layers: &[String], stall: Stall) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() || line.trim().is_empty() {
            break;
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("").to_string();
    let blob = |digest: &str| std::fs::read(layout.join("blobs/sha256").join(digest.trim_start_matches("sha256:"))).unwrap();

    let mut stream = stream;
    let (content_type, body) = if path.contains("/manifests/") {
        ("application/vnd.oci.image.manifest.v1+json", blob(manifest_digest))
    } else if let Some(digest) = path.split("/blobs/").nth(1) {
        ("application/octet-stream", blob(digest))
    } else {
        let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    };
    let headers = format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    if stream.write_all(headers.as_bytes()).is_err() {
        return;
    }

    let is_layer = layers.iter().any(|layer| path.ends_with(layer.as_str()));
    match stall {
        Stall::ManifestTrickle if path.contains("/manifests/") => {
            for byte in body.iter().cycle() {
                if stream.write_all(&[*byte]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Stall::LayerBody if is_layer => {
            let _ = stream.write_all(&body[..body.len() / 2]);
            // Wait, sending nothing, until the client gives up and closes the connection.
            let _ = reader.read_to_end(&mut Vec::new());
        }
        _ => {
            let _ = stream.write_all(&body);
        }
    }
}

fn build_image(dir: &Path) -> BuiltImage {
    let content = "x".repeat(64 * 1024);
    ImageBuilder::new().layer(Layer::new().file("etc/os-release", "ID=test\n").file("data", &content)).write_oci_layout(dir, "v1")
}

fn options(document_timeout: Duration, idle_timeout: Duration) -> RegistryOptions {
    RegistryOptions {
        docker_config: Some("/nonexistent-scantrail-test".into()),
        retry_delay: Duration::from_millis(10),
        connect_timeout: Duration::from_secs(5),
        idle_timeout,
        document_timeout,
        ..RegistryOptions::new()
    }
}

fn read(address: &str, registry: &RegistryOptions) -> Result<scantrail_image::Image, ImageError> {
    let source = ImageSource::parse(&format!("docker://{address}/team/app:v1")).unwrap();
    read_image(&source, &ReadOptions { registry, ..ReadOptions::default() })
}

#[test]
fn trickled_manifest_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let built = build_image(dir.path());
    let address = start_stalling_server(dir.path(), &built, Stall::ManifestTrickle);

    // Each byte arrives well within the idle timeout, so only the document timeout can end it.
    let error = read(&address, &options(Duration::from_millis(500), Duration::from_secs(30))).unwrap_err();
    match &error {
        ImageError::RegistryTimeout { url, timeout, .. } => {
            assert_eq!(url, &format!("http://{address}/v2/team/app/manifests/v1"));
            assert_eq!(*timeout, Duration::from_millis(500));
        }
        other => panic!("expected RegistryTimeout, got {other}"),
    }
    let message = error.to_string();
    assert!(message.contains("timed out"), "{message}");
    assert!(message.contains("0.5 s"), "{message}");
}

#[test]
fn stalled_layer_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let built = build_image(dir.path());
    let address = start_stalling_server(dir.path(), &built, Stall::LayerBody);

    let error = read(&address, &options(Duration::from_secs(30), Duration::from_millis(300))).unwrap_err();
    assert!(matches!(&error, ImageError::BlobRead { digest, .. } if digest == &built.layer_digests[0]), "{error}");
    let message = error.to_string();
    let layer_url = format!("http://{address}/v2/team/app/blobs/{}", built.layer_digests[0]);
    assert!(message.contains(&layer_url), "{message}");
    assert!(message.contains("sent no data for 0.3 s"), "{message}");
}

#[test]
fn prompt_server_reads_within_timeouts() {
    let dir = tempfile::tempdir().unwrap();
    let built = build_image(dir.path());
    let address = start_stalling_server(dir.path(), &built, Stall::Never);

    let image = read(&address, &options(Duration::from_secs(5), Duration::from_secs(5))).unwrap();
    assert_eq!(image.manifest_digest, built.manifest_digest);
}
