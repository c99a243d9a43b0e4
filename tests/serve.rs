//! `movierec serve`: right files with the right types, gzip, and nothing outside www/ and pkg/.

#[path = "support/browser.rs"]
mod browser;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use browser::Server;

/// A raw HTTP/1.0 request, so the path reaches the server exactly as written.
fn get(addr: &str, path: &str, extra: &str) -> (String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n{extra}\r\n").unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (
        String::from_utf8_lossy(&all[..split]).to_lowercase(),
        all[split + 4..].to_vec(),
    )
}

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let www = dir.path().join("www");
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(&www).unwrap();
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(www.join("index.html"), "<!doctype html><p>hello").unwrap();
    std::fs::write(www.join("app.js"), "export const x = 1;").unwrap();
    std::fs::write(www.join(".env"), "hidden").unwrap();
    std::fs::write(pkg.join("movierec.js"), "// glue").unwrap();
    std::fs::write(pkg.join("movierec_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.path().join("model.bin"), vec![7u8; 5000]).unwrap();
    std::fs::write(dir.path().join("secret.txt"), "top secret").unwrap();
    dir
}

fn start_site(dir: &tempfile::TempDir) -> Server {
    let p = |x: &str| dir.path().join(x);
    Server::with_args(&[
        "--www".as_ref(),
        p("www").as_os_str(),
        "--pkg".as_ref(),
        p("pkg").as_os_str(),
        "--model".as_ref(),
        p("model.bin").as_os_str(),
    ])
}

#[test]
fn serves_the_demo_files_with_their_types() {
    let dir = site();
    let server = start_site(&dir);
    assert!(server.addr().starts_with("127.0.0.1:"), "{}", server.addr());

    let (head, body) = get(server.addr(), "/", "");
    assert!(
        head.starts_with("http/1.0 200") || head.starts_with("http/1.1 200"),
        "{head}"
    );
    assert!(head.contains("content-type: text/html"), "{head}");
    assert_eq!(body, b"<!doctype html><p>hello");

    let (head, _) = get(server.addr(), "/app.js", "");
    assert!(head.contains("content-type: text/javascript"), "{head}");
    let (head, body) = get(server.addr(), "/pkg/movierec_bg.wasm", "");
    assert!(head.contains("content-type: application/wasm"), "{head}");
    assert_eq!(body, b"\0asm\x01\0\0\0");
    let (_, body) = get(server.addr(), "/model.movierec?v=2", "");
    assert_eq!(body, vec![7u8; 5000]);
    let (head, _) = get(server.addr(), "/", "");
    assert!(
        head.contains("content-security-policy: default-src 'self'"),
        "{head}"
    );
}

#[test]
fn compresses_when_the_browser_accepts_gzip() {
    let dir = site();
    let server = start_site(&dir);
    let (head, body) = get(
        server.addr(),
        "/model.movierec",
        "Accept-Encoding: gzip, deflate\r\n",
    );
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert!(body.len() < 5000);
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut plain)
        .unwrap();
    assert_eq!(plain, vec![7u8; 5000]);
}

#[test]
fn nothing_outside_www_and_pkg_is_reachable() {
    let dir = site();
    let server = start_site(&dir);
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/pkg/../../secret.txt",
        "/pkg/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "//etc/passwd",
        "/.env",
        "/nope.html",
    ] {
        let (head, body) = get(server.addr(), path, "");
        assert!(head.contains(" 404"), "{path}: {head}");
        assert!(!String::from_utf8_lossy(&body).contains("secret"), "{path}");
        // Error responses carry the same protections as files.
        assert!(head.contains("x-content-type-options: nosniff"), "{head}");
        assert!(head.contains("content-security-policy"), "{head}");
    }
    for path in ["/%zz", "/a%2", "/%ff%fe", "/%00"] {
        let (head, _) = get(server.addr(), path, "");
        assert!(head.contains(" 400"), "{path}: {head}");
    }
}

/// Sends raw bytes as one request and returns the status line (empty if the server hung up).
fn raw_status(addr: &str, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let _ = s.write_all(request);
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    let text = String::from_utf8_lossy(&all).to_lowercase();
    text.lines().next().unwrap_or("").to_string()
}

#[test]
fn malformed_and_oversized_requests_get_an_answer_not_a_hang_up() {
    let dir = site();
    let server = start_site(&dir);
    let status = raw_status(
        server.addr(),
        "GET /caf\u{e9} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".as_bytes(),
    );
    assert!(status.contains(" 400"), "raw UTF-8 path: {status:?}");
    let mut huge = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 4 << 20));
    huge.extend(b"\r\n\r\n");
    let status = raw_status(server.addr(), &huge);
    assert!(
        status.contains(" 431") || status.contains(" 400"),
        "4 MB header: {status:?}"
    );
    let status = raw_status(
        server.addr(),
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert!(status.contains(" 405"), "POST: {status:?}");
}

#[test]
fn a_client_that_stops_reading_does_not_delay_the_others() {
    let dir = site();
    // Far more than the socket buffers hold, so the stalled download blocks its writer.
    std::fs::write(dir.path().join("pkg/movierec_bg.wasm"), vec![0u8; 32 << 20]).unwrap();
    let server = start_site(&dir);
    let mut stalled = TcpStream::connect(server.addr()).unwrap();
    write!(
        stalled,
        "GET /pkg/movierec_bg.wasm HTTP/1.1\r\nHost: {}\r\n\r\n",
        server.addr()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let (head, body) = get(server.addr(), "/", "");
    let waited = started.elapsed();
    assert!(head.contains(" 200"), "{head}");
    assert_eq!(body, b"<!doctype html><p>hello");
    // Generous: an answer takes milliseconds; a server stuck behind the stalled client never
    // answers at all while it stays connected.
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    drop(stalled);
}

#[test]
fn the_wasm_is_served_precompressed_as_brotli_or_gzip() {
    let dir = site();
    let wasm: Vec<u8> = (0..200_000u32).map(|i| (i % 7) as u8).collect();
    std::fs::write(dir.path().join("pkg/movierec_bg.wasm"), &wasm).unwrap();
    let server = start_site(&dir);
    let (head, body) = get(
        server.addr(),
        "/pkg/movierec_bg.wasm",
        "Accept-Encoding: br\r\n",
    );
    assert!(head.contains("content-encoding: br"), "{head}");
    assert!(head.contains("content-type: application/wasm"), "{head}");
    let mut plain = Vec::new();
    brotli::BrotliDecompress(&mut &body[..], &mut plain).unwrap();
    assert_eq!(plain, wasm);
    let (head, body) = get(
        server.addr(),
        "/pkg/movierec_bg.wasm",
        "Accept-Encoding: gzip\r\n",
    );
    assert!(head.contains("content-encoding: gzip"), "{head}");
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut plain)
        .unwrap();
    assert_eq!(plain, wasm);
}

#[test]
fn refuses_a_folder_that_is_not_a_demo() {
    let dir = site();
    let out = Command::new(env!("CARGO_BIN_EXE_movierec"))
        .args(["serve", "--port", "0", "--pkg"])
        .arg(dir.path().join("www"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--pkg") && err.contains("www"), "{err}");
}
