//! The callback protocol: names, file names and what the jury signs.
//!
//! A kiosk holds each submission's files under a callback name
//! `YYYY-MM-DDThhmmssSSS±zzzz_<32 lowercase hex>`. The jury pulls them with
//! `GET /callback/<name>/<file>` and acknowledges with `DELETE /callback/<name>`,
//! each request signed with the jury's Ed25519 key over
//! [`signed_message`].

use std::fmt;

/// Header with the request time, RFC 3339 in UTC (`2026-11-23T10:00:00.123Z`).
pub const DATE_HEADER: &str = "x-floorjudge-date";
/// Header with the hex Ed25519 signature of [`signed_message`].
pub const SIGNATURE_HEADER: &str = "x-floorjudge-signature";
/// How far a signed request's date may be from the receiver's clock.
pub const MAX_CLOCK_SKEW_MS: i64 = 10 * 60 * 1000;
/// Longest file name in a submission.
pub const MAX_FILE_NAME_LEN: usize = 100;

/// Why a name from a peer was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError {
    /// What kind of name (`callback name`, `file name`, `nonce`).
    pub kind: &'static str,
    /// The value, shortened and escaped for logs.
    pub value: String,
    /// What is wrong.
    pub reason: &'static str,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} {}: {}", self.kind, self.value, self.reason)
    }
}

impl std::error::Error for NameError {}

fn refuse(kind: &'static str, value: &str, reason: &'static str) -> NameError {
    let shown: String = value.chars().take(80).collect();
    NameError {
        kind,
        value: format!("{shown:?}"),
        reason,
    }
}

/// Checks a callback name: `YYYY-MM-DDThhmmssSSS±zzzz_` and 32 lowercase hex digits.
pub fn validate_callback_name(name: &str) -> Result<(), NameError> {
    const KIND: &str = "callback name";
    let b = name.as_bytes();
    if b.len() != 58 {
        return Err(refuse(KIND, name, "it must be 58 characters long"));
    }
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let shape = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..20)
        && (b[20] == b'+' || b[20] == b'-')
        && digits(21..25)
        && b[25] == b'_';
    if !shape {
        return Err(refuse(
            KIND,
            name,
            "it must look like YYYY-MM-DDThhmmssSSS+zzzz_<hex>",
        ));
    }
    if !b[26..]
        .iter()
        .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(refuse(
            KIND,
            name,
            "its token must be 32 lowercase hex digits",
        ));
    }
    Ok(())
}

/// Checks a submitted file name: 1 to 100 characters of `A-Z a-z 0-9 . _ + -`,
/// not starting with `.` or `-`. No paths, no odd bytes.
pub fn validate_file_name(name: &str) -> Result<(), NameError> {
    const KIND: &str = "file name";
    if name.is_empty() {
        return Err(refuse(KIND, name, "it is empty"));
    }
    if name.len() > MAX_FILE_NAME_LEN {
        return Err(refuse(KIND, name, "it is longer than 100 characters"));
    }
    if name.starts_with('.') || name.starts_with('-') {
        return Err(refuse(KIND, name, "it starts with '.' or '-'"));
    }
    if !name
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'+' | b'-'))
    {
        return Err(refuse(
            KIND,
            name,
            "only letters, digits and . _ + - are allowed (no paths, spaces or control bytes)",
        ));
    }
    Ok(())
}

/// Checks a client nonce or other 128-bit token: 32 lowercase hex digits.
pub fn validate_nonce(nonce: &str) -> Result<(), NameError> {
    if nonce.len() != 32
        || !nonce
            .bytes()
            .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(refuse("nonce", nonce, "it must be 32 lowercase hex digits"));
    }
    Ok(())
}

/// Checks a lowercase hex SHA-256.
pub fn validate_sha256(sha: &str) -> Result<(), NameError> {
    if sha.len() != 64 || !sha.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(refuse("sha256", sha, "it must be 64 lowercase hex digits"));
    }
    Ok(())
}

/// The bytes the jury signs for one callback request: the method, the
/// address it connects to (`ip:port`, so a request cannot be replayed
/// against another kiosk), the path and the date header, one per line.
pub fn signed_message(method: &str, target: &str, path: &str, date: &str) -> Vec<u8> {
    format!("{method}\n{target}\n{path}\n{date}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "2026-11-23T101500123+0100_0123456789abcdef0123456789abcdef";

    #[test]
    fn callback_names() {
        assert_eq!(GOOD.len(), 58);
        validate_callback_name(GOOD).unwrap();
        validate_callback_name(&GOOD.replace('+', "-")).unwrap();
        for bad in [
            "",
            "../../etc/passwd",
            &GOOD.to_uppercase(),
            &GOOD.replace('T', "/"),
            &GOOD[..57],
            &format!("{GOOD}0"),
            &GOOD.replace("_0", "/0"),
            &GOOD.replace("f0", "g0"),
        ] {
            assert!(validate_callback_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn file_names() {
        for good in ["a.c", "Main.java", "sol_2.cpp", "x+y.rs", "A-b.py"] {
            validate_file_name(good).unwrap();
        }
        let long = "a".repeat(101);
        for bad in [
            "", ".hidden", "-rf", "../x.c", "a/b.c", "a\\b.c", "a b.c", "a\0.c", "é.c", "a\n.c",
            &long,
        ] {
            let e = validate_file_name(bad).unwrap_err();
            assert_eq!(e.kind, "file name");
        }
    }

    #[test]
    fn nonces_and_hashes() {
        validate_nonce(&"ab".repeat(16)).unwrap();
        assert!(validate_nonce(&"AB".repeat(16)).is_err());
        assert!(validate_nonce("abc").is_err());
        validate_sha256(&"0f".repeat(32)).unwrap();
        assert!(validate_sha256(&"0g".repeat(32)).is_err());
    }

    #[test]
    fn signed_message_binds_every_part() {
        let m = signed_message("GET", "127.0.0.2:8471", "/callback/x/a.c", "d");
        assert_eq!(m, b"GET\n127.0.0.2:8471\n/callback/x/a.c\nd");
        assert_ne!(
            m,
            signed_message("GET", "127.0.0.3:8471", "/callback/x/a.c", "d")
        );
    }
}
