//! Output validation: Kattis's default validator (token comparison with
//! optional case, whitespace and float tolerance rules), and the calling
//! convention of custom validators.

/// Exit code of a custom validator that accepts.
pub const EXIT_ACCEPT: i32 = 42;
/// Exit code of a custom validator that rejects.
pub const EXIT_WRONG_ANSWER: i32 = 43;

/// Options of the default validator (Kattis `validator_flags`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DefaultValidatorFlags {
    /// Letters must match in case.
    pub case_sensitive: bool,
    /// Whitespace must match exactly.
    pub space_change_sensitive: bool,
    /// Accept numbers within this absolute error.
    pub float_absolute_tolerance: Option<f64>,
    /// Accept numbers within this relative error.
    pub float_relative_tolerance: Option<f64>,
}

impl DefaultValidatorFlags {
    /// Parses `validator_flags`, e.g. `float_tolerance 1e-6 case_sensitive`.
    pub fn parse(flags: &str) -> Result<Self, String> {
        let mut out = Self::default();
        let mut words = flags.split_whitespace();
        while let Some(w) = words.next() {
            let mut number = |name: &str| -> Result<f64, String> {
                let v = words
                    .next()
                    .ok_or_else(|| format!("validator flag {name} needs a number"))?;
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x >= 0.0)
                    .ok_or_else(|| format!("validator flag {name}: {v:?} is not a tolerance"))
            };
            match w {
                "case_sensitive" => out.case_sensitive = true,
                "space_change_sensitive" => out.space_change_sensitive = true,
                "float_tolerance" => {
                    let t = number(w)?;
                    out.float_absolute_tolerance = Some(t);
                    out.float_relative_tolerance = Some(t);
                }
                "float_absolute_tolerance" => out.float_absolute_tolerance = Some(number(w)?),
                "float_relative_tolerance" => out.float_relative_tolerance = Some(number(w)?),
                other => return Err(format!("unknown default validator flag {other:?}")),
            }
        }
        Ok(out)
    }

    fn has_tolerance(&self) -> bool {
        self.float_absolute_tolerance.is_some() || self.float_relative_tolerance.is_some()
    }
}

fn parse_number(token: &str) -> Option<f64> {
    let t = token.to_ascii_lowercase();
    match t.trim_start_matches(['+', '-']) {
        "inf" | "infinity" | "nan" => return t.parse::<f64>().ok(),
        _ => {}
    }
    // Only plain decimal notation (no hex, no underscores).
    if !t
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-'))
    {
        return None;
    }
    t.parse::<f64>().ok()
}

fn numbers_match(answer: f64, team: f64, flags: &DefaultValidatorFlags) -> bool {
    if answer.is_nan() || team.is_nan() {
        return answer.is_nan() && team.is_nan();
    }
    if answer.is_infinite() || team.is_infinite() {
        return answer == team;
    }
    let diff = (answer - team).abs();
    flags.float_absolute_tolerance.is_some_and(|t| diff <= t)
        || flags
            .float_relative_tolerance
            .is_some_and(|t| diff <= t * answer.abs())
}

fn tokens_match(answer: &str, team: &str, flags: &DefaultValidatorFlags) -> bool {
    if flags.has_tolerance()
        && let Some(a) = parse_number(answer)
    {
        return parse_number(team).is_some_and(|t| numbers_match(a, t, flags));
    }
    if flags.case_sensitive {
        answer == team
    } else {
        answer.eq_ignore_ascii_case(team) || answer.to_lowercase() == team.to_lowercase()
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_owned()
    }
}

/// Splits into alternating whitespace and word runs (for space-sensitive mode).
fn runs(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<bool> = None;
    for (i, c) in s.char_indices() {
        let ws = c.is_whitespace();
        if prev.is_some_and(|p| p != ws) {
            out.push(&s[start..i]);
            start = i;
        }
        prev = Some(ws);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// Kattis's default validator: `Ok(())` accepts, `Err(message)` is a wrong answer.
pub fn default_validate(
    answer: &[u8],
    team: &[u8],
    flags: &DefaultValidatorFlags,
) -> Result<(), String> {
    let answer = String::from_utf8_lossy(answer);
    let team = String::from_utf8_lossy(team);
    if flags.space_change_sensitive {
        let (a, t) = (runs(&answer), runs(&team));
        for (i, (x, y)) in a.iter().zip(&t).enumerate() {
            let ws = x.starts_with(char::is_whitespace);
            let same = if ws {
                x == y
            } else {
                tokens_match(x, y, flags)
            };
            if !same {
                return Err(format!(
                    "{} {} differs: expected {:?}, got {:?}",
                    if ws { "whitespace run" } else { "token" },
                    i / 2 + 1,
                    shorten(x),
                    shorten(y)
                ));
            }
        }
        return match a.len().cmp(&t.len()) {
            std::cmp::Ordering::Equal => Ok(()),
            std::cmp::Ordering::Greater => Err("team output ends too early".into()),
            std::cmp::Ordering::Less => Err("team output has trailing output".into()),
        };
    }
    let mut a = answer.split_whitespace();
    let mut t = team.split_whitespace();
    let mut n = 0;
    loop {
        n += 1;
        match (a.next(), t.next()) {
            (None, None) => return Ok(()),
            (Some(x), None) => {
                return Err(format!(
                    "team output ends before token {n} (expected {:?})",
                    shorten(x)
                ));
            }
            (None, Some(y)) => {
                return Err(format!("trailing output from token {n}: {:?}", shorten(y)));
            }
            (Some(x), Some(y)) if !tokens_match(x, y, flags) => {
                return Err(format!(
                    "token {n} differs: expected {:?}, got {:?}",
                    shorten(x),
                    shorten(y)
                ));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(answer: &str, team: &str, flags: &str) -> Result<(), String> {
        default_validate(
            answer.as_bytes(),
            team.as_bytes(),
            &DefaultValidatorFlags::parse(flags).expect("flags"),
        )
    }

    #[test]
    fn tokens_ignore_whitespace_and_case_by_default() {
        assert!(check("Hello World\n", "hello   world", "").is_ok());
        assert!(check("Hello World\n", "Hello\nWorld\n\n", "").is_ok());
        assert!(check("Hello World", "hello world", "case_sensitive").is_err());
        assert!(check("1 2", "1 2 3", "").unwrap_err().contains("trailing"));
        assert!(
            check("1 2 3", "1 2", "")
                .unwrap_err()
                .contains("ends before")
        );
        assert!(check("1 2", "1 3", "").unwrap_err().contains("token 2"));
    }

    #[test]
    fn space_change_sensitive_compares_whitespace() {
        assert!(check("a b\n", "a b\n", "space_change_sensitive").is_ok());
        assert!(check("a b\n", "a  b\n", "space_change_sensitive").is_err());
        assert!(check("a b\n", "a b", "space_change_sensitive").is_err());
    }

    #[test]
    fn float_tolerances() {
        assert!(check("3.14159", "3.1416", "float_tolerance 1e-4").is_ok());
        assert!(check("3.14159", "3.15", "float_tolerance 1e-4").is_err());
        assert!(check("1000000", "1000001", "float_relative_tolerance 1e-5").is_ok());
        assert!(check("0.0314", "3.14e-2", "float_absolute_tolerance 1e-9").is_ok());
        assert!(check("inf -inf nan", "Inf -INF NaN", "float_tolerance 1e-6").is_ok());
        assert!(check("inf", "1e308", "float_tolerance 1e-6").is_err());
        assert!(check("1.5", "abc", "float_tolerance 1e-6").is_err());
        assert!(
            check("1.5", "1.5000001", "").is_err(),
            "no tolerance: exact tokens"
        );
        assert!(DefaultValidatorFlags::parse("float_tolerance").is_err());
        assert!(DefaultValidatorFlags::parse("fuzzy").is_err());
    }
}
