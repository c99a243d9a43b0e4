//! `movierec serve`: the static files of the demo — `www/`, `pkg/` and the model file — on
//! loopback, nothing else. Paths are resolved component by component, so `..`, absolute paths and
//! encoded tricks cannot reach outside those folders.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, anyhow};
use flate2::Compression;
use flate2::write::GzEncoder;
use tiny_http::{Header, Method, Request, Response, Server, StatusCode};

/// Where each URL prefix is served from.
#[derive(Debug, Clone)]
pub struct Site {
    pub www: PathBuf,
    pub pkg: PathBuf,
    /// Served at `/model.movierec`.
    pub model: PathBuf,
}

/// The URL the page fetches the model from.
pub const MODEL_URL: &str = "/model.movierec";

/// Binds (port 0 picks a free one), prints the URL on the first line of stdout, serves forever.
pub fn serve(site: &Site, addr: SocketAddr) -> anyhow::Result<()> {
    for (what, dir) in [("--www", &site.www), ("--pkg", &site.pkg)] {
        if !dir
            .join(if what == "--www" {
                "index.html"
            } else {
                "movierec.js"
            })
            .is_file()
        {
            return Err(anyhow!(
                "{what} {}: not a built demo folder (run from the repository root, or scripts/build-web.sh for pkg/)",
                dir.display()
            ));
        }
    }
    if !site.model.is_file() {
        return Err(anyhow!("--model {}: no such file", site.model.display()));
    }
    let server = Server::http(addr).map_err(|e| anyhow!("cannot listen on {addr}: {e}"))?;
    let bound = server
        .server_addr()
        .to_ip()
        .context("server has no IP address")?;
    println!("Serving the demo on http://{bound}/ (Ctrl-C to stop)");
    std::io::stdout().flush().ok();
    for request in server.incoming_requests() {
        let line = format!("{} {}", request.method(), request.url());
        if let Err(e) = respond(site, request) {
            eprintln!("{line}: {e}");
        }
    }
    Ok(())
}

fn respond(site: &Site, request: Request) -> std::io::Result<()> {
    if !matches!(request.method(), Method::Get | Method::Head) {
        return request.respond(text(405, "only GET and HEAD"));
    }
    let Some(file) = resolve(site, request.url()) else {
        return request.respond(text(404, "not found"));
    };
    let mut body = Vec::new();
    match std::fs::File::open(&file).and_then(|mut f| f.read_to_end(&mut body)) {
        Ok(_) => {}
        Err(_) => return request.respond(text(404, "not found")),
    }
    let gzip = accepts_gzip(&request) && compressible(&file);
    if gzip {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(&body)?;
        body = enc.finish()?;
    }
    let mut response = Response::from_data(body)
        .with_header(header("Content-Type", mime_type(&file)))
        .with_header(header("Cache-Control", "no-cache"))
        .with_header(header("X-Content-Type-Options", "nosniff"))
        // The page may talk to this server only: no CDN, no tracking, no request leaves it.
        .with_header(header(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:",
        ));
    if gzip {
        response.add_header(header("Content-Encoding", "gzip"));
        response.add_header(header("Vary", "Accept-Encoding"));
    }
    request.respond(response)
}

/// Maps a request path to a file under `www/` or `pkg/` (or the model), or `None`.
pub fn resolve(site: &Site, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let path = percent_decode(path)?;
    if path == MODEL_URL {
        return Some(site.model.clone());
    }
    let rest = path.strip_prefix('/')?;
    let (root, rest) = match rest.strip_prefix("pkg/") {
        Some(r) => (&site.pkg, r),
        None => (&site.www, rest),
    };
    let rest = if rest.is_empty() || rest.ends_with('/') {
        format!("{rest}index.html")
    } else {
        rest.to_string()
    };
    let mut file = root.clone();
    for part in Path::new(&rest).components() {
        match part {
            Component::Normal(p) if !p.to_string_lossy().starts_with('.') => file.push(p),
            _ => return None, // `..`, `/`, `.`, hidden files
        }
    }
    file.is_file().then_some(file)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(out).ok()?;
    (!decoded.contains(['\0', '\\'])).then_some(decoded)
}

pub fn mime_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn compressible(file: &Path) -> bool {
    !matches!(
        file.extension().and_then(|e| e.to_str()),
        Some("png" | "ico")
    )
}

fn accepts_gzip(request: &Request) -> bool {
    request.headers().iter().any(|h| {
        h.field.equiv("Accept-Encoding") && h.value.as_str().to_ascii_lowercase().contains("gzip")
    })
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("static header is valid")
}

fn text(status: u16, message: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    Response::from_string(message)
        .with_status_code(StatusCode(status))
        .with_header(header("Content-Type", "text/plain; charset=utf-8"))
}
