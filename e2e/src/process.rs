//! Children in their own process group, killed as a group on drop or when this process dies.

use std::ffi::OsStr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a group gets after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(5);

/// The environment variable naming a path the guard deletes after stopping the group.
pub(crate) const CLEANUP_VAR: &str = "E2E_GUARD_CLEANUP";

/// `sh -c GUARD program args…`: keeps our stdin pipe on fd 3 for a background watcher, then
/// execs the program (same pid, so it leads the group). When the pipe closes (we dropped the
/// handle or died), the watcher's `read` returns, it sends SIGTERM to the whole group (itself
/// excepted) and deletes the `E2E_GUARD_CLEANUP` path, if any.
const GUARD: &str = r#"exec 3<&0
cleanup="${E2E_GUARD_CLEANUP:-}"; unset E2E_GUARD_CLEANUP
( trap '' TERM; read -r _ <&3; kill -TERM 0
  if [ -n "$cleanup" ]; then rm -rf -- "$cleanup"; fi ) >/dev/null 2>&1 </dev/null &
exec "$@" 3<&- </dev/null"#;

/// A command that runs `program` in a new process group behind the guard; add args, env,
/// current directory and stdout/stderr, then [`GuardedChild::spawn`] it.
pub(crate) fn guarded_command(program: impl AsRef<OsStr>) -> Command {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(GUARD).arg("sh").arg(program).stdin(Stdio::piped()).process_group(0);
    cmd
}

/// A running group; the leader is the program itself (`sh` execs it).
pub(crate) struct GuardedChild {
    pub(crate) child: Child,
    guard: Option<ChildStdin>,
    stopped: bool,
}

impl GuardedChild {
    /// Spawns a command made by [`guarded_command`]; `what` names it in the panic.
    pub(crate) fn spawn(mut cmd: Command, what: &str) -> GuardedChild {
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawning {what}: {e}"));
        let guard = child.stdin.take();
        GuardedChild { child, guard, stopped: false }
    }

    /// The process id of the leader, which is also the group id.
    pub(crate) fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether the leader has exited (without reaping it for good: `wait` still works).
    pub(crate) fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// SIGTERM to the group, up to [`GRACE`] for the leader, then SIGKILL to whatever is left.
    /// Only the first call does anything.
    pub(crate) fn stop(&mut self) {
        if std::mem::replace(&mut self.stopped, true) {
            return;
        }
        let group = self.id();
        self.guard.take();
        signal_group(group, SIGTERM);
        let end = Instant::now() + GRACE;
        while !self.has_exited() && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(20));
        }
        // Members keep the group id reserved, so this cannot hit an unrelated process.
        signal_group(group, SIGKILL);
        let _ = self.child.wait();
    }
}

impl Drop for GuardedChild {
    fn drop(&mut self) {
        self.stop();
    }
}

const SIGTERM: i32 = 15;
const SIGKILL: i32 = 9;

extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}

/// Sends `signal` to every process in group `group`; errors (group gone) are ignored.
fn signal_group(group: u32, signal: i32) {
    let Ok(group) = i32::try_from(group) else { return };
    if group > 1 {
        // SAFETY: kill(2) has no memory-safety preconditions; a negative pid names a group.
        unsafe {
            kill(-group, signal);
        }
    }
}
