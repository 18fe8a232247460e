//! Identifiers of contest objects, validated the CLICS way.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest identifier we accept (CLICS asks for at most 36 characters).
pub const MAX_ID_LEN: usize = 36;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError {
    /// The rejected value.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid id {:?}: {}", self.value, self.reason)
    }
}

impl std::error::Error for IdError {}

/// Checks a CLICS identifier: 1 to 36 characters of `A-Z a-z 0-9 _ - .`,
/// not starting with `.` or `-` (so it is safe as a file name and in URLs).
pub fn validate_id(value: &str) -> Result<(), IdError> {
    let fail = |reason| {
        Err(IdError {
            value: value.to_owned(),
            reason,
        })
    };
    if value.is_empty() {
        return fail("it is empty");
    }
    if value.len() > MAX_ID_LEN {
        return fail("it is longer than 36 characters");
    }
    if value.starts_with(['.', '-']) {
        return fail("it starts with '.' or '-'");
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return fail("only letters, digits, '_', '-' and '.' are allowed");
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps an identifier.
            pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                validate_id(&value)?;
                Ok(Self(value))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A team's id (CLICS `team.id`).
    TeamId
);
id_type!(
    /// A problem's id: its package folder name, as in Kattis and CLICS.
    ProblemId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_clics_ids() {
        for ok in ["hello", "A", "team-01", "x_y.z", "447047"] {
            assert!(validate_id(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_unsafe_ids() {
        for bad in [
            "",
            "../etc",
            ".hidden",
            "-x",
            "a b",
            "a/b",
            "ä",
            &"x".repeat(37),
        ] {
            assert!(validate_id(bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<TeamId>("\"a/b\"").is_err());
        assert_eq!(
            serde_json::from_str::<TeamId>("\"t1\"")
                .expect("valid")
                .as_str(),
            "t1"
        );
    }
}
