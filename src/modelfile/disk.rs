//! Model files on disk (native only): read with their magic checked first, written atomically.

use std::path::{Path, PathBuf};

use super::{MAGIC, MAX_FILE_BYTES, ModelFileError, check_magic_and_version};

/// Reads a model file from disk: its magic bytes and version first, so that anything else (a
/// 1 GB file of zeros, a device) is refused after a few bytes, and never more than
/// [`MAX_FILE_BYTES`].
pub fn read_file(path: &Path) -> Result<Vec<u8>, ModelFileError> {
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

/// Where [`write_atomic`] stages `path`: a hidden file in the same folder, named after the file
/// and this process (so a later run can tell a dead run's leftovers from a live one's).
pub fn temp_path_for(path: &Path) -> PathBuf {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(".{file_name}.{}.tmp", std::process::id()))
}

/// Writes `bytes` to `path` atomically: a temp file in the same folder, synced, then renamed, so
/// an interrupted write never leaves a half-written file behind. Never replaces anything but a
/// regular file (a device node, a folder, a symlink).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ModelFileError> {
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
