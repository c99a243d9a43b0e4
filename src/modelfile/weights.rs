//! The burnpack weights section, checked before burn reads a byte of it.
//!
//! burn-pack skips its length check for quantized dtypes and burn casts a misaligned slice with
//! a panic, so a crafted file with a valid CRC could abort natively and trap in wasm. A movierec
//! file only ever holds plain tensors of one dtype (F16 from format version 2, F32 in version
//! 1), packed in order without overlap: anything else is refused here, by tensor name.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ModelFileError;
use crate::bounds::capped;
use crate::data::shown;

/// burnpack's fixed header: magic (u32), format version (u16), metadata length (u32).
const PACK_HEADER: usize = 10;
const PACK_MAGIC: u32 = 0x4255_524E;
/// The burnpack format versions this build has read (burn 0.22 writes 1).
const PACK_VERSION: u16 = 1;
/// The data section starts at the metadata's end rounded up to this.
const PACK_ALIGNMENT: usize = 256;
/// Deeper CBOR nesting than a tensor table needs is refused before it can exhaust the stack.
const MAX_CBOR_DEPTH: usize = 16;

/// The part of burnpack's CBOR metadata that places the tensors (other keys are ignored).
#[derive(Deserialize)]
struct Metadata {
    tensors: BTreeMap<String, Descriptor>,
}

#[derive(Deserialize)]
struct Descriptor {
    /// Kept as raw CBOR: any dtype but the expected one is refused, including ones this
    /// build's burn does not know.
    dtype: ciborium::Value,
    shape: Vec<u64>,
    data_offsets: (u64, u64),
}

/// One tensor's place in the data section.
struct Placed<'a> {
    name: &'a str,
    start: u64,
    end: u64,
}

fn bad(message: String) -> ModelFileError {
    ModelFileError::Weights(message)
}

/// The dtype name and element size a model file of `version` stores its weights in.
fn stored_dtype(version: u32) -> (&'static str, u64) {
    if version >= 2 { ("F16", 2) } else { ("F32", 4) }
}

/// Checks that `pack` is a burnpack whose every tensor has the file version's dtype, a byte
/// length equal to its shape's, and an element-aligned range inside the data section that no
/// other tensor overlaps.
pub(super) fn check_weights(pack: &[u8], version: u32) -> Result<(), ModelFileError> {
    if pack.len() < PACK_HEADER {
        return Err(bad(format!(
            "{} bytes, shorter than a burnpack header",
            pack.len()
        )));
    }
    let magic = u32::from_le_bytes(pack[0..4].try_into().expect("4 bytes"));
    let pack_version = u16::from_le_bytes(pack[4..6].try_into().expect("2 bytes"));
    let metadata_len = u32::from_le_bytes(pack[6..10].try_into().expect("4 bytes")) as usize;
    if magic != PACK_MAGIC {
        return Err(bad("not a burnpack (bad magic)".into()));
    }
    if pack_version != PACK_VERSION {
        return Err(bad(format!(
            "burnpack version {pack_version}, expected {PACK_VERSION}"
        )));
    }
    let metadata = pack
        .get(PACK_HEADER..PACK_HEADER.saturating_add(metadata_len))
        .ok_or_else(|| {
            bad(format!(
                "metadata of {metadata_len} bytes runs past the end"
            ))
        })?;
    let metadata: Metadata =
        ciborium::de::from_reader_with_recursion_limit(metadata, MAX_CBOR_DEPTH)
            .map_err(|e| bad(format!("metadata: {}", capped(&e.to_string()))))?;
    let data_start = (PACK_HEADER + metadata_len).div_ceil(PACK_ALIGNMENT) * PACK_ALIGNMENT;
    let data_len = pack.len().saturating_sub(data_start) as u64;
    let mut placed = metadata
        .tensors
        .iter()
        .map(|(name, d)| place(name, d, version, data_len))
        .collect::<Result<Vec<_>, _>>()?;
    placed.sort_by_key(|p| (p.start, p.end));
    for pair in placed.windows(2) {
        if pair[1].start < pair[0].end {
            return Err(bad(format!(
                "tensors {} and {} overlap",
                shown(pair[0].name),
                shown(pair[1].name)
            )));
        }
    }
    Ok(())
}

/// One tensor's checks: dtype, byte length against shape, range and alignment.
fn place<'a>(
    name: &'a str,
    d: &Descriptor,
    version: u32,
    data_len: u64,
) -> Result<Placed<'a>, ModelFileError> {
    let name_shown = shown(name);
    let (dtype, element) = stored_dtype(version);
    if d.dtype.as_text() != Some(dtype) {
        return Err(bad(format!(
            "tensor {name_shown} has dtype {}, but a version {version} file stores {dtype} only",
            capped(&format!("{:?}", d.dtype))
        )));
    }
    let (start, end) = d.data_offsets;
    if start > end || end > data_len {
        return Err(bad(format!(
            "tensor {name_shown} spans bytes {start}..{end} of a {data_len}-byte data section"
        )));
    }
    if !start.is_multiple_of(element) {
        return Err(bad(format!(
            "tensor {name_shown} starts at byte {start}, not aligned to its {element}-byte elements"
        )));
    }
    let needed = d
        .shape
        .iter()
        .try_fold(element, |total, &dim| total.checked_mul(dim));
    if needed != Some(end - start) {
        return Err(bad(format!(
            "tensor {name_shown} holds {} bytes but its shape {} of {dtype} needs {}",
            end - start,
            capped(&format!("{:?}", d.shape)),
            needed.map_or("more than 2^64".into(), |n| n.to_string())
        )));
    }
    Ok(Placed { name, start, end })
}
