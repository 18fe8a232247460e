//! The jury's secrets: one random seed in the contest folder, from which the
//! session-token MAC key and the Ed25519 key that signs callback requests are
//! derived.

use std::io::Write;
use std::path::{Path, PathBuf};

use ring::{hmac, signature::Ed25519KeyPair, signature::KeyPair};
use thiserror::Error;

/// File name of the seed inside the contest folder (mode 0600).
pub const KEY_FILE: &str = "jury.key";

/// The jury's key file could not be read or made.
#[derive(Debug, Error)]
pub enum KeyError {
    /// Reading or writing the file failed.
    #[error("jury key file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file does not hold 64 hex digits.
    #[error("jury key file {} is damaged: it must hold 64 hex digits", .0.display())]
    Damaged(PathBuf),
    /// Other users may read the file.
    #[error(transparent)]
    Exposed(#[from] floorjudge_tls::TlsError),
}

/// The jury's derived keys.
pub struct JuryKeys {
    session_mac: hmac::Key,
    job_tokens: hmac::Key,
    judgehost_secrets: hmac::Key,
    callback: Ed25519KeyPair,
    public_hex: String,
}

impl std::fmt::Debug for JuryKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JuryKeys")
            .field("public", &self.public_hex)
            .finish_non_exhaustive()
    }
}

fn derive(seed: &[u8; 32], purpose: &str) -> [u8; 32] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, seed);
    let tag = hmac::sign(&key, purpose.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

impl JuryKeys {
    /// Derives the keys from a seed.
    pub fn from_seed(seed: &[u8; 32]) -> JuryKeys {
        let session = derive(seed, "floorjudge session tokens v1");
        let callback_seed = derive(seed, "floorjudge callback signing v1");
        let callback = Ed25519KeyPair::from_seed_unchecked(&callback_seed)
            .expect("32 bytes is a valid Ed25519 seed");
        let public_hex = hex::encode(callback.public_key().as_ref());
        JuryKeys {
            session_mac: hmac::Key::new(hmac::HMAC_SHA256, &session),
            job_tokens: hmac::Key::new(
                hmac::HMAC_SHA256,
                &derive(seed, "floorjudge job tokens v1"),
            ),
            judgehost_secrets: hmac::Key::new(
                hmac::HMAC_SHA256,
                &derive(seed, "floorjudge judgehost secrets v1"),
            ),
            callback,
            public_hex,
        }
    }

    /// Reads the seed in `dir`, creating it (0600) on first use.
    pub fn load_or_create(dir: &Path) -> Result<JuryKeys, KeyError> {
        let path = dir.join(KEY_FILE);
        let io = |source| KeyError::Io {
            path: path.clone(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                // a key others can read is a key others have: refuse it
                floorjudge_tls::check_private(&path)?;
                let bytes =
                    hex::decode(text.trim()).map_err(|_| KeyError::Damaged(path.clone()))?;
                let seed: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| KeyError::Damaged(path.clone()))?;
                Ok(Self::from_seed(&seed))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let seed: [u8; 32] = rand::random();
                let mut f = create_private(&path).map_err(io)?;
                f.write_all(hex::encode(seed).as_bytes()).map_err(io)?;
                f.sync_all().map_err(io)?;
                Ok(Self::from_seed(&seed))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// The key that MACs session verifiers.
    pub fn session_mac(&self) -> &hmac::Key {
        &self.session_mac
    }

    /// The key that signs job tokens.
    pub fn job_tokens(&self) -> &hmac::Key {
        &self.job_tokens
    }

    /// The secret of the judgehost credential `key_id` (derived, never stored).
    pub fn judgehost_secret(&self, key_id: &str) -> [u8; 32] {
        let tag = hmac::sign(&self.judgehost_secrets, key_id.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }

    /// Signs a callback request message.
    pub fn sign_callback(&self, message: &[u8]) -> String {
        hex::encode(self.callback.sign(message).as_ref())
    }

    /// The public key kiosks verify callback requests with, hex.
    pub fn public_hex(&self) -> &str {
        &self.public_hex
    }
}

#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_persist_and_differ_per_contest() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let k1 = JuryKeys::load_or_create(a.path()).unwrap();
        let k2 = JuryKeys::load_or_create(a.path()).unwrap();
        let k3 = JuryKeys::load_or_create(b.path()).unwrap();
        assert_eq!(k1.public_hex(), k2.public_hex());
        assert_ne!(k1.public_hex(), k3.public_hex());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(a.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(a.path().join(KEY_FILE), "zz").unwrap();
        assert!(matches!(
            JuryKeys::load_or_create(a.path()),
            Err(KeyError::Damaged(_))
        ));
    }
}
