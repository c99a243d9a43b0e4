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

#[cfg(not(target_arch = "wasm32"))]
mod disk;
mod header;
mod weights;

use burn::module::{Module, ModuleMapper, Param, ParamId};
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device, FloatDType, Tensor};

use crate::model::MovieCnn;

#[cfg(not(target_arch = "wasm32"))]
pub use disk::{read_file, temp_path_for, write_all_atomic, write_atomic};
pub use header::{CatalogEntry, ModelHeader, TrainingInfo};
use header::{check_weights_size, validate_header};

pub const MAGIC: &[u8; 8] = b"MOVIEREC";
pub const FORMAT_VERSION: u32 = 2;
/// The oldest format this build still reads.
pub const OLDEST_READABLE_VERSION: u32 = 1;
/// A model for MovieLens 100K is about 1 MB; even a model of a 100,000-movie catalog stays far
/// below this.
pub const MAX_FILE_BYTES: u64 = 512 << 20;

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

/// The first 12 bytes: `MOVIEREC` and a version this build reads.
pub(crate) fn check_magic_and_version(bytes: &[u8]) -> Result<u32, ModelFileError> {
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
    let header: ModelHeader = serde_json::from_slice(header_json)
        .map_err(|e| ModelFileError::Header(crate::bounds::capped(&e.to_string())))?;
    validate_header(&header)?;
    check_weights_size(&header.model, version, weights.len())?;
    weights::check_weights(weights, version)?;
    Ok((header, weights))
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
