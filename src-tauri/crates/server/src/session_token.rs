//! Split session tokens: `selector.verifier`.
//!
//! The kiosk holds both halves; the store keeps the selector and an
//! HMAC-SHA256 of verifier, team and expiry, so a copy of the database does
//! not yield a working token, and comparing MACs is constant-time.

use floorjudge_store::{IdMode, StoredSession};
use ring::hmac;

/// A fresh token and the row to store for it.
#[derive(Debug)]
pub struct Minted {
    /// What the kiosk gets: `selector.verifier`.
    pub token: String,
    /// What the store keeps.
    pub stored: StoredSession,
}

fn mac_input(verifier: &str, team_id: &str, expires_ms: i64) -> Vec<u8> {
    format!("{verifier}\n{team_id}\n{expires_ms}").into_bytes()
}

/// Makes a token for `team_id`, valid from `ip` until `expires_ms`.
pub fn mint(
    key: &hmac::Key,
    team_id: &str,
    ip: &str,
    mode: IdMode,
    now_ms: i64,
    expires_ms: i64,
) -> Minted {
    let selector = hex::encode(rand::random::<[u8; 12]>());
    let verifier = hex::encode(rand::random::<[u8; 32]>());
    let tag = hmac::sign(key, &mac_input(&verifier, team_id, expires_ms));
    Minted {
        token: format!("{selector}.{verifier}"),
        stored: StoredSession {
            selector,
            team_id: team_id.to_owned(),
            ip: ip.to_owned(),
            mode,
            verifier_mac: hex::encode(tag.as_ref()),
            created_ms: now_ms,
            expires_ms,
        },
    }
}

/// Splits a presented token into selector and verifier, if it has the shape.
pub fn split(token: &str) -> Option<(&str, &str)> {
    let (selector, verifier) = token.split_once('.')?;
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|c| c.is_ascii_hexdigit());
    (hex(selector, 24) && hex(verifier, 64)).then_some((selector, verifier))
}

/// Whether `verifier` belongs to the stored session (constant-time).
pub fn verifier_matches(key: &hmac::Key, stored: &StoredSession, verifier: &str) -> bool {
    let Ok(tag) = hex::decode(&stored.verifier_mac) else {
        return false;
    };
    hmac::verify(
        key,
        &mac_input(verifier, &stored.team_id, stored.expires_ms),
        &tag,
    )
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_only_with_its_own_verifier_team_and_expiry() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"k");
        let m = mint(&key, "t1", "127.0.0.2", IdMode::Ip, 1, 100);
        let (sel, ver) = split(&m.token).unwrap();
        assert_eq!(sel, m.stored.selector);
        assert!(!m.stored.verifier_mac.contains(ver));
        assert!(verifier_matches(&key, &m.stored, ver));
        let other = mint(&key, "t1", "127.0.0.2", IdMode::Ip, 1, 100);
        assert!(!verifier_matches(
            &key,
            &m.stored,
            split(&other.token).unwrap().1
        ));
        let mut moved = m.stored.clone();
        moved.team_id = "t2".into();
        assert!(!verifier_matches(&key, &moved, ver));
        let mut extended = m.stored.clone();
        extended.expires_ms = 10_000;
        assert!(!verifier_matches(&key, &extended, ver));
        let other_key = hmac::Key::new(hmac::HMAC_SHA256, b"j");
        assert!(!verifier_matches(&other_key, &m.stored, ver));
    }

    #[test]
    fn malformed_tokens_do_not_split() {
        for bad in [
            "",
            ".",
            "abc.def",
            &"a".repeat(89),
            &format!("{}.{}", "g".repeat(24), "a".repeat(64)),
        ] {
            assert!(split(bad).is_none(), "{bad:?}");
        }
    }
}
