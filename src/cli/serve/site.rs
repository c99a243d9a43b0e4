//! The demo's files, read and compressed once at start-up and held in memory, and the one
//! function that answers a request from them.
//!
//! Only the files found at start-up exist, each under exactly one URL: no file system access
//! after start-up, so no path can reach outside the site, no `.gz`/`.br` copy has a URL of its
//! own, and nothing redirects. Ranges are not offered (the files are a few MB; RFC 9110 lets a
//! server ignore `Range`), so every answer is whole.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

/// The page may talk to this server only: no CDN, no tracking, no request leaves it.
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:";
/// Files bigger than this in `www/` or `pkg/` are not served (the demo's largest is the ~2 MB
/// wasm); the model file has its format's own limit.
const MAX_FILE_BYTES: u64 = 256 << 20;
/// A longer request path names no file here: 414 without looking.
const MAX_PATH_BYTES: usize = 2048;

/// Where each URL prefix is served from.
#[derive(Debug, Clone)]
pub struct Site {
    pub www: PathBuf,
    pub pkg: PathBuf,
    /// Served at `/model.movierec`.
    pub model: PathBuf,
}

/// One file as served: its bytes, its compressed forms where they are smaller, its type and
/// its entity tag.
struct Asset {
    plain: Bytes,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
    content_type: &'static str,
    etag: String,
}

/// Every servable file by URL path.
pub struct Files(HashMap<String, Asset>);

pub type Body = Full<Bytes>;

impl Files {
    /// Reads the site: regular, non-hidden files of `www/` and `pkg/` (symlinks, sockets and
    /// dotfiles are never served) and the model file, which is checked as a model file is.
    pub fn load(site: &Site) -> anyhow::Result<Files> {
        let mut files = HashMap::new();
        // www/'s own model file is not read: `--model` names the one served.
        collect(&site.www, "/", &mut files)?;
        collect(&site.pkg, "/pkg/", &mut files)?;
        let model = movierec::data::read_at_most(&site.model, movierec::modelfile::MAX_FILE_BYTES)
            .with_context(|| format!("--model {}", site.model.display()))?;
        files.insert(
            super::MODEL_URL.to_string(),
            asset(&site.model, model.into()),
        );
        Ok(Files(files))
    }

    /// The answer to `request`: GET and HEAD of a file, 304 when the client's copy is current,
    /// else a status with a short text. Every answer carries the same protective headers.
    pub fn respond<B>(&self, request: &Request<B>) -> Response<Body> {
        let mut response = match self.find(request) {
            Ok(asset) => answer(asset, request),
            Err((status, text)) => plain(status, text),
        };
        let headers = response.headers_mut();
        let set = |value: &'static str| HeaderValue::from_static(value);
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, set("nosniff"));
        headers.insert(header::CONTENT_SECURITY_POLICY, set(CSP));
        headers.insert(header::CACHE_CONTROL, set("no-cache"));
        if request.method() == Method::HEAD {
            *response.body_mut() = Body::default();
        }
        response
    }

    fn find<B>(&self, request: &Request<B>) -> Result<&Asset, (StatusCode, &'static str)> {
        if !matches!(*request.method(), Method::GET | Method::HEAD) {
            return Err((StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD"));
        }
        // Origin form (`/a`), or absolute form (`http://host/a`), whose host is ignored.
        let path = request.uri().path();
        if !path.starts_with('/') {
            return Err((
                StatusCode::BAD_REQUEST,
                "the request target must start with /",
            ));
        }
        if path.len() > MAX_PATH_BYTES {
            return Err((StatusCode::URI_TOO_LONG, "path too long"));
        }
        let decoded = decoded_path(path).ok_or((StatusCode::BAD_REQUEST, "malformed path"))?;
        let key = if decoded.ends_with('/') {
            format!("{decoded}index.html")
        } else {
            decoded.into_owned()
        };
        self.0.get(&key).ok_or((StatusCode::NOT_FOUND, "not found"))
    }
}

/// The path decoded, if it is well formed: ASCII (a request target is; raw UTF-8 must be
/// percent-encoded), every `%` starts a two-digit hex escape, and the decoded bytes are UTF-8
/// without NUL.
fn decoded_path(path: &str) -> Option<std::borrow::Cow<'_, str>> {
    let bytes = path.as_bytes();
    let escapes_ok = bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if !path.is_ascii() || !escapes_ok {
        return None;
    }
    percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()
        .filter(|p| !p.contains('\0'))
}

/// A file in the encoding the client prefers among those it accepts, or 304.
fn answer<B>(asset: &Asset, request: &Request<B>) -> Response<Body> {
    let accepts = |coding| accepts_encoding(request.headers(), coding);
    let (body, encoding) = match (&asset.brotli, &asset.gzip) {
        (Some(br), _) if accepts("br") => (br.clone(), Some("br")),
        (_, Some(gz)) if accepts("gzip") => (gz.clone(), Some("gzip")),
        _ => (asset.plain.clone(), None),
    };
    // Each representation has its own tag, so a cache never mixes them up.
    let etag = format!("\"{}{}\"", asset.etag, encoding.map_or("", |e| e));
    let fresh = request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag
        });
    let mut response = Response::new(if fresh { Body::default() } else { body.into() });
    if fresh {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
    }
    let headers = response.headers_mut();
    headers.insert(header::ETAG, HeaderValue::from_str(&etag).expect("ASCII"));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    if asset.gzip.is_some() || asset.brotli.is_some() {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Some(encoding) = encoding.filter(|_| !fresh) {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    response
}

/// Whether `Accept-Encoding` lists `coding` (or `*`) with a non-zero quality.
fn accepts_encoding(headers: &hyper::HeaderMap, coding: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let zero = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case(coding) || name == "*") && !zero
        })
}

/// A short text answer (errors).
pub fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if status == StatusCode::METHOD_NOT_ALLOWED {
        headers.insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    }
    response
}

/// Adds the servable files under `dir` to `files` at `prefix` + their relative path.
fn collect(dir: &Path, prefix: &str, files: &mut HashMap<String, Asset>) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let name = entry.file_name();
        let url = format!("{prefix}{}", name.to_string_lossy());
        if name.to_str().is_none_or(|n| n.starts_with('.')) {
            continue;
        }
        if url == super::MODEL_URL {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect(&path, &format!("{url}/"), files)?;
        } else if kind.is_file() && entry.metadata()?.len() <= MAX_FILE_BYTES {
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            files.insert(url, asset(&path, bytes.into()));
        }
    }
    Ok(())
}

fn asset(path: &Path, plain: Bytes) -> Asset {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let compressible = !matches!(extension, "png" | "ico" | "gz" | "br" | "jpg" | "webp");
    let smaller = |packed: Vec<u8>| (packed.len() < plain.len()).then(|| Bytes::from(packed));
    Asset {
        gzip: compressible.then(|| gzip(&plain)).and_then(smaller),
        brotli: compressible.then(|| brotli(&plain)).and_then(smaller),
        content_type: content_type(extension),
        etag: format!("{:08x}-{:x}", crc32fast::hash(&plain), plain.len()),
        plain,
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).expect("writing to memory");
    gz.finish().expect("writing to memory")
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 9,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("writing to memory");
    out
}

fn content_type(extension: &str) -> &'static str {
    match extension {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The site's folders hold what the page needs.
pub fn check_site(site: &Site) -> anyhow::Result<()> {
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
