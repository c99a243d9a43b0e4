//! Connections: hyper's HTTP/1 on each accepted socket, with a deadline for a request's headers,
//! read and write timeouts, and a cap on open connections below the process's descriptor
//! limit. At the cap a new connection is still served: the connection that has been quiet the
//! longest (no byte read or written: an idle or a trickling client, never one downloading) is
//! closed to make room.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio_io_timeout::TimeoutStream;

use super::site::Files;

/// From the moment the server waits for a request (a new connection, or the next request on
/// a kept-alive one) to the end of its headers: a client that sends a byte every few seconds
/// is closed here.
pub const HEADER_DEADLINE: Duration = Duration::from_secs(10);
/// A connection with no read progress for this long is closed.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// A client that accepts no bytes for this long is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Descriptors kept free below the limit for the listener, the runtime and files.
const RESERVED_DESCRIPTORS: u64 = 64;

/// The open connections, each with its way to be closed and when it last moved a byte
/// (milliseconds since `epoch`).
struct Open {
    epoch: Instant,
    next: u64,
    connections: HashMap<u64, (Arc<Notify>, Arc<AtomicU64>)>,
}

/// At most this many connections are open at once: the soft descriptor limit less a reserve.
pub fn connection_cap() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit through a valid pointer.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    let soft = if ok { limit.rlim_cur } else { 1024 };
    soft.saturating_sub(RESERVED_DESCRIPTORS).clamp(16, 65_536) as usize
}

/// Accepts and serves connections until the future is dropped.
pub async fn accept_loop(listener: TcpListener, files: Arc<Files>, cap: usize) {
    let epoch = Instant::now();
    let open = Arc::new(Mutex::new(Open {
        epoch,
        next: 0,
        connections: HashMap::new(),
    }));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of descriptors or a connection reset before it was accepted: try again soon.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let (id, close, last) = admit(&open, cap);
        let (files, open) = (files.clone(), open.clone());
        tokio::spawn(async move {
            let stream = Watched {
                inner: timed(stream),
                last,
                epoch,
            };
            serve_connection(stream, files, close).await;
            open.lock().expect("not poisoned").connections.remove(&id);
        });
    }
}

/// Registers a new connection, closing the quietest one first when the cap is reached.
fn admit(open: &Mutex<Open>, cap: usize) -> (u64, Arc<Notify>, Arc<AtomicU64>) {
    let mut open = open.lock().expect("not poisoned");
    if open.connections.len() >= cap
        && let Some(quietest) = open
            .connections
            .iter()
            .min_by_key(|&(id, (_, last))| (last.load(Ordering::Relaxed), *id))
            .map(|(&id, _)| id)
    {
        let (close, _) = open.connections.remove(&quietest).expect("listed");
        close.notify_one();
    }
    let id = open.next;
    open.next += 1;
    let close = Arc::new(Notify::new());
    let now = open.epoch.elapsed().as_millis() as u64;
    let last = Arc::new(AtomicU64::new(now));
    open.connections.insert(id, (close.clone(), last.clone()));
    (id, close, last)
}

type Timed = Pin<Box<TimeoutStream<TcpStream>>>;

fn timed(stream: TcpStream) -> Timed {
    let mut stream = TimeoutStream::new(stream);
    stream.set_read_timeout(Some(READ_TIMEOUT));
    stream.set_write_timeout(Some(WRITE_TIMEOUT));
    Box::pin(stream)
}

/// One connection: hyper with the header deadline, until it ends or is closed to make room.
async fn serve_connection(stream: Watched, files: Arc<Files>, close: Arc<Notify>) {
    let service = service_fn(move |request| {
        let response = files.respond(&request);
        std::future::ready(Ok::<_, std::convert::Infallible>(response))
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_DEADLINE)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        () = close.notified() => {}
    }
}

/// A stream that notes when it last read or wrote a byte.
struct Watched {
    inner: Timed,
    last: Arc<AtomicU64>,
    epoch: Instant,
}

impl Watched {
    fn moved(&self, bytes: usize) {
        if bytes > 0 {
            let now = self.epoch.elapsed().as_millis() as u64;
            self.last.store(now, Ordering::Relaxed);
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = this.inner.as_mut().poll_read(cx, buf);
        this.moved(buf.filled().len() - before);
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = this.inner.as_mut().poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = result {
            this.moved(n);
        }
        result
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.get_mut().inner.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.get_mut().inner.as_mut().poll_shutdown(cx)
    }
}
