//! Shared by the browser journey test and the browser benchmark: build the wasm package from this
//! source, serve it with `movierec serve`, and drive Debian's Chromium headless over CDP.
#![allow(dead_code)] // each user takes what it needs

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use headless_chrome::{Browser, LaunchOptions, Tab};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where tests leave screenshots and other artifacts.
pub fn artifacts() -> PathBuf {
    let dir = repo().join("target").join("browser-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Builds `pkg/` from the current source into `target/web-test/pkg` (once per process), with the
/// same script a maintainer uses.
pub fn built_pkg() -> PathBuf {
    static PKG: OnceLock<PathBuf> = OnceLock::new();
    PKG.get_or_init(|| {
        let out = repo().join("target").join("web-test").join("pkg");
        let status = Command::new(repo().join("scripts").join("build-web.sh"))
            .arg(&out)
            .status()
            .expect("run scripts/build-web.sh");
        assert!(status.success(), "scripts/build-web.sh failed");
        out
    })
    .clone()
}

/// The committed demo model.
pub fn demo_model() -> PathBuf {
    repo().join("www").join("model.movierec")
}

/// `serve`'s flags for `www/`, the package at `pkg` and the model at `model`.
fn demo_args(model: &Path, pkg: &Path) -> Vec<std::ffi::OsString> {
    let www = repo().join("www");
    let mut args = Vec::new();
    for (flag, path) in [("--www", www.as_path()), ("--pkg", pkg), ("--model", model)] {
        args.push(flag.into());
        args.push(path.as_os_str().to_owned());
    }
    args
}

/// `movierec serve` on a free loopback port; killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT/`, as the server printed it.
    pub url: String,
}

impl Server {
    /// Serves `www/`, the package at `pkg` and the model at `model`.
    pub fn start(model: &Path, pkg: &Path) -> Server {
        let args = demo_args(model, pkg);
        Server::with_args(&args.iter().map(|a| a.as_os_str()).collect::<Vec<_>>())
    }

    /// The same with at most `descriptors` open files.
    pub fn start_with_descriptor_limit(descriptors: u64, model: &Path, pkg: &Path) -> Server {
        let args = demo_args(model, pkg);
        let args: Vec<&OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        Server::with_descriptor_limit(descriptors, &args)
    }

    /// Runs the real binary as `movierec serve --port 0 ARGS` and reads the URL it prints first.
    pub fn with_args(args: &[&OsStr]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_movierec"));
        command.args(["serve", "--port", "0"]).args(args);
        Server::spawn(command)
    }

    /// The same with at most `descriptors` open files (util-linux's `prlimit`).
    pub fn with_descriptor_limit(descriptors: u64, args: &[&OsStr]) -> Server {
        let mut command = Command::new("prlimit");
        command
            .arg(format!("--nofile={descriptors}:{descriptors}"))
            .arg(env!("CARGO_BIN_EXE_movierec"))
            .args(["serve", "--port", "0"])
            .args(args);
        Server::spawn(command)
    }

    fn spawn(mut command: Command) -> Server {
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .expect("start movierec serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let start = line
            .find("http://")
            .unwrap_or_else(|| panic!("no URL in {line:?}"));
        let url = line[start..].split_whitespace().next().unwrap().to_string();
        Server { child, url }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        self.url.trim_start_matches("http://").trim_end_matches('/')
    }
}

impl Drop for Server {
    /// SIGTERM first, as a user stops it; SIGKILL if it lingers.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Headless Chromium from Debian's package (`CHROMIUM` overrides the path), with a fresh profile
/// and none of its background network traffic.
pub fn launch() -> (Browser, tempfile::TempDir) {
    let profile = tempfile::tempdir().unwrap();
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "{} not found: install Chromium (apt-get install chromium) or set CHROMIUM",
        path.display()
    );
    let args: Vec<&std::ffi::OsStr> = [
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
    ]
    .iter()
    .map(std::ffi::OsStr::new)
    .collect();
    let options = LaunchOptions::default_builder()
        .path(Some(path))
        .headless(true)
        .sandbox(false)
        .window_size(Some((1280, 1000)))
        .user_data_dir(Some(profile.path().to_path_buf()))
        .idle_browser_timeout(Duration::from_secs(600))
        .args(args)
        .build()
        .unwrap();
    (Browser::new(options).expect("launch Chromium"), profile)
}

/// Evaluates `expr` in the page and parses its JSON value (`expr` may return a promise).
pub fn eval<T: serde::de::DeserializeOwned>(tab: &Tab, expr: &str) -> T {
    let wrapped = format!("(async () => JSON.stringify(await ({expr})))()");
    let result = tab.evaluate(&wrapped, true).expect("evaluate");
    let text = result
        .value
        .as_ref()
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("{expr}: no value ({result:?})"))
        .to_string();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{expr}: {e}: {text}"))
}

/// Polls a JS condition until it holds (panics with `what` after 60 s). A poll that lands while
/// the page is navigating (no value yet) counts as "not yet".
pub fn wait_for(tab: &Tab, condition: &str, what: &str) {
    let started = Instant::now();
    let poll =
        format!("(() => {{ try {{ return !!({condition}); }} catch {{ return false; }} }})()");
    while started.elapsed() < Duration::from_secs(60) {
        let holds = tab
            .evaluate(&poll, false)
            .ok()
            .and_then(|r| r.value)
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if holds {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what} ({condition})");
}

/// Opens the page and waits until the recommender is interactive.
pub fn open(browser: &Browser, url: &str) -> std::sync::Arc<Tab> {
    let tab = browser.new_tab().unwrap();
    tab.set_default_timeout(Duration::from_secs(60));
    tab.navigate_to(url).unwrap();
    tab.wait_until_navigated().unwrap();
    wait_for(
        &tab,
        "window.movierecStats && window.movierecStats.interactiveMs !== null",
        "the page to become interactive",
    );
    tab
}
