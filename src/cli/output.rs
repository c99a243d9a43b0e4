//! The files `train --out FILE` writes — the model, `FILE.log.json`, `FILE.curve.svg` and
//! `FILE.config.json` —
//! checked before training starts (a bad path should cost a second, not the training run) and
//! written atomically, so an interrupted run never leaves a half-written file.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The files of one training run.
pub struct Outputs {
    pub model: PathBuf,
    pub log: PathBuf,
    pub curve: PathBuf,
    /// The training configuration, as `--config` reads it back (burn's examples save theirs
    /// beside the weights too).
    pub config: PathBuf,
}

impl Outputs {
    pub fn for_model(model: &Path) -> Self {
        let beside = |suffix: &str| {
            let mut s = model.as_os_str().to_owned();
            s.push(suffix);
            PathBuf::from(s)
        };
        Self {
            model: model.to_path_buf(),
            log: beside(".log.json"),
            curve: beside(".curve.svg"),
            config: beside(".config.json"),
        }
    }

    /// Each file is absent or a regular file (a device node, a folder or a symlink is never
    /// replaced), and its folder exists (it is created) and takes a new file. Temp files that
    /// killed runs left behind are removed on the way.
    pub fn check(&self) -> anyhow::Result<()> {
        // `zz/` or `models/.` names a folder: without this, training would run in full and
        // fail to write at the end.
        let text = self.model.as_os_str().to_string_lossy();
        let last = text
            .rsplit(['/', std::path::MAIN_SEPARATOR])
            .next()
            .unwrap_or("");
        if matches!(last, "" | "." | "..") {
            bail!(
                "--out {}: names a folder; give the model file's path, e.g. {}",
                self.model.display(),
                Path::new(&*text).join("model.movierec").display()
            );
        }
        for path in [&self.model, &self.log, &self.curve, &self.config] {
            if let Ok(meta) = std::fs::symlink_metadata(path)
                && !meta.file_type().is_file()
            {
                bail!(
                    "--out {}: exists and is not a regular file; refusing to replace it",
                    path.display()
                );
            }
            let dir = folder_of(path);
            std::fs::create_dir_all(dir)
                .with_context(|| format!("--out: cannot create folder {}", dir.display()))?;
            remove_stale_temp_files(path);
            let probe = movierec::modelfile::temp_path_for(path);
            std::fs::write(&probe, b"")
                .with_context(|| format!("--out: cannot write in {}", dir.display()))?;
            std::fs::remove_file(&probe).ok();
        }
        Ok(())
    }
}

fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// `.NAME.PID.tmp` beside `path` whose process is gone (Linux's /proc tells; elsewhere they stay).
fn remove_stale_temp_files(path: &Path) {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(folder_of(path)) else {
        return;
    };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = file
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let gone = Path::new("/proc").is_dir() && !Path::new(&format!("/proc/{pid}")).exists();
        if gone && entry.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::remove_file(entry.path()).ok();
        }
    }
}
