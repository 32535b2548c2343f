//! The trusted clock: the latest trusted time per issuer, and the issuer's revocation list state.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

/// Where the verifier remembers, per issuer (`acct_…`), the latest trusted time (a verified file's `iat`, a verified
/// response's signed `Date`) to notice a clock set back, the highest revocation list version seen in signed data, and
/// the revocation list kept. Times and versions only ever move forward.
///
/// [`MemoryTrustedClock`] keeps them in memory; an application that wants them to survive a restart implements this
/// trait over its own storage.
pub trait TrustedClock: Send + Sync {
    /// The latest trusted time of `issuer`, if any.
    fn read(&self, issuer: &str) -> Option<SystemTime>;
    /// Records `trusted` for `issuer` when it is later than the time kept.
    fn advance(&self, issuer: &str, trusted: SystemTime);
    /// The highest revocation list version seen for `issuer`; 0 when none.
    fn read_revocation_version(&self, issuer: &str) -> i64;
    /// Records `version` for `issuer` when it is higher than the one kept.
    fn advance_revocation_version(&self, issuer: &str, version: i64);
    /// The revocation list text kept for `issuer`, if any.
    fn read_revocation_list(&self, issuer: &str) -> Option<String>;
    /// Keeps `list` (a compact JWS) for `issuer`, replacing the one kept.
    fn store_revocation_list(&self, issuer: &str, list: &str);
}

#[derive(Default)]
struct Known {
    times: HashMap<String, SystemTime>,
    versions: HashMap<String, i64>,
    lists: HashMap<String, String>,
}

/// A [`TrustedClock`] in memory: what it remembers lasts as long as it does.
#[derive(Default)]
pub struct MemoryTrustedClock {
    known: Mutex<Known>,
}

impl MemoryTrustedClock {
    /// An empty clock: no time trusted yet, no revocation list kept.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Known) -> T) -> T {
        // A panic elsewhere while holding the lock leaves the maps consistent (each change is one insert).
        let mut guard = match self.known.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }
}

impl std::fmt::Debug for MemoryTrustedClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryTrustedClock").finish_non_exhaustive()
    }
}

impl TrustedClock for MemoryTrustedClock {
    fn read(&self, issuer: &str) -> Option<SystemTime> {
        self.with(|k| k.times.get(issuer).copied())
    }

    fn advance(&self, issuer: &str, trusted: SystemTime) {
        self.with(|k| {
            let entry = k.times.entry(issuer.to_owned()).or_insert(trusted);
            if trusted > *entry {
                *entry = trusted;
            }
        });
    }

    fn read_revocation_version(&self, issuer: &str) -> i64 {
        self.with(|k| k.versions.get(issuer).copied().unwrap_or(0))
    }

    fn advance_revocation_version(&self, issuer: &str, version: i64) {
        self.with(|k| {
            let entry = k.versions.entry(issuer.to_owned()).or_insert(version);
            if version > *entry {
                *entry = version;
            }
        });
    }

    fn read_revocation_list(&self, issuer: &str) -> Option<String> {
        self.with(|k| k.lists.get(issuer).cloned())
    }

    fn store_revocation_list(&self, issuer: &str, list: &str) {
        self.with(|k| {
            k.lists.insert(issuer.to_owned(), list.to_owned());
        });
    }
}
