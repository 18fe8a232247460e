//! Issuing judgehost credentials: a public key id stored in the contest, a
//! secret derived from the jury's key file and shown once.

use floorjudge_proto::judgehost::Credentials;
use floorjudge_store::{Store, StoreError};

use crate::keys::JuryKeys;

/// Name of the judgehost that runs inside the jury server.
pub const EMBEDDED_NAME: &str = "embedded";

/// Issues credentials for a new judgehost `name`.
pub fn issue(
    store: &mut Store,
    keys: &JuryKeys,
    name: &str,
    actor: &str,
) -> Result<Credentials, StoreError> {
    if floorjudge_proto::id::validate_id(name).is_err() {
        return Err(StoreError::Conflict(format!(
            "judgehost name {name:?}: use 1 to 36 of A-Z a-z 0-9 _ - ."
        )));
    }
    let key_id = hex::encode(rand::random::<[u8; 12]>());
    store.add_judgehost(name, &key_id, actor)?;
    Ok(Credentials {
        name: name.to_owned(),
        secret: hex::encode(keys.judgehost_secret(&key_id)),
        key_id,
        jury_fingerprint: None,
    })
}

/// The embedded judgehost's credentials, issued on first use.
pub fn embedded(store: &mut Store, keys: &JuryKeys) -> Result<Credentials, StoreError> {
    let existing = store
        .judgehosts()?
        .into_iter()
        .find(|j| j.name == EMBEDDED_NAME && !j.revoked);
    match existing.and_then(|j| j.key_id) {
        Some(key_id) => Ok(Credentials {
            name: EMBEDDED_NAME.to_owned(),
            secret: hex::encode(keys.judgehost_secret(&key_id)),
            key_id,
            jury_fingerprint: None,
        }),
        None => issue(store, keys, EMBEDDED_NAME, "jury"),
    }
}
