//! Keeps tests that inject emulator faults apart from the other tests of their binary, which
//! share one emulator: they run alone, and the faults are cleared when they end.

use crate::Emulator;
use serde_json::json;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Readers: tests that leave the faults alone. Writer: a test that sets them.
static FAULTS: RwLock<()> = RwLock::new(());

/// Held by a test that leaves the emulator's faults alone; any number may run together.
///
/// ```no_run
/// let _faults = e2e_tests::faults_untouched();
/// ```
pub fn faults_untouched() -> RwLockReadGuard<'static, ()> {
    // A failed test poisons the lock; the next test is still meaningful.
    FAULTS.read().unwrap_or_else(PoisonError::into_inner)
}

/// Exclusive access for a test that sets faults on `emulator`; see [`fault_scope`].
pub struct FaultScope<'a> {
    emulator: &'a Emulator,
    _lock: RwLockWriteGuard<'static, ()>,
}

impl Drop for FaultScope<'_> {
    fn drop(&mut self) {
        // No panic here: this may run while a failed assertion unwinds.
        let _ = self.emulator.admin("PUT", "faults", Some(&json!({})));
    }
}

/// Waits until no other test runs, and clears `emulator`'s faults when the scope is dropped,
/// even if the test fails.
///
/// ```no_run
/// # fn demo(emulator: &e2e_tests::Emulator) {
/// let _faults = e2e_tests::fault_scope(emulator);
/// emulator.set_faults(serde_json::json!({"p500": 1.0}));
/// # }
/// ```
pub fn fault_scope(emulator: &Emulator) -> FaultScope<'_> {
    let lock = FAULTS.write().unwrap_or_else(PoisonError::into_inner);
    FaultScope { emulator, _lock: lock }
}
