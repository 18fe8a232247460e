//! Job tokens: the jury's signed statement "judging J of submission S is
//! leased to judgehost H under lease N until T". A result counts only with a
//! token that verifies and still matches the lease in the store.

use ring::hmac;

/// What a job token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobClaims {
    /// The judging.
    pub judging_id: i64,
    /// The judgehost it is leased to.
    pub judgehost_id: i64,
    /// The submission.
    pub submission_id: i64,
    /// Expiry, ms since the epoch.
    pub expires_ms: i64,
    /// The lease's random nonce.
    pub nonce: String,
}

fn payload(c: &JobClaims) -> String {
    format!(
        "{}.{}.{}.{}.{}",
        c.judging_id, c.judgehost_id, c.submission_id, c.expires_ms, c.nonce
    )
}

/// Signs the claims into a token.
pub fn mint(key: &hmac::Key, claims: &JobClaims) -> String {
    let p = payload(claims);
    let tag = hmac::sign(key, p.as_bytes());
    format!("{p}.{}", hex::encode(tag.as_ref()))
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token.
    #[error("malformed job token")]
    Malformed,
    /// The signature does not verify.
    #[error("job token signature does not verify")]
    Forged,
    /// Past its expiry.
    #[error("job token expired")]
    Expired,
}

/// Verifies a token and returns its claims.
pub fn verify(key: &hmac::Key, token: &str, now_ms: i64) -> Result<JobClaims, TokenError> {
    if token.len() > 300 {
        return Err(TokenError::Malformed);
    }
    let (p, mac) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
    let tag = hex::decode(mac).map_err(|_| TokenError::Malformed)?;
    hmac::verify(key, p.as_bytes(), &tag).map_err(|_| TokenError::Forged)?;
    let parts: Vec<&str> = p.split('.').collect();
    let [j, h, s, e, n] = parts.as_slice() else {
        return Err(TokenError::Malformed);
    };
    let num = |x: &str| x.parse::<i64>().map_err(|_| TokenError::Malformed);
    let claims = JobClaims {
        judging_id: num(j)?,
        judgehost_id: num(h)?,
        submission_id: num(s)?,
        expires_ms: num(e)?,
        nonce: (*n).to_owned(),
    };
    if claims.expires_ms < now_ms {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_and_refuse_tampering() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"k");
        let c = JobClaims {
            judging_id: 7,
            judgehost_id: 2,
            submission_id: 5,
            expires_ms: 1000,
            nonce: "ab".into(),
        };
        let t = mint(&key, &c);
        assert_eq!(verify(&key, &t, 999), Ok(c.clone()));
        assert_eq!(verify(&key, &t, 1001), Err(TokenError::Expired));
        let tampered = t.replacen("7.2", "7.3", 1);
        assert_eq!(verify(&key, &tampered, 0), Err(TokenError::Forged));
        let other = hmac::Key::new(hmac::HMAC_SHA256, b"j");
        assert_eq!(verify(&other, &t, 0), Err(TokenError::Forged));
        assert_eq!(verify(&key, "x", 0), Err(TokenError::Malformed));
    }
}
