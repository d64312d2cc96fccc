//! `wrangler dev` (workerd) for any `wrangler.toml`, as a child process group.

use crate::process::{guarded_command, GuardedChild};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the build plus start-up may take (a cold `worker-build --release` is ~30 s alone).
/// Overridden by `WRANGLER_READY_TIMEOUT_SECS`.
const READY_TIMEOUT: Duration = Duration::from_secs(180);

/// Lines of log quoted when start-up fails.
const TAIL_LINES: usize = 60;

/// Options for [`WranglerDev`]; made by [`WranglerDev::builder`].
#[derive(Debug, Clone)]
pub struct WranglerBuilder {
    config: PathBuf,
    vars: Vec<(String, String)>,
    secrets: Vec<(String, String)>,
    port: Option<u16>,
    ready_timeout: Duration,
    args: Vec<String>,
}

impl WranglerBuilder {
    /// Adds a `--var NAME:VALUE` (overrides `[vars]` in the config; visible in `ps`).
    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.vars.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds several [`var`](Self::var)s.
    pub fn vars(mut self, vars: &[(&str, &str)]) -> Self {
        self.vars.extend(vars.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())));
        self
    }

    /// Adds a secret binding, passed through a private `--env-file` (never on the command line,
    /// never logged). The value must not contain `"`, `\` or a line break.
    pub fn secret(mut self, name: &str, value: &str) -> Self {
        self.secrets.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Listens on this port instead of a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Overrides the overall start-up deadline (default 180 s).
    pub fn ready_timeout(mut self, timeout: Duration) -> Self {
        self.ready_timeout = timeout;
        self
    }

    /// Adds a raw argument for `wrangler dev` (e.g. `--log-level=debug`).
    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_owned());
        self
    }

    /// Builds and starts the worker, and waits for wrangler's `Ready on …` line.
    pub fn start(self) -> WranglerDev {
        WranglerDev::launch(self)
    }
}

/// A running `wrangler dev`; wrangler and its workerd children are killed on drop.
///
/// Wrangler runs the config's `[build] command` first, so the worker is rebuilt from source.
/// Its output goes to `<artifacts>/wrangler-<name>.log`. Note that wrangler watches the build's
/// `watch_dir` (default `src` next to the config) and rebuilds and reloads when it changes.
pub struct WranglerDev {
    /// `http://127.0.0.1:PORT`, as printed in the `Ready on` line.
    pub url: String,
    /// The port it listens on.
    pub port: u16,
    /// The worker's `name` from the config (or the config's directory name).
    pub name: String,
    /// Wrangler's combined stdout and stderr, colours stripped.
    pub log_path: PathBuf,
    log: Arc<Mutex<Vec<String>>>,
    state_dir: PathBuf,
    process: GuardedChild,
}

/// What the output readers report.
enum Event {
    Ready(String),
    Closed,
}

impl WranglerDev {
    /// Options for a worker configured by `config` (a `wrangler.toml`).
    pub fn builder(config: &Path) -> WranglerBuilder {
        let ready_timeout = std::env::var("WRANGLER_READY_TIMEOUT_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map_or(READY_TIMEOUT, Duration::from_secs);
        WranglerBuilder {
            config: config.to_path_buf(),
            vars: Vec::new(),
            secrets: Vec::new(),
            port: None,
            ready_timeout,
            args: Vec::new(),
        }
    }

    /// Starts `wrangler dev -c config` on a free port with `--var NAME:VALUE` for each of `vars`.
    ///
    /// ```no_run
    /// # use e2e_tests::{workspace_root, WranglerDev};
    /// let config = workspace_root().join("examples/publish-subscribe/wrangler.toml");
    /// let worker = WranglerDev::start(&config, &[("MOMENTO_CACHE", "default-cache")]);
    /// println!("{}", worker.url);
    /// ```
    pub fn start(config: &Path, vars: &[(&str, &str)]) -> WranglerDev {
        Self::builder(config).vars(vars).start()
    }

    /// [`start`](Self::start) on a given port.
    pub fn start_with_port(config: &Path, vars: &[(&str, &str)], port: u16) -> WranglerDev {
        Self::builder(config).vars(vars).port(port).start()
    }

    /// `url` followed by `path` (which starts with `/`).
    pub fn url_for(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// The last `lines` lines of wrangler's output.
    pub fn log_tail(&self, lines: usize) -> String {
        tail(&self.log, lines)
    }

    fn launch(options: WranglerBuilder) -> WranglerDev {
        let config = std::fs::canonicalize(&options.config)
            .unwrap_or_else(|e| panic!("wrangler config {}: {e}", options.config.display()));
        let name = worker_name(&config);
        let port = options.port.unwrap_or_else(crate::free_port);
        let state_dir =
            std::env::temp_dir().join(format!("e2e-wrangler-{name}-{}-{port}", std::process::id()));
        let env_file = write_env_file(&state_dir, &options.secrets);
        let log_path = crate::artifacts_dir().join(format!("wrangler-{name}.log"));
        let mut log_file = File::create(&log_path)
            .unwrap_or_else(|e| panic!("creating {}: {e}", log_path.display()));
        let var_names: Vec<&str> = options.vars.iter().map(|(n, _)| n.as_str()).collect();
        let _ = writeln!(log_file, "# wrangler dev -c {} (vars: {var_names:?})", config.display());

        let mut cmd = guarded_command(wrangler_bin());
        // Removed even if this process dies without dropping us (the secrets file is in it).
        cmd.env(crate::process::CLEANUP_VAR, &state_dir);
        cmd.arg("dev").arg("-c").arg(&config);
        cmd.args(["--ip", "127.0.0.1", "--port", &port.to_string()]);
        cmd.args(["--inspector-port", &crate::free_port().to_string()]);
        cmd.arg("--persist-to").arg(state_dir.join("persist"));
        cmd.arg("--env-file").arg(&env_file);
        cmd.arg("--show-interactive-dev-session=false");
        for (name, value) in &options.vars {
            cmd.arg("--var").arg(format!("{name}:{value}"));
        }
        cmd.args(&options.args);
        cmd.current_dir(config.parent().expect("config has a directory"));
        set_env(&mut cmd);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut process = GuardedChild::spawn(cmd, "wrangler dev");

        let log = Arc::new(Mutex::new(Vec::new()));
        let log_file = Arc::new(Mutex::new(log_file));
        let (tx, rx) = mpsc::channel();
        let stdout = process.child.stdout.take().expect("piped stdout");
        let stderr = process.child.stderr.take().expect("piped stderr");
        watch_output(stdout, log.clone(), log_file.clone(), tx.clone());
        watch_output(stderr, log.clone(), log_file, tx);

        match wait_ready(&rx, options.ready_timeout) {
            Ok(url) => {
                let worker = WranglerDev { url, port, name, log_path, log, state_dir, process };
                worker.wait_accepting();
                worker
            }
            Err(why) => {
                process.stop();
                let _ = std::fs::remove_dir_all(&state_dir);
                panic!(
                    "wrangler dev for {} {why}; log: {}\n--- last lines ---\n{}",
                    config.display(),
                    log_path.display(),
                    tail(&log, TAIL_LINES)
                );
            }
        }
    }

    /// Waits until the port accepts connections (it should already, once `Ready` is printed).
    fn wait_accepting(&self) {
        let addr = self.url.trim_start_matches("http://").trim_end_matches('/').to_owned();
        crate::wait_until(
            || std::net::TcpStream::connect(&addr).is_ok(),
            &format!("wrangler to accept connections on {addr}"),
        );
    }
}

impl Drop for WranglerDev {
    fn drop(&mut self) {
        self.process.stop();
        let _ = std::fs::remove_dir_all(&self.state_dir);
    }
}

impl std::fmt::Debug for WranglerDev {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WranglerDev")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("log_path", &self.log_path)
            .finish()
    }
}

/// Waits for a `Ready` event; errors when both streams closed or the deadline passed.
fn wait_ready(rx: &Receiver<Event>, timeout: Duration) -> Result<String, String> {
    let deadline = Instant::now() + timeout;
    let mut closed = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Event::Ready(url)) => return Ok(url),
            Ok(Event::Closed) => {
                closed += 1;
                if closed == 2 {
                    return Err("exited before it was ready".to_owned());
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                return Err(format!("printed no `Ready on` line within {timeout:?}"))
            }
            Err(RecvTimeoutError::Disconnected) => return Err("stopped reporting".to_owned()),
        }
    }
}

/// Reads lines in a background thread: log them, and report the `Ready on URL` line and EOF.
fn watch_output(
    from: impl Read + Send + 'static,
    log: Arc<Mutex<Vec<String>>>,
    file: Arc<Mutex<File>>,
    events: Sender<Event>,
) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(from);
        let mut raw = Vec::new();
        // Lossy per line: wrangler's output is UTF-8 with emoji, but never trust a child.
        while matches!(reader.read_until(b'\n', &mut raw), Ok(n) if n > 0) {
            let line = crate::strip_ansi(String::from_utf8_lossy(&raw).trim_end());
            raw.clear();
            if let Ok(mut file) = file.lock() {
                let _ = writeln!(file, "{line}");
            }
            if let Some(url) = ready_url(&line) {
                let _ = events.send(Event::Ready(url));
            }
            if let Ok(mut log) = log.lock() {
                log.push(line);
            }
        }
        let _ = events.send(Event::Closed);
    });
}

/// The URL in wrangler's `[wrangler:info] Ready on http://127.0.0.1:8787` line.
fn ready_url(line: &str) -> Option<String> {
    let rest = line.split("Ready on ").nth(1)?;
    let url = rest.split_whitespace().next()?;
    url.starts_with("http").then(|| url.trim_end_matches('/').to_owned())
}

fn tail(log: &Mutex<Vec<String>>, lines: usize) -> String {
    let log = log.lock().unwrap_or_else(|e| e.into_inner());
    log[log.len().saturating_sub(lines)..].join("\n")
}

/// `name = "…"` before the first `[section]` of the config, else the directory's name.
fn worker_name(config: &Path) -> String {
    let text = std::fs::read_to_string(config).unwrap_or_default();
    let from_config = text
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with('['))
        .filter_map(|line| line.strip_prefix("name")?.trim_start().strip_prefix('='))
        .map(|value| value.trim().trim_matches('"').to_owned())
        .find(|name| !name.is_empty());
    from_config.unwrap_or_else(|| {
        let dir = config.parent().and_then(Path::file_name).unwrap_or_default();
        dir.to_string_lossy().into_owned()
    })
}

/// Writes the secrets as a private dotenv file, the only one wrangler then reads (so a
/// developer's `.dev.vars` cannot leak into the test).
fn write_env_file(state_dir: &Path, secrets: &[(String, String)]) -> PathBuf {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(state_dir)
        .unwrap_or_else(|e| panic!("creating {}: {e}", state_dir.display()));
    let path = state_dir.join("secrets.env");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
    for (name, value) in secrets {
        assert!(
            !value.contains(['"', '\\', '\n', '\r']),
            "secret {name} has a quote, backslash or line break; pass it with var() instead"
        );
        writeln!(file, "{name}=\"{value}\"").expect("writing the secrets file");
    }
    path
}

/// `WRANGLER_BIN`, else `<workspace>/node_modules/.bin/wrangler` (from `npm ci`).
fn wrangler_bin() -> PathBuf {
    let bin = match std::env::var_os("WRANGLER_BIN") {
        Some(bin) => PathBuf::from(bin),
        None => crate::workspace_root().join("node_modules/.bin/wrangler"),
    };
    assert!(bin.exists(), "{} is missing: run `npm ci` or set WRANGLER_BIN", bin.display());
    bin
}

/// No prompts, no telemetry, no colours; the registry-installed build tools unless the caller
/// chose others; none of cargo's per-crate variables from this test process.
fn set_env(cmd: &mut std::process::Command) {
    cmd.env("CI", "true").env("WRANGLER_SEND_METRICS", "false").env("FORCE_COLOR", "0");
    let root = crate::workspace_root();
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let tools = [
        ("WASM_BINDGEN_BIN", home.join(".cargo/bin/wasm-bindgen")),
        ("WASM_OPT_BIN", root.join("node_modules/binaryen/bin/wasm-opt")),
        ("ESBUILD_BIN", root.join("node_modules/.bin/esbuild")),
    ];
    for (name, default) in tools {
        if std::env::var_os(name).is_none() && default.exists() {
            cmd.env(name, default);
        }
    }
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let per_crate = name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_BIN_")
            || ["CARGO_MANIFEST_DIR", "CARGO_MANIFEST_PATH", "CARGO_CRATE_NAME"]
                .contains(&name.as_ref())
            || ["CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR"].contains(&name.as_ref());
        if per_crate {
            cmd.env_remove(name.as_ref());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_url_reads_the_ready_line() {
        let line = "[wrangler:info] Ready on http://127.0.0.1:8811";
        assert_eq!(ready_url(line).as_deref(), Some("http://127.0.0.1:8811"));
        assert_eq!(ready_url("⎔ Starting local server..."), None);
    }

    #[test]
    fn worker_name_comes_from_the_top_level_name() {
        let dir = std::env::temp_dir().join(crate::unique_name("e2e-name"));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("wrangler.toml");
        std::fs::write(&config, "# c\nname = \"relay\"\nmain = \"x\"\n[env.a]\nname = \"b\"\n")
            .unwrap();
        assert_eq!(worker_name(&config), "relay");
        std::fs::write(&config, "main = \"x\"\n").unwrap();
        assert_eq!(worker_name(&config), dir.file_name().unwrap().to_string_lossy());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
