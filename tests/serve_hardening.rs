//! `movierec serve` against what an adversarial client sends: odd request targets, copies and
//! folders that must not have URLs, ranges, oversized files, and connections that trickle or
//! idle until the server runs out of descriptors.

#[path = "support/browser.rs"]
mod browser;

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use browser::Server;

/// One raw request on a fresh connection (HTTP/1.0, so the server closes after answering): the
/// lower-cased head and the body.
fn request(addr: &str, head: &str) -> (String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    let split = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(all.len());
    let body = all.get(split + 4..).unwrap_or_default().to_vec();
    (String::from_utf8_lossy(&all[..split]).to_lowercase(), body)
}

fn get(addr: &str, target: &str, extra: &str) -> (String, Vec<u8>) {
    request(
        addr,
        &format!("GET {target} HTTP/1.0\r\nHost: {addr}\r\n{extra}\r\n"),
    )
}

/// A site with a subfolder (redirects were possible there) and a compressible script.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let www = dir.path().join("www");
    std::fs::create_dir_all(www.join("sub")).unwrap();
    std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
    std::fs::write(www.join("index.html"), "<!doctype html><p>hello").unwrap();
    std::fs::write(www.join("app.js"), "export const x = 1;\n".repeat(200)).unwrap();
    std::fs::write(www.join("sub/page.html"), "<p>sub").unwrap();
    std::fs::write(dir.path().join("pkg/movierec.js"), "// glue").unwrap();
    std::fs::write(dir.path().join("model.bin"), vec![7u8; 5000]).unwrap();
    dir
}

fn site_args(dir: &tempfile::TempDir) -> Vec<std::ffi::OsString> {
    let p = |x: &str| dir.path().join(x).into_os_string();
    vec![
        "--www".into(),
        p("www"),
        "--pkg".into(),
        p("pkg"),
        "--model".into(),
        p("model.bin"),
    ]
}

fn start(dir: &tempfile::TempDir) -> Server {
    let args = site_args(dir);
    Server::with_args(&args.iter().map(|a| a.as_os_str()).collect::<Vec<&OsStr>>())
}

fn status(head: &str) -> &str {
    head.split_whitespace().nth(1).unwrap_or("")
}

#[test]
fn odd_targets_get_400_404_or_414_never_500() {
    let dir = site();
    let server = start(&dir);
    let long_segment = format!("/{}", "a".repeat(300));
    let long_path = format!("/{}", "a/".repeat(3000));
    for (target, expected) in [
        (long_segment.as_str(), "404"),
        (long_path.as_str(), "414"),
        ("a", "400"),
        ("*", "400"),
    ] {
        let (head, _) = get(server.addr(), target, "");
        assert_eq!(
            status(&head),
            expected,
            "{}: {head}",
            &target[..10.min(target.len())]
        );
        assert!(head.contains("x-content-type-options: nosniff"), "{head}");
        assert!(head.contains("content-security-policy"), "{head}");
    }
}

#[test]
fn only_the_files_themselves_have_urls_and_nothing_redirects() {
    let dir = site();
    let server = start(&dir);
    for target in [
        "/app.js.br",
        "/app.js.gz",
        "/index.html.br",
        "/index.html/",
        "/sub",
        "//sub",
        "http://evil.com/sub",
    ] {
        let (head, _) = get(server.addr(), target, "");
        assert_eq!(status(&head), "404", "{target}: {head}");
        assert!(!head.contains("location:"), "{target}: {head}");
    }
    // The absolute form's host is ignored, its path served.
    let (head, body) = get(server.addr(), "http://evil.com/sub/page.html", "");
    assert_eq!(status(&head), "200", "{head}");
    assert_eq!(body, b"<p>sub");
}

#[test]
fn compressed_answers_vary_on_accept_encoding_and_revalidate() {
    let dir = site();
    let server = start(&dir);
    let (head, _) = get(server.addr(), "/app.js", "Accept-Encoding: br\r\n");
    assert!(head.contains("content-encoding: br"), "{head}");
    assert!(head.contains("vary: accept-encoding"), "{head}");
    let etag = head
        .lines()
        .find_map(|l| l.strip_prefix("etag: "))
        .unwrap()
        .to_string();
    let (again, body) = get(
        server.addr(),
        "/app.js",
        &format!("Accept-Encoding: br\r\nIf-None-Match: {etag}\r\n"),
    );
    assert_eq!(status(&again), "304", "{again}");
    assert!(body.is_empty());
    // The plain copy has another tag: a client without brotli is never told its copy is current.
    let (plain, _) = get(
        server.addr(),
        "/app.js",
        &format!("If-None-Match: {etag}\r\n"),
    );
    assert_eq!(status(&plain), "200", "{plain}");
    assert!(!plain.contains("content-encoding"), "{plain}");
    let (refused, _) = get(
        server.addr(),
        "/app.js",
        "Accept-Encoding: br;q=0, gzip\r\n",
    );
    assert!(refused.contains("content-encoding: gzip"), "{refused}");
}

#[test]
fn ranges_are_ignored_and_every_answer_is_whole() {
    let dir = site();
    let server = start(&dir);
    for range in [
        "Range: bytes=0-10\r\nIf-Range: Wed, 21 Oct 2015 07:28:00 GMT\r\n",
        "Range: bytes=0-1,3-4\r\n",
        "Range: bytes=abc\r\n",
        "Range: items=0-5\r\n",
    ] {
        let (head, body) = get(server.addr(), "/model.movierec", range);
        assert_eq!(status(&head), "200", "{range}: {head}");
        assert_eq!(body, vec![7u8; 5000], "{range}");
    }
}

#[test]
fn a_model_file_over_the_limit_is_refused_before_it_is_read() {
    let dir = site();
    let model = dir.path().join("model.bin");
    std::fs::File::create(&model)
        .unwrap()
        .set_len(movierec::modelfile::MAX_FILE_BYTES + 1)
        .unwrap();
    let started = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_movierec"))
        .args(["serve", "--port", "0"])
        .args(site_args(&dir))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("larger than"),
        "{stderr}"
    );
    // Generous: refusing takes milliseconds; reading 512 MB of zeros first took seconds.
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_trickling_client_is_closed_at_the_header_deadline() {
    let dir = site();
    let server = start(&dir);
    let mut slow = TcpStream::connect(server.addr()).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let started = Instant::now();
    // One header byte a second: each would reset a plain read timeout.
    let closed = (0..30).any(|_| {
        std::thread::sleep(Duration::from_secs(1));
        slow.write_all(b"G").is_err()
    }) || slow.read(&mut [0u8; 64]).is_ok_and(|n| n == 0);
    let waited = started.elapsed();
    assert!(closed, "still open after {waited:?}");
    assert!(waited < Duration::from_secs(20), "closed after {waited:?}");
}

#[test]
fn at_the_connection_cap_a_new_client_is_still_answered() {
    let dir = site();
    let args = site_args(&dir);
    let args: Vec<&OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    // 128 descriptors: a cap of 64 connections.
    let server = Server::with_descriptor_limit(128, &args);
    let slow: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr()).unwrap();
            s.write_all(b"GET / HTTP/1.1\r\nX-Slow: ").unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..5 {
        let (head, body) = get(server.addr(), "/", "");
        assert_eq!(status(&head), "200", "{head}");
        assert_eq!(body, b"<!doctype html><p>hello");
    }
    drop(slow);
}
