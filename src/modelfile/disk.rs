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
    write_all_atomic(&[(path, bytes)])
}

/// Writes several files that belong together (a model, its log, its curve): every one is
/// staged and synced first, and only then are they renamed into place, one after the other. A
/// failure or a kill while staging replaces none of them; what is left is the instant between
/// renames.
pub fn write_all_atomic(files: &[(&Path, &[u8])]) -> Result<(), ModelFileError> {
    let io = |path: &Path, reason| ModelFileError::Io {
        path: path.display().to_string(),
        reason,
    };
    for &(path, _) in files {
        if let Ok(meta) = std::fs::symlink_metadata(path)
            && !meta.file_type().is_file()
        {
            return Err(io(
                path,
                std::io::Error::other("exists and is not a regular file; refusing to replace it"),
            ));
        }
    }
    let mut staged = Vec::new();
    let result = files.iter().try_for_each(|&(path, bytes)| {
        let tmp = temp_path_for(path);
        staged.push(tmp.clone());
        stage(&tmp, bytes).map_err(|e| io(path, e))
    });
    let result = result.and_then(|()| {
        files
            .iter()
            .zip(&staged)
            .try_for_each(|(&(path, _), tmp)| std::fs::rename(tmp, path).map_err(|e| io(path, e)))
    });
    if result.is_err() {
        for tmp in &staged {
            let _ = std::fs::remove_file(tmp);
        }
    }
    result
}

/// Writes and syncs one temp file, creating its folder.
fn stage(tmp: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = tmp.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::File::create(tmp)?;
    f.write_all(bytes)?;
    f.sync_all()
}
