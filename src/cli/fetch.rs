//! `movierec fetch-data`: downloads the official MovieLens 100K zip and unpacks it, since the
//! data set's licence does not let us redistribute it.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

pub const OFFICIAL_URL: &str = "https://files.grouplens.org/datasets/movielens/ml-100k.zip";

/// Files that must be in the archive for the data set to be usable.
const REQUIRED: [&str; 3] = ["u.data", "u.item", "u.genre"];

#[derive(clap::Args)]
pub struct FetchArgs {
    /// Folder to unpack into.
    #[arg(long, default_value = "data/ml-100k")]
    dest: PathBuf,
    #[arg(long, default_value = OFFICIAL_URL)]
    url: String,
}

pub fn run(args: FetchArgs) -> anyhow::Result<()> {
    let files = fetch(&args.url, &args.dest)?;
    println!(
        "unpacked {} files into {}",
        files.len(),
        args.dest.display()
    );
    Ok(())
}

/// Downloads `url` and unpacks its `ml-100k/` files into `dest` (flattened). Returns the files written.
pub fn fetch(url: &str, dest: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut response = ureq::get(url)
        .call()
        .with_context(|| format!("downloading {url}"))?;
    let mut bytes = Vec::new();
    response
        .body_mut()
        .as_reader()
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading the response from {url}"))?;
    unpack(&bytes, dest).with_context(|| format!("unpacking the archive from {url}"))
}

/// Unpacks the regular files of a zip into `dest`, keeping only their base names (so an entry
/// such as `../x` cannot escape `dest`).
pub fn unpack(zip_bytes: &[u8], dest: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).context("not a zip archive")?;
    std::fs::create_dir_all(dest).with_context(|| format!("creating {}", dest.display()))?;
    let mut written = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        if !entry.is_file() {
            continue;
        }
        let Some(name) = entry
            .enclosed_name()
            .and_then(|p| p.file_name().map(PathBuf::from))
        else {
            continue;
        };
        let target = dest.join(name);
        let mut content = Vec::new();
        entry.read_to_end(&mut content)?;
        std::fs::write(&target, content)
            .with_context(|| format!("writing {}", target.display()))?;
        written.push(target);
    }
    for required in REQUIRED {
        if !dest.join(required).exists() {
            bail!("the archive has no {required}: is it MovieLens 100K?");
        }
    }
    Ok(written)
}
