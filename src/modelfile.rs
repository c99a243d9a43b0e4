//! The one model file: weights, the encoder (vocabulary, tokenized catalog), the catalog the
//! browser shows, and training metadata.
//!
//! Layout (little endian): `MOVIEREC` | u32 format version | u64 header length | header (JSON)
//! | u64 weights length | weights (burnpack) | u32 CRC-32 of everything before it.
//! The checksum turns truncation and bit rot into a clear error instead of garbage predictions.
//!
//! Version 2 stores the weights as f16: half the browser's download, and the rounding moves test
//! RMSE by well under 0.001. Training evaluates the rounded model ([`to_stored_precision`]), so
//! the figures in a file's header are the figures of the weights in it. Version 1 files (f32)
//! still load.

use burn::module::{Module, ModuleMapper, Param, ParamId};
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device, FloatDType, Tensor};
use serde::{Deserialize, Serialize};

use crate::data::{Movie, Movies};
use crate::encode::Encoder;
use crate::metrics::Metrics;
use crate::model::{ModelConfig, MovieCnn};

pub const MAGIC: &[u8; 8] = b"MOVIEREC";
pub const FORMAT_VERSION: u32 = 2;
/// The oldest format this build still reads.
pub const OLDEST_READABLE_VERSION: u32 = 1;

/// Casts every float parameter of a module, e.g. to f16 for storage.
struct CastFloats(FloatDType);

impl ModuleMapper for CastFloats {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let dtype = self.0;
        param.map(|t| t.cast(dtype))
    }
}

/// Numbers the parameters 1, 2, 3… in module order: burn draws random ids, and a file's bytes
/// should depend on the training seed alone.
struct SequentialIds(u64);

impl ModuleMapper for SequentialIds {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        self.0 += 1;
        let (_, value, mapper) = param.consume();
        Param::from_mapped_value(ParamId::from(self.0), value, mapper)
    }
}

/// The model exactly as a file will hold it (weights rounded to f16, computed in f32), so that
/// what is evaluated after training is what is saved.
pub fn to_stored_precision(model: MovieCnn) -> MovieCnn {
    model
        .map(&mut CastFloats(FloatDType::F16))
        .map(&mut CastFloats(FloatDType::F32))
}

/// What the browser lists for a movie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogEntry {
    pub id: u32,
    pub title: String,
    pub year: Option<u16>,
    pub genres: Vec<String>,
    /// Ratings of this movie in the training data.
    pub n_ratings: u32,
    pub mean_rating: f32,
    /// Shannon entropy (bits) of its training ratings, for the "worth rating" start list.
    pub rating_entropy: f32,
}

/// Where the model came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    pub data: String,
    pub split: String,
    pub preset: String,
    pub seed: u64,
    pub descriptions: bool,
    pub epochs_run: usize,
    pub best_epoch: usize,
    pub validation: Metrics,
    /// `None` when trained without a test set.
    pub test: Option<Metrics>,
    pub train_ratings: usize,
    /// Wall-clock training time, reported by `train` but not stored: a file's bytes depend on
    /// its inputs and seed alone (older files that store it still load).
    #[serde(skip_serializing, default)]
    pub seconds: f64,
    pub crate_version: String,
}

/// Everything but the weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    pub model: ModelConfig,
    pub encoder: Encoder,
    /// Added to the network's output: the training mean rating.
    pub rating_offset: f32,
    pub catalog: Vec<CatalogEntry>,
    pub training: TrainingInfo,
    /// With a rank head, lists are ordered by `rank logit + rating_weight × predicted rating`
    /// (the weight chosen on validation NDCG@10 when the model was trained); `None` orders them
    /// by predicted rating alone. Absent in older model files.
    #[serde(default)]
    pub rating_weight: Option<f32>,
}

impl ModelHeader {
    /// The catalog as [`Movies`]: the movie ids this model knows define valid input.
    pub fn movies(&self) -> Movies {
        Movies::new(
            self.catalog
                .iter()
                .map(|c| Movie {
                    id: c.id,
                    title: c.title.clone(),
                    year: c.year,
                    genres: c.genres.clone(),
                })
                .collect(),
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    #[error("not a movierec model file (bad magic bytes)")]
    BadMagic,
    #[error("model file is truncated: {0}")]
    Truncated(&'static str),
    #[error(
        "model file format version {found} is not supported (this build reads versions {OLDEST_READABLE_VERSION} to {expected}); retrain or use a matching movierec"
    )]
    WrongVersion { found: u32, expected: u32 },
    #[error(
        "model file is corrupt: checksum mismatch (stored {stored:08x}, computed {computed:08x})"
    )]
    Checksum { stored: u32, computed: u32 },
    #[error("model file header is invalid: {0}")]
    Header(String),
    #[error("model file weights are invalid: {0}")]
    Weights(String),
    #[error("cannot read model file {path}: {reason}")]
    Read {
        path: String,
        reason: std::io::Error,
    },
    #[error("model file is larger than {MAX_FILE_BYTES} bytes, far beyond any movierec model")]
    TooLarge,
    // Not a `source` field: the message already carries the reason, and `{:#}` would repeat it.
    #[error("cannot write model file {path}: {reason}")]
    Io {
        path: String,
        reason: std::io::Error,
    },
}

/// Serializes a header and a model into the file format.
pub fn to_bytes(header: &ModelHeader, model: MovieCnn) -> Result<Vec<u8>, ModelFileError> {
    let json = serde_json::to_vec(header).map_err(|e| ModelFileError::Header(e.to_string()))?;
    let weights = model
        .map(&mut CastFloats(FloatDType::F16))
        .map(&mut SequentialIds(0))
        .into_record()
        .into_bytes()
        .map_err(|e| ModelFileError::Weights(e.to_string()))?;
    let mut out = Vec::with_capacity(json.len() + weights.len() + 32);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&(weights.len() as u64).to_le_bytes());
    out.extend_from_slice(&weights);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// Splits off `n` bytes or reports which part is missing.
fn take<'a>(
    bytes: &mut &'a [u8],
    n: usize,
    what: &'static str,
) -> Result<&'a [u8], ModelFileError> {
    if bytes.len() < n {
        return Err(ModelFileError::Truncated(what));
    }
    let (head, rest) = bytes.split_at(n);
    *bytes = rest;
    Ok(head)
}

fn take_len(bytes: &mut &[u8], what: &'static str) -> Result<usize, ModelFileError> {
    let raw = take(bytes, 8, what)?;
    let n = u64::from_le_bytes(raw.try_into().expect("8 bytes"));
    usize::try_from(n).map_err(|_| ModelFileError::Truncated(what))
}

/// A model for MovieLens 100K is about 1 MB; even a model of a 100,000-movie catalog stays far
/// below this.
pub const MAX_FILE_BYTES: u64 = 512 << 20;

/// Reads a model file from disk: its magic bytes and version first, so that anything else (a
/// 1 GB file of zeros, a device) is refused after a few bytes, and never more than
/// [`MAX_FILE_BYTES`].
#[cfg(not(target_arch = "wasm32"))]
pub fn read_file(path: &std::path::Path) -> Result<Vec<u8>, ModelFileError> {
    use std::io::Read;
    let io = |reason| ModelFileError::Read {
        path: path.display().to_string(),
        reason,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    (&mut file)
        .take(MAGIC.len() as u64 + 4)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    check_magic_and_version(&bytes)?;
    file.take(MAX_FILE_BYTES + 1 - bytes.len() as u64)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ModelFileError::TooLarge);
    }
    Ok(bytes)
}

/// The first 12 bytes: `MOVIEREC` and a version this build reads.
fn check_magic_and_version(bytes: &[u8]) -> Result<u32, ModelFileError> {
    let mut rest = bytes;
    let magic =
        take(&mut rest, MAGIC.len(), "magic bytes").map_err(|_| ModelFileError::BadMagic)?;
    if magic != MAGIC {
        return Err(ModelFileError::BadMagic);
    }
    let version = u32::from_le_bytes(
        take(&mut rest, 4, "format version")?
            .try_into()
            .expect("4 bytes"),
    );
    if !(OLDEST_READABLE_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(ModelFileError::WrongVersion {
            found: version,
            expected: FORMAT_VERSION,
        });
    }
    Ok(version)
}

/// Reads only the header (checks magic, version and checksum first).
pub fn read_header(bytes: &[u8]) -> Result<(ModelHeader, &[u8]), ModelFileError> {
    let version = check_magic_and_version(bytes)?;
    let mut rest = &bytes[MAGIC.len() + 4..];
    if bytes.len() < MAGIC.len() + 4 + 4 {
        return Err(ModelFileError::Truncated("checksum"));
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    let stored = u32::from_le_bytes(crc.try_into().expect("4 bytes"));
    let header_len = take_len(&mut rest, "header length")?;
    let header_json = take(&mut rest, header_len, "header")?;
    let weights_len = take_len(&mut rest, "weights length")?;
    let weights = take(&mut rest, weights_len, "weights")?;
    if rest.len() != 4 {
        return Err(if rest.len() < 4 {
            ModelFileError::Truncated("checksum")
        } else {
            ModelFileError::Header(format!(
                "{} unexpected bytes after the weights",
                rest.len() - 4
            ))
        });
    }
    let computed = crc32fast::hash(body);
    if computed != stored {
        return Err(ModelFileError::Checksum { stored, computed });
    }
    let header: ModelHeader =
        serde_json::from_slice(header_json).map_err(|e| ModelFileError::Header(e.to_string()))?;
    validate_header(&header)?;
    check_weights_size(&header.model, version, weights.len())?;
    Ok((header, weights))
}

/// A header may not ask for more parameters than the file stores (2 bytes each as f16, 4 in
/// version 1): the check that keeps a crafted header from allocating gigabytes before the weights
/// are even looked at.
fn check_weights_size(
    model: &ModelConfig,
    version: u32,
    weights_len: usize,
) -> Result<(), ModelFileError> {
    let bytes_per_param = if version >= 2 { 2 } else { 4 };
    let needed = model.param_count().saturating_mul(bytes_per_param);
    if needed > weights_len as u64 {
        return Err(ModelFileError::Header(format!(
            "the model config needs {} parameters ({needed} bytes) but the file holds {weights_len} bytes of weights",
            model.param_count()
        )));
    }
    Ok(())
}

/// Cross-checks the header so that a consistent-looking but wrong file cannot index out of bounds
/// or build a model that panics: the checksum proves only that the bytes are the ones written.
fn validate_header(h: &ModelHeader) -> Result<(), ModelFileError> {
    let bad = |m: String| Err(ModelFileError::Header(m));
    let config = |e: crate::bounds::ConfigError| ModelFileError::Header(e.to_string());
    h.model.check().map_err(config)?;
    h.model.check_sizes().map_err(config)?;
    h.encoder.config.check().map_err(config)?;
    if !(h.rating_offset.is_finite() && (0.0..=10.0).contains(&h.rating_offset)) {
        return bad(format!(
            "rating_offset = {}: expected a mean rating",
            h.rating_offset
        ));
    }
    let mut ids = std::collections::HashSet::new();
    if let Some(dup) = h.catalog.iter().find(|m| !ids.insert(m.id)) {
        return bad(format!("catalog lists movie id {} twice", dup.id));
    }
    if h.encoder.vocab.len() != h.model.vocab_size {
        return bad(format!(
            "vocabulary has {} tokens but the model expects {}",
            h.encoder.vocab.len(),
            h.model.vocab_size
        ));
    }
    if h.catalog.len() != h.encoder.movie_tokens.len() {
        return bad(format!(
            "catalog lists {} movies but the encoder has {}",
            h.catalog.len(),
            h.encoder.movie_tokens.len()
        ));
    }
    for (i, tokens) in h.encoder.movie_tokens.iter().enumerate() {
        if tokens.len() != h.encoder.config.movie_tokens {
            return bad(format!(
                "movie #{i} has {} tokens, expected {}",
                tokens.len(),
                h.encoder.config.movie_tokens
            ));
        }
        if let Some(t) = tokens.iter().find(|&&t| t as usize >= h.model.vocab_size) {
            return bad(format!("movie #{i} uses token {t} outside the vocabulary"));
        }
    }
    if h.model.rank_dim > 0 && h.model.n_movies != h.catalog.len() {
        return bad(format!(
            "the rank head scores {} movies but the catalog lists {}",
            h.model.n_movies,
            h.catalog.len()
        ));
    }
    if h.rating_weight.is_some_and(|w| !w.is_finite()) {
        return bad("rating_weight must be a finite number".into());
    }
    Ok(())
}

/// Parses a model file and loads its weights onto `device`.
pub fn from_bytes(
    bytes: &[u8],
    device: &Device,
) -> Result<(ModelHeader, MovieCnn), ModelFileError> {
    let (header, weights) = read_header(bytes)?;
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(weights.to_vec()))
        .map_err(|e| ModelFileError::Weights(e.to_string()))?
        .cast_to_module_dtype(); // f16 on disk, f32 in memory
    let model = header
        .model
        .init(device)
        .try_load_record(record)
        .map_err(|e| ModelFileError::Weights(e.to_string()))?;
    Ok((header, model))
}

/// Where [`write_atomic`] stages `path`: a hidden file in the same folder, named after the file
/// and this process (so a later run can tell a dead run's leftovers from a live one's).
#[cfg(not(target_arch = "wasm32"))]
pub fn temp_path_for(path: &std::path::Path) -> std::path::PathBuf {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(".{file_name}.{}.tmp", std::process::id()))
}

/// Writes `bytes` to `path` atomically: a temp file in the same folder, synced, then renamed, so
/// an interrupted write never leaves a half-written file behind. Never replaces anything but a
/// regular file (a device node, a folder, a symlink).
#[cfg(not(target_arch = "wasm32"))]
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> Result<(), ModelFileError> {
    use std::io::Write;
    let io = |reason| ModelFileError::Io {
        path: path.display().to_string(),
        reason,
    };
    if let Ok(meta) = std::fs::symlink_metadata(path)
        && !meta.file_type().is_file()
    {
        return Err(io(std::io::Error::other(
            "exists and is not a regular file; refusing to replace it",
        )));
    }
    let tmp = temp_path_for(path);
    if let Some(dir) = tmp.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}
