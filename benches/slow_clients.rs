//! `movierec serve` under 1,100 slow connections at a 1,024-descriptor limit (slowloris): each
//! sends a request's first bytes, then one more header byte every 15 s, and is replaced when
//! the server closes it. Meanwhile a normal client requests `/` 30 times on fresh connections.
//! Prints the normal requests' latency (p50, p99, max), how many were answered, and how long
//! the slow connections stayed open; asserts nothing about speed.
//!
//!     cargo bench --bench slow_clients

#[path = "../tests/support/browser.rs"]
mod browser;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use browser::{Server, demo_model, repo};

const SLOW: usize = 1_100;
const DESCRIPTORS: u64 = 1_024;
const TRICKLE: Duration = Duration::from_secs(15);
const REQUESTS: usize = 30;

/// A slow connection: when it opened and when it last sent a byte.
struct Slow {
    stream: TcpStream,
    opened: Instant,
    sent: Instant,
}

fn open_slow(addr: &str) -> Option<Slow> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.write_all(b"GET / HTTP/1.1\r\nX-Slow: ").ok()?;
    stream.set_nonblocking(true).ok()?;
    let now = Instant::now();
    Some(Slow {
        stream,
        opened: now,
        sent: now,
    })
}

/// Keeps `SLOW` connections trickling until `stop`; returns how long the closed ones lived.
fn trickle(addr: &str, stop: &AtomicBool) -> Vec<f64> {
    let mut slow: Vec<Slow> = (0..SLOW).filter_map(|_| open_slow(addr)).collect();
    let mut lifetimes = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        for conn in &mut slow {
            let closed = match conn.stream.read(&mut [0u8; 256]) {
                Ok(_) => true, // EOF, or an answer (408/400) before closing
                Err(e) => e.kind() != ErrorKind::WouldBlock,
            };
            let due = conn.sent.elapsed() >= TRICKLE;
            if closed || (due && conn.stream.write_all(b"a").is_err()) {
                lifetimes.push(conn.opened.elapsed().as_secs_f64());
                if let Some(fresh) = open_slow(addr) {
                    *conn = fresh;
                }
            } else if due {
                conn.sent = Instant::now();
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    lifetimes
}

/// One request for `/` on a fresh connection: its latency, or `None` without a 200.
fn normal_request(addr: &str) -> Option<f64> {
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "GET / HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut all = Vec::new();
    s.read_to_end(&mut all).ok()?;
    (all.starts_with(b"HTTP/1.1 200") || all.starts_with(b"HTTP/1.0 200"))
        .then(|| started.elapsed().as_secs_f64() * 1000.0)
}

fn main() {
    let server =
        Server::start_with_descriptor_limit(DESCRIPTORS, &demo_model(), &repo().join("pkg"));
    let addr = server.addr().to_string();
    let stop = AtomicBool::new(false);
    let (mut latencies, lifetimes) = std::thread::scope(|s| {
        let slow = s.spawn(|| trickle(&addr, &stop));
        std::thread::sleep(Duration::from_secs(3));
        let latencies: Vec<Option<f64>> = (0..REQUESTS)
            .map(|_| {
                let l = normal_request(&addr);
                std::thread::sleep(Duration::from_millis(500));
                l
            })
            .collect();
        stop.store(true, Ordering::Relaxed);
        (latencies, slow.join().unwrap())
    });
    let answered: Vec<f64> = latencies.iter_mut().filter_map(|l| l.take()).collect();
    report(answered, lifetimes);
}

fn report(mut answered: Vec<f64>, mut lifetimes: Vec<f64>) {
    answered.sort_by(f64::total_cmp);
    lifetimes.sort_by(f64::total_cmp);
    let pct = |v: &[f64], p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    println!(
        "{SLOW} slow connections, server limited to {DESCRIPTORS} descriptors: {} of {REQUESTS} normal requests answered",
        answered.len()
    );
    if !answered.is_empty() {
        println!(
            "normal request latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            pct(&answered, 0.5),
            pct(&answered, 0.99),
            answered.last().unwrap()
        );
    }
    if !lifetimes.is_empty() {
        println!(
            "slow connections closed by the server: {}, open for p50 {:.1} s, max {:.1} s",
            lifetimes.len(),
            pct(&lifetimes, 0.5),
            lifetimes.last().unwrap()
        );
    }
}
