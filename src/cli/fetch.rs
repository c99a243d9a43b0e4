//! `movierec fetch-data`: downloads a MovieLens release (or takes a zip downloaded by hand),
//! checks its size and checksum, and unpacks it, since most releases' licences do not let us
//! redistribute them.

mod releases;

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use md5::Md5;
use movierec::data::DataDir;
use sha2::{Digest, Sha256};

use releases::Release;

/// No release's zip is near this (ML-25M's is 262 MB); a larger download is not one.
const MAX_ZIP_BYTES: u64 = 1 << 30;
/// Nor does any release unpack to this much (ML-32M: about 1 GB).
const MAX_UNPACKED_BYTES: u64 = 4 << 30;

#[derive(clap::Args)]
pub struct FetchArgs {
    /// The release: ml-100k, ml-1m, ml-10m, ml-20m, ml-25m, ml-32m, ml-latest-small, ml-latest.
    #[arg(long, default_value = "ml-100k")]
    release: String,
    /// Folder to unpack into (default data/RELEASE); it must not exist or be empty.
    #[arg(long)]
    dest: Option<PathBuf>,
    /// Print the releases this command knows, with sizes and checksums, and exit.
    #[arg(long)]
    list: bool,
    /// Unpack this zip, downloaded by hand, instead of downloading.
    #[arg(long, conflicts_with = "url")]
    archive: Option<PathBuf>,
    /// Download from a mirror instead of GroupLens.
    #[arg(long)]
    url: Option<String>,
    /// The zip's SHA-256 (hex), for a mirror's or a hand-made zip; replaces the table's checks.
    #[arg(long)]
    sha256: Option<String>,
}

pub fn run(args: FetchArgs) -> anyhow::Result<()> {
    if args.list {
        print!("{}", releases::table());
        return Ok(());
    }
    let release = Release::named(&args.release)?;
    let dest = args
        .dest
        .clone()
        .unwrap_or_else(|| Path::new("data").join(release.name));
    let url = args.url.clone().unwrap_or_else(|| release.url());
    let zip = match &args.archive {
        Some(path) => movierec::data::read_at_most(path, MAX_ZIP_BYTES)
            .with_context(|| format!("reading {}", path.display()))?,
        None => download(&url, MAX_ZIP_BYTES)?,
    };
    let expected = match &args.sha256 {
        Some(hex) => Expected::Sha256 {
            hex: hex.to_lowercase(),
            bytes: None,
        },
        None => release.expected(|| download_md5(&url))?,
    };
    expected
        .check(&zip)
        .with_context(|| format!("the {} zip from {url}", release.name))?;
    let files =
        unpack(&zip, &dest).with_context(|| format!("unpacking the {} zip", release.name))?;
    println!(
        "checked ({}) and unpacked {} files into {}",
        expected.name(),
        files,
        dest.display()
    );
    println!("\nLicence: {}", release.licence);
    Ok(())
}

/// What a zip must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    Sha256 { hex: String, bytes: Option<u64> },
    Md5 { hex: String },
}

impl Expected {
    fn name(&self) -> &'static str {
        match self {
            Expected::Sha256 { .. } => "SHA-256",
            Expected::Md5 { .. } => "MD5",
        }
    }

    /// The zip's size (where known) and checksum, or an error giving both values.
    pub fn check(&self, zip: &[u8]) -> anyhow::Result<()> {
        let (found, hex) = match self {
            Expected::Sha256 { hex, bytes } => {
                if let Some(bytes) = bytes {
                    ensure!(
                        zip.len() as u64 == *bytes,
                        "{} bytes, expected {bytes}: an incomplete or different download; nothing was unpacked",
                        zip.len()
                    );
                }
                (to_hex(&Sha256::digest(zip)), hex)
            }
            Expected::Md5 { hex } => (to_hex(&Md5::digest(zip)), hex),
        };
        ensure!(
            &found == hex,
            "{} is {found}, expected {hex}: a corrupt or different download; nothing was unpacked",
            self.name()
        );
        Ok(())
    }
}

fn to_hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the hash from GroupLens's `.md5` file, in BSD (`MD5 (f.zip) = HASH`) or GNU
/// (`HASH  f.zip`) style.
pub fn parse_md5_file(text: &str) -> anyhow::Result<String> {
    let is_hash = |s: &str| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit());
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let candidate = match line.rsplit_once(" = ") {
        Some((_, hash)) => hash.trim(),
        None => line.split_whitespace().next().unwrap_or(""),
    };
    ensure!(
        is_hash(candidate),
        "not an MD5 file: {}",
        movierec::data::shown(line)
    );
    Ok(candidate.to_lowercase())
}

fn download_md5(zip_url: &str) -> anyhow::Result<String> {
    let url = format!("{zip_url}.md5");
    let bytes = download(&url, 4096)?;
    parse_md5_file(&String::from_utf8_lossy(&bytes)).with_context(|| url.clone())
}

/// Downloads `url` into memory (at most `limit` bytes), with a progress bar on a terminal.
fn download(url: &str, limit: u64) -> anyhow::Result<Vec<u8>> {
    let mut response = ureq::get(url)
        .call()
        .with_context(|| format!("downloading {url}"))?;
    let length = response.body().content_length();
    if let Some(n) = length {
        ensure!(n <= limit, "{url}: {n} bytes, more than any release's zip");
    }
    let bar = indicatif::ProgressBar::new(length.unwrap_or(0));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bytes}/{total_bytes} {wide_bar} {eta}")
            .expect("a valid template"),
    );
    let mut bytes = Vec::new();
    let reader = response.body_mut().with_config().limit(limit + 1).reader();
    bar.wrap_read(reader)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading the response from {url}"))?;
    bar.finish_and_clear();
    ensure!(
        bytes.len() as u64 <= limit,
        "{url}: more than {limit} bytes"
    );
    Ok(bytes)
}

/// Unpacks the regular files of a zip into `dest` (each under its base name, so an entry such
/// as `../x` cannot escape), by way of a sibling folder renamed into place once every file is
/// written and the folder reads as a MovieLens release: a failure leaves nothing half-unpacked.
/// Returns the number of files.
pub fn unpack(zip_bytes: &[u8], dest: &Path) -> anyhow::Result<usize> {
    let occupied = dest.exists()
        && std::fs::read_dir(dest)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true);
    if occupied {
        bail!(
            "{} already exists and is not empty; remove it or choose another --dest",
            dest.display()
        );
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).context("not a zip archive")?;
    let staging = staging_folder(dest);
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
    let written = write_entries(&mut archive, &staging).and_then(|n| {
        DataDir::new(&staging)
            .layout()
            .with_context(|| "the archive holds no MovieLens rating and movie files".to_string())?;
        Ok(n)
    });
    let renamed = written.and_then(|n| {
        if dest.exists() {
            std::fs::remove_dir(dest).with_context(|| format!("replacing {}", dest.display()))?;
        }
        std::fs::rename(&staging, dest)
            .with_context(|| format!("moving {} to {}", staging.display(), dest.display()))?;
        Ok(n)
    });
    if renamed.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    renamed
}

/// `DEST.partial`, beside `dest` so the final rename stays on one file system.
fn staging_folder(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    dest.with_file_name(name)
}

fn write_entries(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    into: &Path,
) -> anyhow::Result<usize> {
    let (mut written, mut total) = (0, 0u64);
    for i in 0..archive.len() {
        let entry = archive.by_index(i)?;
        if !entry.is_file() {
            continue;
        }
        let Some(name) = entry
            .enclosed_name()
            .and_then(|p| p.file_name().map(PathBuf::from))
        else {
            continue;
        };
        let mut content = Vec::new();
        entry
            .take(MAX_UNPACKED_BYTES - total + 1)
            .read_to_end(&mut content)?;
        total += content.len() as u64;
        ensure!(
            total <= MAX_UNPACKED_BYTES,
            "the archive unpacks to more than {MAX_UNPACKED_BYTES} bytes, more than any release"
        );
        let target = into.join(name);
        std::fs::write(&target, content)
            .with_context(|| format!("writing {}", target.display()))?;
        written += 1;
    }
    Ok(written)
}
