#![allow(dead_code)]
//! Helpers shared by the integration tests: where the data lives and a small, fast configuration.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use movierec::bounds::ConfigError;
use movierec::data::{DataDir, Movies, Rating};
use movierec::experiment::{Fitted, fit};
use movierec::model::ModelConfig;
use movierec::modelfile::MAGIC;
use movierec::train::{Quiet, TrainConfig};

/// MovieLens 100K as published, beside the checkout (never committed: its licence forbids it).
pub fn ml100k() -> DataDir {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/ml-100k");
    assert!(
        root.join("u.data").exists(),
        "MovieLens 100K not found at {}; see README (movierec fetch-data)",
        root.display()
    );
    DataDir::new(root)
}

/// A narrow network and short run so tests stay fast on 2 cores.
pub fn tiny_config(epochs: usize) -> TrainConfig {
    let mut cfg = TrainConfig::default_preset();
    cfg.model = ModelConfig {
        token_dim: 8,
        movie_filters: 8,
        movie_dim: 8,
        user_filters: vec![8, 16],
        hidden: 16,
        ..cfg.model
    };
    cfg.encoder.history_len = 16;
    cfg.encoder.movie_tokens = 8;
    cfg.epochs = epochs;
    cfg
}

/// `experiment::fit` on the default device, without progress output.
pub fn fit_quietly(
    movies: &Movies,
    ratings: &[Rating],
    cfg: &TrainConfig,
) -> Result<Fitted, ConfigError> {
    fit(movies, ratings, cfg, None, &movierec::device(), &mut Quiet)
}

/// The committed demo model's bytes.
pub fn demo_model_bytes() -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("www/model.movierec")).unwrap()
}

/// `bytes` (a model file) with its header JSON replaced by `edit(header)`, lengths and checksum
/// recomputed: what someone who knows the format can produce.
pub fn recrafted(bytes: &[u8], edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let start = MAGIC.len() + 4;
    let header_len = u64::from_le_bytes(bytes[start..start + 8].try_into().unwrap()) as usize;
    let header_end = start + 8 + header_len;
    let mut header: serde_json::Value =
        serde_json::from_slice(&bytes[start + 8..header_end]).unwrap();
    edit(&mut header);
    let json = serde_json::to_vec(&header).unwrap();
    let mut out = bytes[..start].to_vec();
    out.extend((json.len() as u64).to_le_bytes());
    out.extend(json);
    out.extend(&bytes[header_end..bytes.len() - 4]);
    out.extend(crc32fast::hash(&out).to_le_bytes());
    out
}

/// `bytes` (a model file) with the CBOR metadata of its burnpack weights replaced by
/// `edit(metadata)`, the data section re-padded and the checksum recomputed: a crafted file
/// whose every length and checksum is right, as burn sees it.
pub fn weights_recrafted(bytes: &[u8], edit: impl FnOnce(&mut ciborium::Value)) -> Vec<u8> {
    let at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap()) as usize;
    let header_end = MAGIC.len() + 4 + 8 + at(MAGIC.len() + 4);
    let pack = &bytes[header_end + 8..header_end + 8 + at(header_end)];
    let meta_len = u32::from_le_bytes(pack[6..10].try_into().unwrap()) as usize;
    let data_start = (10 + meta_len).div_ceil(256) * 256;
    let mut meta: ciborium::Value = ciborium::from_reader(&pack[10..10 + meta_len]).unwrap();
    edit(&mut meta);
    let mut cbor = Vec::new();
    ciborium::into_writer(&meta, &mut cbor).unwrap();
    let mut new_pack = pack[..6].to_vec();
    new_pack.extend((cbor.len() as u32).to_le_bytes());
    new_pack.extend(&cbor);
    new_pack.resize((10 + cbor.len()).div_ceil(256) * 256, 0);
    new_pack.extend(&pack[data_start..]);
    let mut out = bytes[..header_end].to_vec();
    out.extend((new_pack.len() as u64).to_le_bytes());
    out.extend(new_pack);
    out.extend(crc32fast::hash(&out).to_le_bytes());
    out
}

/// The value of `key` in a CBOR map.
pub fn map_field<'a>(map: &'a mut ciborium::Value, key: &str) -> &'a mut ciborium::Value {
    let entries = map.as_map_mut().expect("a CBOR map");
    let at = entries
        .iter()
        .position(|(k, _)| k.as_text() == Some(key))
        .unwrap_or_else(|| panic!("no {key} in the map"));
    &mut entries[at].1
}

/// The descriptor map (`dtype`, `shape`, `data_offsets`) of tensor `name` in burnpack metadata.
pub fn tensor_entry<'a>(meta: &'a mut ciborium::Value, name: &str) -> &'a mut ciborium::Value {
    map_field(map_field(meta, "tensors"), name)
}

/// Sets `key` of a descriptor map (`dtype`, `shape`, `data_offsets`).
pub fn set_field(entry: &mut ciborium::Value, key: &str, value: ciborium::Value) {
    *map_field(entry, key) = value;
}

/// GroupLens's ml-latest-small beside the checkout (its CSVs are never committed).
pub fn latest_small() -> DataDir {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/ml-latest-small");
    assert!(
        root.join("ratings.csv").exists(),
        "ml-latest-small not found at {}",
        root.display()
    );
    DataDir::new(root)
}

/// A temporary folder holding `files` (name, bytes).
pub fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    dir
}

/// The first `users` users of ml-latest-small, the movies they rated and those movies' links, in
/// its own format (CRLF, quoting as published), written to `dest`.
pub fn latest_small_slice(users: u32, dest: &Path) {
    let source = latest_small();
    let read = |name: &str| std::fs::read_to_string(source.path(name)).unwrap();
    let ratings = read("ratings.csv");
    let mut kept = HashSet::new();
    let mut lines = ratings.lines();
    let mut out = format!("{}\r\n", lines.next().unwrap());
    for line in lines {
        let mut fields = line.split(',');
        let user: u32 = fields.next().unwrap().parse().unwrap();
        if user <= users {
            kept.insert(fields.next().unwrap().to_string());
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    let keep = |name: &str| {
        let text = read(name);
        let mut lines = text.lines();
        let mut kept_text = format!("{}\r\n", lines.next().unwrap());
        for line in lines.filter(|l| kept.contains(l.split(',').next().unwrap())) {
            kept_text.push_str(line);
            kept_text.push_str("\r\n");
        }
        kept_text
    };
    std::fs::create_dir_all(dest).unwrap();
    std::fs::write(dest.join("ratings.csv"), out).unwrap();
    std::fs::write(dest.join("movies.csv"), keep("movies.csv")).unwrap();
    std::fs::write(dest.join("links.csv"), keep("links.csv")).unwrap();
}

/// Trains a tiny half-star model through the CLI on 40 users of ml-latest-small, sliced into
/// `dir/ml-latest-small` (so the page files its ratings under that catalog's name); returns the
/// model file's path.
pub fn tiny_latest_small_model(dir: &Path) -> PathBuf {
    let data = dir.join("ml-latest-small");
    latest_small_slice(40, &data);
    let mut cfg = serde_json::to_value(TrainConfig::default_preset()).unwrap();
    for (field, value) in [("token_dim", 8), ("movie_filters", 8), ("movie_dim", 8)] {
        cfg["model"][field] = value.into();
    }
    cfg["model"]["user_filters"] = serde_json::json!([8, 16]);
    cfg["epochs"] = 2.into();
    cfg["teacher"] = serde_json::Value::Null;
    let config = dir.join("tiny.json");
    std::fs::write(&config, cfg.to_string()).unwrap();
    let out = dir.join("small.movierec");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_movierec"))
        .args(["train", "--data"])
        .arg(&data)
        .arg("--config")
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("split random:1"));
    out
}
