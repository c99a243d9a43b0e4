//! `movierec serve`: the static files of the demo — `www/`, `pkg/` and the model file — on
//! loopback, nothing else.
//!
//! At start-up the servable files (regular, not hidden) are read into memory and compressed
//! once, gzip and brotli ([`site`]); hyper on tokio serves every connection concurrently, with
//! a deadline for each request's headers, read and write timeouts, and a cap on open
//! connections that still lets a new client in ([`conn`]).

mod conn;
mod site;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

pub use site::Site;

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

/// Reads the site, binds (port 0 picks a free one), prints the URL on the first line of stdout,
/// serves until Ctrl-C or SIGTERM.
pub fn serve(site: &Site, addr: SocketAddr) -> anyhow::Result<()> {
    site::check_site(site)?;
    let files = Arc::new(site::Files::load(site)?);
    let cap = conn::connection_cap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let bound = listener.local_addr()?;
        println!("Serving the demo on http://{bound}/ (Ctrl-C to stop; at most {cap} connections)");
        std::io::stdout().flush().ok();
        tokio::select! {
            () = conn::accept_loop(listener, files, cap) => Ok(()),
            () = shutdown_signal() => Ok(()),
        }
    })
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
