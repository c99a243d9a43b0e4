//! `movierec serve`: the static files of the demo — `www/`, `pkg/` and the model file — on
//! loopback, nothing else.
//!
//! At start-up the servable files (regular, not hidden) are copied into a private cache folder and
//! compressed there once, gzip and brotli, so tower-http's `ServeDir` serves them precompressed and
//! nothing outside that folder exists for the server. axum/hyper on tokio serve every connection
//! concurrently; each connection's reads and writes time out, so a client that stalls holds one
//! idle task and never the others.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use anyhow::{Context, anyhow};
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::net::{TcpListener, TcpStream};
use tokio_io_timeout::TimeoutStream;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

/// Where each URL prefix is served from.
#[derive(Debug, Clone)]
pub struct Site {
    pub www: PathBuf,
    pub pkg: PathBuf,
    /// Served at `/model.movierec`.
    pub model: PathBuf,
}

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to bind; loopback by default so the demo is not exposed to the network.
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Model file served to the page [default: www/model.movierec].
    #[arg(long)]
    model: Option<PathBuf>,
    /// The page's folder [default: www].
    #[arg(long)]
    www: Option<PathBuf>,
    /// The wasm package folder [default: pkg].
    #[arg(long)]
    pkg: Option<PathBuf>,
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let site = Site {
        www: args.www.unwrap_or_else(|| demo_path("www")),
        pkg: args.pkg.unwrap_or_else(|| demo_path("pkg")),
        model: args
            .model
            .unwrap_or_else(|| demo_path("www").join("model.movierec")),
    };
    serve(&site, SocketAddr::new(args.bind, args.port))
}

/// `www`, `pkg`, … relative to the working directory, or to the source checkout this binary was
/// built from when run elsewhere.
fn demo_path(name: &str) -> PathBuf {
    let here = PathBuf::from(name);
    if here.exists() {
        return here;
    }
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    if checkout.exists() { checkout } else { here }
}

/// The URL the page fetches the model from.
pub const MODEL_URL: &str = "/model.movierec";

/// A connection with no read progress for this long is closed (idle keep-alive, slow headers).
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// A client that accepts no bytes for this long is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// From request to response head.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Files bigger than this are not served (the demo's largest is the ~2 MB wasm).
const MAX_FILE_BYTES: u64 = 256 << 20;

/// The page may talk to this server only: no CDN, no tracking, no request leaves it.
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:";

/// Binds (port 0 picks a free one), prints the URL on the first line of stdout, serves until
/// Ctrl-C or SIGTERM.
pub fn serve(site: &Site, addr: SocketAddr) -> anyhow::Result<()> {
    check_site(site)?;
    let cache = build_cache(site)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(listen(cache.path(), addr))
}

fn check_site(site: &Site) -> anyhow::Result<()> {
    for (flag, dir, marker) in [
        ("--www", &site.www, "index.html"),
        ("--pkg", &site.pkg, "movierec.js"),
    ] {
        if !dir.join(marker).is_file() {
            return Err(anyhow!(
                "{flag} {}: not a built demo folder (run from the repository root, or scripts/build-web.sh for pkg/)",
                dir.display()
            ));
        }
    }
    if !site.model.is_file() {
        return Err(anyhow!("--model {}: no such file", site.model.display()));
    }
    Ok(())
}

async fn listen(root: &Path, addr: SocketAddr) -> anyhow::Result<()> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;
    println!("Serving the demo on http://{bound}/ (Ctrl-C to stop)");
    std::io::stdout().flush().ok();
    let server = axum::serve(TimedListener(listener), router(root));
    tokio::select! {
        result = server.into_future() => result.context("server failed"),
        () = shutdown_signal() => Ok(()),
    }
}

/// The routes: the model, `pkg/`, and everything else from `www/`, all from the cache folder.
pub fn router(root: &Path) -> Router {
    let dir = |name: &str| {
        ServeDir::new(root.join(name))
            .precompressed_br()
            .precompressed_gzip()
    };
    let model = ServeFile::new(root.join("model.movierec"))
        .precompressed_br()
        .precompressed_gzip();
    let set = |name, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    Router::new()
        .route_service(MODEL_URL, model)
        .nest_service("/pkg", dir("pkg"))
        .fallback_service(dir("www"))
        .layer(middleware::from_fn(reject_malformed_paths))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(set(header::CACHE_CONTROL, "no-cache"))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::CONTENT_SECURITY_POLICY, CSP))
}

/// 400 for a path that is not valid percent-encoded UTF-8 (`ServeDir` would answer 404).
async fn reject_malformed_paths(request: Request, next: Next) -> Response {
    if well_formed_path(request.uri().path()) {
        next.run(request).await
    } else {
        (StatusCode::BAD_REQUEST, "malformed path").into_response()
    }
}

/// ASCII (a request target is; raw UTF-8 must be percent-encoded), every `%` starts a two-digit
/// hex escape, and the decoded bytes are UTF-8 without NUL.
pub fn well_formed_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    if !path.is_ascii() {
        return false;
    }
    let escapes_ok = bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    escapes_ok
        && percent_encoding::percent_decode_str(path)
            .decode_utf8()
            .is_ok_and(|p| !p.contains('\0'))
}

/// Accepted connections with read and write timeouts.
struct TimedListener(TcpListener);

impl axum::serve::Listener for TimedListener {
    type Io = Pin<Box<TimeoutStream<TcpStream>>>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = axum::serve::Listener::accept(&mut self.0).await;
        let mut stream = TimeoutStream::new(stream);
        stream.set_read_timeout(Some(READ_TIMEOUT));
        stream.set_write_timeout(Some(WRITE_TIMEOUT));
        (Box::pin(stream), addr)
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let term = async {
        match term.as_mut() {
            Some(t) => {
                t.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}

/// Copies the servable files into a fresh temporary folder (`www/`, `pkg/`, `model.movierec`)
/// and writes a `.gz` and a `.br` beside each compressible one. Removed when dropped.
fn build_cache(site: &Site) -> anyhow::Result<tempfile::TempDir> {
    let cache = tempfile::Builder::new()
        .prefix("movierec-serve-")
        .tempdir()
        .context("cannot create the serving cache folder")?;
    copy_tree(&site.www, &cache.path().join("www"), Some("model.movierec"))?;
    copy_tree(&site.pkg, &cache.path().join("pkg"), None)?;
    copy_file(&site.model, &cache.path().join("model.movierec"))?;
    Ok(cache)
}

/// Regular, non-hidden files only: symlinks, sockets and dotfiles are never served. `skip` names
/// a top-level file the router serves from elsewhere.
fn copy_tree(from: &Path, to: &Path, skip: Option<&str>) -> anyhow::Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let entries =
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", from.display()))?;
        let name = entry.file_name();
        let hidden = name.to_string_lossy().starts_with('.');
        if hidden || skip.is_some_and(|s| name == s) {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&entry.path(), &to.join(&name), None)?;
        } else if kind.is_file() && entry.metadata()?.len() <= MAX_FILE_BYTES {
            copy_file(&entry.path(), &to.join(&name))?;
        }
    }
    Ok(())
}

fn copy_file(from: &Path, to: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
    std::fs::write(to, &bytes).with_context(|| format!("cannot write {}", to.display()))?;
    if compressible(from) {
        write_compressed(to, &bytes)?;
    }
    Ok(())
}

/// `FILE.gz` and `FILE.br`, the names `ServeDir`'s precompressed mode looks for.
fn write_compressed(to: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes)?;
    let with_ext = |ext: &str| {
        let mut name = to.as_os_str().to_owned();
        name.push(ext);
        PathBuf::from(name)
    };
    std::fs::write(with_ext(".gz"), gz.finish()?)?;
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 9,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut br, &params)?;
    std::fs::write(with_ext(".br"), br)?;
    Ok(())
}

fn compressible(file: &Path) -> bool {
    !matches!(
        file.extension().and_then(|e| e.to_str()),
        Some("png" | "ico" | "gz" | "br")
    )
}
