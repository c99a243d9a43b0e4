//! Load benchmark of `movierec serve` on 127.0.0.1: 16 clients download the wasm with gzip as
//! fast as they can for a few seconds while one more requests `/` every 20 ms. Prints wasm
//! requests/s and the latency of `/` (p50, p99, max); asserts nothing about speed.
//!
//!     cargo bench --bench serve

#[path = "../tests/support/browser.rs"]
mod browser;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use browser::{Server, demo_model, repo};

const CLIENTS: usize = 16;
const SECONDS: u64 = 5;

/// One request on a fresh connection; the body length.
fn get(addr: &str, path: &str) -> usize {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: {addr}\r\nAccept-Encoding: gzip\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    assert!(all.starts_with(b"HTTP/1.0 200") || all.starts_with(b"HTTP/1.1 200"));
    all.len()
}

fn main() {
    let server = Server::start(&demo_model(), &repo().join("pkg"));
    let addr = server.addr().to_string();
    let stop = AtomicBool::new(false);
    let done = AtomicUsize::new(0);
    let bytes = AtomicUsize::new(0);
    let mut page_ms = Vec::new();
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..CLIENTS {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    bytes.fetch_add(get(&addr, "/pkg/movierec_bg.wasm"), Ordering::Relaxed);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        while started.elapsed() < Duration::from_secs(SECONDS) {
            let t = Instant::now();
            get(&addr, "/");
            page_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            std::thread::sleep(Duration::from_millis(20));
        }
        stop.store(true, Ordering::Relaxed);
    });
    let secs = started.elapsed().as_secs_f64();
    page_ms.sort_by(f64::total_cmp);
    let pct = |p: f64| page_ms[((page_ms.len() - 1) as f64 * p).round() as usize];
    let n = done.load(Ordering::Relaxed);
    println!(
        "wasm with gzip, {CLIENTS} clients: {n} requests in {secs:.1} s = {:.0} requests/s ({:.0} MB/s)",
        n as f64 / secs,
        bytes.load(Ordering::Relaxed) as f64 / secs / 1e6
    );
    println!(
        "/ under that load: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} requests",
        pct(0.5),
        pct(0.99),
        page_ms.last().unwrap(),
        page_ms.len()
    );
}
