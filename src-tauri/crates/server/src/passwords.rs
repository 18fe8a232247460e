//! Team passwords: generation, the policy for hand-set ones, argon2id hashing.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::{Rng, RngCore};
use thiserror::Error;

/// Characters of generated passwords: no `0 O o 1 l I i`, so a printed sheet
/// cannot be misread.
pub const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
/// Length of generated passwords (31^10 ≈ 2^49.5).
pub const GENERATED_LEN: usize = 10;
/// Shortest password a person may set.
pub const MIN_LEN: usize = 8;
/// Longest password accepted (argon2 input is bounded, and so is our patience).
pub const MAX_LEN: usize = 128;

/// Passwords that are refused whatever their length (compared case-insensitively).
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "12345678",
    "123456789",
    "1234567890",
    "0123456789",
    "87654321",
    "11111111",
    "00000000",
    "12341234",
    "11223344",
    "12121212",
    "qwertyui",
    "qwertyuiop",
    "qwerty12",
    "qwerty123",
    "1q2w3e4r",
    "1qaz2wsx",
    "zaq12wsx",
    "asdfghjk",
    "asdfghjkl",
    "zxcvbnm1",
    "abcd1234",
    "abc12345",
    "abcdefgh",
    "iloveyou",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "basketball",
    "superman",
    "starwars",
    "whatever",
    "trustno1",
    "letmein1",
    "letmein!",
    "welcome1",
    "welcome123",
    "changeme",
    "changeme1",
    "administrator",
    "admin123",
    "root1234",
    "test1234",
    "testtest",
    "secret12",
    "secret123",
    "mypassword",
    "computer",
    "internet",
    "dragon12",
    "monkey12",
    "shadow12",
    "master12",
    "michael1",
    "jennifer",
    "charlie1",
    "hunter22",
    "pokemon1",
    "minecraft",
    "contest1",
    "contest123",
    "domjudge",
    "floorjudge",
    "kattis123",
    "icpc2025",
    "icpc2026",
    "programming",
    "team1234",
];

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    /// Too short.
    #[error("password is too short: at least {MIN_LEN} characters")]
    TooShort,
    /// Too long.
    #[error("password is too long: at most {MAX_LEN} characters")]
    TooLong,
    /// A well-known password.
    #[error("password is one of the most common passwords")]
    Common,
    /// One character repeated, or the team's own name.
    #[error("password is too easy to guess ({0})")]
    Guessable(&'static str),
}

/// Checks a password a person chose for a team (generated ones always pass).
pub fn check_policy(password: &str, team_words: &[&str]) -> Result<(), PolicyError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(PolicyError::TooShort);
    }
    if len > MAX_LEN {
        return Err(PolicyError::TooLong);
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return Err(PolicyError::Common);
    }
    let mut chars = lower.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(PolicyError::Guessable("one character repeated"));
    }
    if team_words
        .iter()
        .any(|w| !w.is_empty() && lower == w.to_lowercase())
    {
        return Err(PolicyError::Guessable("it is the team's name or id"));
    }
    Ok(())
}

/// A new random password from [`ALPHABET`].
pub fn generate() -> String {
    let mut rng = rand::rng();
    (0..GENERATED_LEN)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Hashing failed (it does not, short of memory exhaustion).
#[derive(Debug, Error)]
#[error("cannot hash password: {0}")]
pub struct HashError(String);

/// The argon2id PHC string for a password, with a fresh random salt.
pub fn hash(password: &str) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| HashError(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches a stored PHC hash (false for a malformed hash).
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_use_the_alphabet_and_pass_the_policy() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert_eq!(a.len(), GENERATED_LEN);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)), "{a}");
        assert!(!a.contains(['0', '1', 'o', 'l', 'i', 'O', 'I']));
        check_policy(&a, &[]).expect("generated passwords pass");
    }

    #[test]
    fn policy_refuses_weak_passwords() {
        assert_eq!(check_policy("short", &[]), Err(PolicyError::TooShort));
        assert_eq!(check_policy("Password123", &[]), Err(PolicyError::Common));
        assert_eq!(check_policy("qwertyuiop", &[]), Err(PolicyError::Common));
        assert!(matches!(
            check_policy("aaaaaaaaaa", &[]),
            Err(PolicyError::Guessable(_))
        ));
        assert!(matches!(
            check_policy("TeamRocket", &["teamrocket"]),
            Err(PolicyError::Guessable(_))
        ));
        assert!(check_policy(&"x".repeat(200), &[]).is_err());
        assert!(check_policy("till-wise-under", &[]).is_ok());
    }

    #[test]
    fn hash_verifies_only_the_right_password() {
        let h = hash("correct horse").expect("hash");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify("correct horse", &h));
        assert!(!verify("correct horsf", &h));
        assert!(!verify("correct horse", "not a hash"));
        assert_ne!(h, hash("correct horse").expect("hash"), "salted");
    }
}
