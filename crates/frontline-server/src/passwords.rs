//! Password hashing and checking with bounded memory and bounded concurrency.
//!
//! An argon2id check needs its memory cost in working memory (19 MiB with the default
//! parameters). Allocated per check, glibc keeps the freed blocks in per-thread arenas, so
//! failed sign-ins from many addresses grew the server by gigabytes that never came back.
//! Here a fixed number of checks run at once (`permits`), each on a working area taken from
//! a small pool and put back afterwards, so the memory is allocated once per permit and
//! reused. A check that cannot get a permit within `wait` is refused as busy (503 with
//! `Retry-After`) rather than queued without end.
//!
//! Shared state: `memory` is written by every check (take at start, put back at the end);
//! its length never exceeds the number of permits.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

/// Nobody sets a password longer than this; longer input is refused before hashing.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Too many checks are already running; retry after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub retry_after_secs: u64,
}

/// The password hasher of one server.
#[derive(Debug)]
pub struct Passwords {
    permits: Semaphore,
    wait: Duration,
    memory: Mutex<Vec<Vec<Block>>>,
}

/// Checked against when an account has no password or does not exist, so the answer takes
/// as long either way. Made on first use, on a blocking thread, once per process: hashing it
/// when a server starts added an argon2 run to every start.
fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password that nobody has"))
}

impl Passwords {
    /// At most `concurrent` hashes at once; a caller waits up to `wait` for its turn.
    pub fn new(concurrent: usize, wait: Duration) -> Arc<Self> {
        let concurrent = concurrent.max(1);
        Arc::new(Self {
            permits: Semaphore::new(concurrent),
            wait,
            memory: Mutex::new(Vec::with_capacity(concurrent)),
        })
    }

    /// Whether `password` matches `stored` (a PHC string). `None` (no account, or no password
    /// set) is checked against a decoy and never matches.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, Busy> {
        let known = stored.is_some();
        let matched = self
            .with_memory(move |memory| {
                let hash = match &stored {
                    Some(hash) => hash.as_str(),
                    None => decoy(),
                };
                verify_with(memory, &password, hash)
            })
            .await?;
        Ok(matched && known)
    }

    /// A new argon2id PHC string for `password`.
    pub async fn hash(&self, password: String) -> Result<String, Busy> {
        self.with_memory(move |memory| hash_with(memory, &password))
            .await
    }

    async fn with_memory<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let busy = Busy {
            retry_after_secs: self.wait.as_secs().max(1),
        };
        let _permit = tokio::time::timeout(self.wait, self.permits.acquire())
            .await
            .map_err(|_| busy)?
            .map_err(|_| busy)?;
        let mut memory = self.take_memory();
        let (result, memory) = tokio::task::spawn_blocking(move || {
            let result = work(&mut memory);
            (result, memory)
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "a password check failed to run");
            busy
        })?;
        self.put_back(memory);
        Ok(result)
    }

    fn take_memory(&self) -> Vec<Block> {
        self.memory
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop()
            .unwrap_or_default()
    }

    fn put_back(&self, memory: Vec<Block>) {
        self.memory
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(memory);
    }
}

/// Grow `memory` to `blocks` once; later checks with the same parameters reuse it as is.
fn area(memory: &mut Vec<Block>, blocks: usize) -> &mut [Block] {
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    &mut memory[..blocks]
}

fn verify_with(memory: &mut Vec<Block>, password: &str, stored: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm.as_str()) else {
        return false;
    };
    let version = match hash.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&hash) else {
        return false;
    };
    // Stored hashes come from this server, but a hand-edited one must not make us allocate
    // gigabytes: refuse costs far above what `hash_password` writes.
    if params.m_cost() > 256 * 1024 {
        return false;
    }
    let blocks = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    if argon
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt.as_ref(),
            &mut out,
            area(memory, blocks),
        )
        .is_err()
    {
        return false;
    }
    constant_time_eq(&out, expected.as_bytes())
}

fn hash_with(memory: &mut Vec<Block>, password: &str) -> String {
    let params = Params::default();
    let blocks = params.block_count();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt_bytes: [u8; 16] = rand::random();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let built = argon
        .hash_password_into_with_memory(
            password.as_bytes(),
            &salt_bytes,
            &mut out,
            area(memory, blocks),
        )
        .ok()
        .and_then(|()| {
            Some(PasswordHash {
                algorithm: Algorithm::Argon2id.ident(),
                version: Some(Version::V0x13.into()),
                params: ParamsString::try_from(&params).ok()?,
                salt: Some(Salt::new(&salt_bytes).ok()?),
                hash: Some(Output::new(&out).ok()?),
            })
        });
    match built {
        Some(hash) => hash.to_string(),
        // Only a broken parameter set gets here; a hash nobody can match is the safe answer.
        None => {
            tracing::error!("could not hash a password");
            String::from("!")
        }
    }
}

/// An argon2id PHC string for a password (salt generated inside). CPU-heavy: call it from a
/// blocking thread in request handlers.
pub fn hash_password(password: &str) -> String {
    use argon2::PasswordHasher as _;
    let hashed = Argon2::default().hash_password(password.as_bytes());
    match hashed {
        Ok(hash) => hash.to_string(),
        // Only a broken OS random source gets here; a hash nobody can match is the safe answer.
        Err(e) => {
            tracing::error!(error = %e, "could not hash a password");
            String::from("!")
        }
    }
}

/// Whether `password` matches a stored PHC string. Malformed hashes simply do not match.
pub fn verify_password(password: &str, stored: &str) -> bool {
    use argon2::PasswordVerifier as _;
    Argon2::default()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// Compare secrets without an early exit, so timing does not reveal how much matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_only_their_own_password_and_match_the_plain_hasher() {
        let passwords = Passwords::new(1, Duration::from_secs(5));
        let hash = passwords.hash("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$"));
        assert!(
            passwords
                .verify("correct horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("wrong horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        // Interchangeable with the one-shot hasher the CLI uses, both ways.
        assert!(verify_password("correct horse", &hash));
        let plain = hash_password("battery staple");
        assert!(
            passwords
                .verify("battery staple".into(), Some(plain))
                .await
                .unwrap()
        );
        assert!(!passwords.verify("decoy".into(), None).await.unwrap());
        assert!(
            !passwords
                .verify("x".into(), Some("not a hash".into()))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn a_check_that_cannot_get_a_turn_in_time_is_refused_as_busy() {
        let passwords = Passwords::new(1, Duration::from_millis(50));
        let held = passwords.permits.acquire().await.unwrap();
        let refused = passwords.verify("x".into(), None).await;
        assert_eq!(
            refused,
            Err(Busy {
                retry_after_secs: 1
            })
        );
        drop(held);
        assert_eq!(passwords.verify("x".into(), None).await, Ok(false));
    }

    #[tokio::test]
    async fn working_memory_is_reused_not_allocated_per_check() {
        let passwords = Passwords::new(2, Duration::from_secs(5));
        for _ in 0..4 {
            passwords.verify("x".into(), None).await.unwrap();
        }
        let pool = passwords.memory.lock().unwrap();
        assert_eq!(pool.len(), 1, "sequential checks share one working area");
        assert_eq!(pool[0].len(), Params::default().block_count());
    }

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }
}
