//! Command-line flags, as fixed by `emulator-interface.md`.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use crate::faults::FaultSettings;

/// Usage text printed for `--help` and after a flag error.
pub const USAGE: &str = "\
usage: momento-emulator [--listen 127.0.0.1:0] [--cache NAME]... [--token TOKEN]
                        [--retention N] [--max-wait-ms MS] [--start-at-latest]
                        [--rate-limit OPS_PER_SEC] [--max-message-bytes 4096]
                        [--fault-500 P] [--fault-429 P] [--fault-drop P] [--fault-drop-after P]
                        [--fault-delay-ms MIN..MAX]";

/// Everything the emulator can be told at start-up.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Caches that exist at start-up.
    pub caches: Vec<String>,
    /// The all-access token; generated when `None`.
    pub token: Option<String>,
    /// Messages kept per topic (the replay ring).
    pub retention: usize,
    /// How long a subscribe waits before answering `{"items":[]}`.
    pub max_wait: Duration,
    /// `sequence_number=0` starts after the newest message instead of replaying history.
    pub start_at_latest: bool,
    /// Per-token requests per second on the public API; `None` means unlimited.
    pub rate_limit: Option<f64>,
    /// Largest accepted publish body, in bytes.
    pub max_message_bytes: usize,
    /// Fault injection at start-up (replaceable through the admin API).
    pub faults: FaultSettings,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            caches: vec!["default-cache".to_owned()],
            token: None,
            retention: 1000,
            max_wait: Duration::from_millis(30_000),
            start_at_latest: false,
            rate_limit: None,
            max_message_bytes: 4096,
            faults: FaultSettings::default(),
        }
    }
}

/// What the command line asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Run the emulator.
    Run(Box<Config>),
    /// Print usage and exit successfully.
    Help,
}

/// A flag that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Parses the arguments after the program name. Accepts `--flag value` and `--flag=value`.
///
/// ```
/// use momento_topics_emulator::config::{parse_args, Command};
/// let Command::Run(c) = parse_args(["--cache", "a", "--cache=b", "--retention", "5"]).unwrap()
///     else { panic!() };
/// assert_eq!(c.caches, ["a", "b"]);
/// assert_eq!(c.retention, 5);
/// ```
pub fn parse_args<I, S>(args: I) -> Result<Command, ConfigError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut config = Config::default();
    // `--cache` replaces the default list rather than adding to it.
    let mut caches: Vec<String> = Vec::new();
    let mut args = args.into_iter().map(Into::into);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg, None),
        };
        match flag.as_str() {
            "--help" | "-h" => return Ok(Command::Help),
            "--start-at-latest" => config.start_at_latest = true,
            _ => {
                let value = match inline {
                    Some(v) => v,
                    None => args.next().ok_or_else(|| err(format!("{flag} needs a value")))?,
                };
                apply(&mut config, &mut caches, &flag, &value)?;
            }
        }
    }
    if !caches.is_empty() {
        config.caches = caches;
    }
    Ok(Command::Run(Box::new(config)))
}

fn apply(
    config: &mut Config,
    caches: &mut Vec<String>,
    flag: &str,
    value: &str,
) -> Result<(), ConfigError> {
    match flag {
        "--listen" => config.listen = parse(flag, value)?,
        "--cache" if value.trim().is_empty() => {
            return Err(err("--cache needs a non-blank name".into()))
        }
        "--cache" => caches.push(value.to_owned()),
        "--token" if value.is_empty() => return Err(err("--token needs a non-empty value".into())),
        "--token" => config.token = Some(value.to_owned()),
        "--retention" => config.retention = positive(flag, value)?,
        "--max-wait-ms" => config.max_wait = Duration::from_millis(parse(flag, value)?),
        "--rate-limit" => config.rate_limit = Some(rate(value)?),
        "--max-message-bytes" => config.max_message_bytes = positive(flag, value)?,
        "--fault-500" => config.faults.p500 = probability(flag, value)?,
        "--fault-429" => config.faults.p429 = probability(flag, value)?,
        "--fault-drop" => config.faults.pdrop = probability(flag, value)?,
        "--fault-drop-after" => config.faults.pdrop_after = probability(flag, value)?,
        "--fault-delay-ms" => config.faults.delay_ms = delay_range(value)?,
        _ => return Err(err(format!("unknown flag {flag}"))),
    }
    Ok(())
}

fn err(message: String) -> ConfigError {
    ConfigError(message)
}

fn parse<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, ConfigError> {
    value.trim().parse().map_err(|_| err(format!("{flag}: cannot parse {value:?}")))
}

fn positive(flag: &str, value: &str) -> Result<usize, ConfigError> {
    match parse::<usize>(flag, value)? {
        0 => Err(err(format!("{flag} must be at least 1"))),
        n => Ok(n),
    }
}

fn rate(value: &str) -> Result<f64, ConfigError> {
    let r: f64 = parse("--rate-limit", value)?;
    if r.is_finite() && r > 0.0 {
        Ok(r)
    } else {
        Err(err("--rate-limit must be a positive number".into()))
    }
}

fn probability(flag: &str, value: &str) -> Result<f64, ConfigError> {
    let p: f64 = parse(flag, value)?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(err(format!("{flag} must be between 0 and 1")))
    }
}

/// `MIN..MAX`, or a single number for a fixed delay.
fn delay_range(value: &str) -> Result<[u64; 2], ConfigError> {
    let flag = "--fault-delay-ms";
    let (min, max) = match value.split_once("..") {
        Some((a, b)) => (parse(flag, a)?, parse(flag, b)?),
        None => {
            let v = parse(flag, value)?;
            (v, v)
        }
    };
    if min > max {
        return Err(err(format!("{flag}: MIN must not exceed MAX")));
    }
    Ok([min, max])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Config {
        match parse_args(args.iter().copied()).unwrap() {
            Command::Run(c) => *c,
            Command::Help => panic!("help"),
        }
    }

    #[test]
    fn defaults_match_the_interface() {
        let c = run(&[]);
        assert_eq!(c.listen.to_string(), "127.0.0.1:0");
        assert_eq!(c.caches, ["default-cache"]);
        assert_eq!(c.retention, 1000);
        assert_eq!(c.max_wait, Duration::from_secs(30));
        assert_eq!(c.max_message_bytes, 4096);
        assert_eq!(c.rate_limit, None);
        assert_eq!(c.faults, FaultSettings::default());
    }

    #[test]
    fn every_flag_is_understood() {
        let c = run(&[
            "--listen",
            "127.0.0.1:9999",
            "--token",
            "t",
            "--retention",
            "3",
            "--max-wait-ms",
            "250",
            "--start-at-latest",
            "--rate-limit",
            "2.5",
            "--max-message-bytes=10",
            "--fault-500",
            "0.5",
            "--fault-429",
            "0.25",
            "--fault-drop",
            "1",
            "--fault-delay-ms",
            "5..9",
        ]);
        assert_eq!(c.listen.port(), 9999);
        assert_eq!(c.token.as_deref(), Some("t"));
        assert_eq!(c.retention, 3);
        assert_eq!(c.max_wait, Duration::from_millis(250));
        assert!(c.start_at_latest);
        assert_eq!(c.rate_limit, Some(2.5));
        assert_eq!(c.max_message_bytes, 10);
        assert_eq!(
            c.faults,
            FaultSettings {
                p500: 0.5,
                p429: 0.25,
                pdrop: 1.0,
                delay_ms: [5, 9],
                ..FaultSettings::default()
            }
        );
    }

    #[test]
    fn bad_values_are_rejected() {
        for bad in [
            &["--retention", "0"][..],
            &["--fault-500", "1.5"],
            &["--fault-delay-ms", "9..5"],
            &["--rate-limit", "0"],
            &["--bogus", "1"],
            &["--cache"],
        ] {
            assert!(parse_args(bad.iter().copied()).is_err(), "{bad:?}");
        }
        assert_eq!(parse_args(["--help"]).unwrap(), Command::Help);
    }
}
