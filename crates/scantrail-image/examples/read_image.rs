//! Reads one image and prints its identity, layers and the captured package databases.
//!
//! `cargo run -p scantrail-image --release --example read_image -- SOURCE [PLATFORM]`

use std::time::Instant;

use scantrail_image::{read_image, ImageSource, ReadOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let source = ImageSource::parse(&args.next().ok_or("usage: read_image SOURCE [PLATFORM]")?)?;
    let platform = args.next().map(|p| p.parse()).transpose()?.unwrap_or_default();

    let capture = |path: &str| {
        path == "var/lib/dpkg/status" || path == "lib/apk/db/installed" || path.ends_with("os-release")
    };
    let options = ReadOptions { platform, capture: &capture, ..ReadOptions::default() };
    let started = Instant::now();
    let image = read_image(&source, &options)?;
    let elapsed = started.elapsed();

    println!("source    {source}");
    println!("manifest  {}", image.manifest_digest);
    println!("index     {}", image.index_digest.as_ref().map_or("-".to_string(), |d| d.to_string()));
    println!("config    {}", image.config_digest);
    println!("platform  {}", image.platform);
    println!("ref name  {}", image.ref_name.as_deref().unwrap_or("-"));
    println!("created   {}", image.created.as_deref().unwrap_or("-"));
    for (key, value) in &image.labels {
        println!("label     {key}={value}");
    }
    for layer in &image.layers {
        println!("layer     {} {:>10} {} {}", layer.digest.short(), layer.size, layer.media_type, layer.created_by.as_deref().unwrap_or("-"));
    }
    println!("entries   {}", image.files.len());
    for path in ["etc/os-release", "var/lib/dpkg/status", "lib/apk/db/installed"] {
        match image.files.resolve(path) {
            Some((resolved, entry)) => println!(
                "file      {path} -> {resolved}, {} bytes, captured {}, layer {}",
                entry.size,
                entry.content.as_ref().map_or(0, Vec::len),
                entry.layer.short()
            ),
            None => println!("file      {path} not found"),
        }
    }
    println!("read in   {:.2} s", elapsed.as_secs_f64());
    Ok(())
}
