//! `momento-emulator`: see the crate README for flags and behaviour.

use momento_topics_emulator::config::{parse_args, Command, USAGE};
use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(config)) => *config,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("momento-emulator: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // Installed before the start-up line is printed, so a SIGTERM sent right after reading it
    // is never handled by the default action (which would not exit with status 0).
    let shutdown = match shutdown_signal() {
        Ok(shutdown) => shutdown,
        Err(e) => {
            eprintln!("momento-emulator: cannot install signal handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    match momento_topics_emulator::run(config, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("momento-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A future that completes on SIGTERM or SIGINT, so that the process exits with status 0.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        eprintln!("momento-emulator: shutting down");
    })
}
