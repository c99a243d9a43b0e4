//! Every config the project ships parses (unknown fields refused) and passes its checks, and
//! `movierec config` prints what `--config` reads back.

use std::path::PathBuf;
use std::process::Command;

use movierec::train::TrainConfig;

#[test]
fn every_docs_config_parses_and_checks() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/configs");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let cfg: TrainConfig =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        cfg.check()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        seen += 1;
    }
    assert!(seen >= 6, "{seen} configs in {}", dir.display());
}

#[test]
fn config_prints_a_preset_that_reads_back_the_same() {
    for preset in TrainConfig::PRESETS {
        let out = Command::new(env!("CARGO_BIN_EXE_movierec"))
            .args(["config", "--preset", preset, "--seed", "7"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed: TrainConfig = serde_json::from_slice(&out.stdout).unwrap();
        let mut expected = TrainConfig::preset(preset).unwrap();
        expected.seed = 7;
        assert_eq!(printed, expected);
    }
}
