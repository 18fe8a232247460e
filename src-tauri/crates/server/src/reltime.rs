//! CLICS time formats: RELTIME durations (`5:00:00`) and absolute times
//! (`2014-06-25T10:00:00+01`).

use chrono::DateTime;

/// Parses a CLICS RELTIME (`[-]h:mm:ss[.uuu]`) into whole seconds (rounded down).
pub fn parse_reltime(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let bad = || format!("{text:?} is not a duration of the form h:mm:ss");
    let parts: Vec<&str> = body.split(':').collect();
    let [h, m, s] = parts.as_slice() else {
        return Err(bad());
    };
    let h: i64 = h.parse().map_err(|_| bad())?;
    let m: i64 = m.parse().map_err(|_| bad())?;
    let s: f64 = s.parse().map_err(|_| bad())?;
    if h < 0 || !(0..60).contains(&m) || !(0.0..60.0).contains(&s) {
        return Err(bad());
    }
    let secs = h
        .checked_mul(3600)
        .and_then(|v| v.checked_add(m * 60 + s as i64))
        .ok_or_else(bad)?;
    Ok(if neg { -secs } else { secs })
}

/// Formats seconds as `h:mm:ss`.
pub fn format_reltime(secs: i64) -> String {
    let sign = if secs < 0 { "-" } else { "" };
    let s = secs.unsigned_abs();
    format!("{sign}{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Formats milliseconds as a CLICS RELTIME with milliseconds
/// (`[-]h:mm:ss.uuu`), as the Contest API writes contest times.
pub fn format_reltime_ms(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let m = ms.unsigned_abs();
    format!(
        "{sign}{}:{:02}:{:02}.{:03}",
        m / 3_600_000,
        m / 60_000 % 60,
        m / 1000 % 60,
        m % 1000
    )
}

/// Parses an ISO 8601 time with offset (`Z`, `+01`, `+0100` or `+01:00`) into
/// ms since the Unix epoch.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let bad = || format!("{text:?} is not a time like 2026-11-23T10:00:00+01:00");
    // Normalise the offset to +hh:mm so RFC 3339 parsing accepts it.
    let normalised = if t.ends_with('Z') || t.ends_with('z') {
        t.to_owned()
    } else {
        let cut = t.rfind(['+', '-']).filter(|&i| i > 10).ok_or_else(bad)?;
        let (base, off) = t.split_at(cut);
        let digits: String = off[1..].chars().filter(|c| *c != ':').collect();
        let off = match digits.len() {
            2 => format!("{}{}:00", &off[..1], digits),
            4 => format!("{}{}:{}", &off[..1], &digits[..2], &digits[2..]),
            _ => return Err(bad()),
        };
        format!("{base}{off}")
    };
    DateTime::parse_from_rfc3339(&normalised)
        .map(|d| d.timestamp_millis())
        .map_err(|_| bad())
}

/// Formats ms since the epoch as an RFC 3339 UTC time.
pub fn format_time(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string())
        .unwrap_or_else(|| ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_have_milliseconds_and_a_sign() {
        assert_eq!(format_reltime_ms(0), "0:00:00.000");
        assert_eq!(format_reltime_ms(5 * 3_600_000 + 61_234), "5:01:01.234");
        assert_eq!(format_reltime_ms(-1500), "-0:00:01.500");
    }

    #[test]
    fn reltime_round_trips() {
        assert_eq!(parse_reltime("5:00:00"), Ok(18000));
        assert_eq!(parse_reltime("0:30:00.000"), Ok(1800));
        assert_eq!(parse_reltime("-0:00:05"), Ok(-5));
        assert_eq!(format_reltime(18000), "5:00:00");
        for bad in ["5h", "1:60:00", "1:00", "a:b:c", ""] {
            assert!(parse_reltime(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_with_short_offsets() {
        let a = parse_time("2014-06-25T10:00:00+01").expect("short offset");
        let b = parse_time("2014-06-25T09:00:00Z").expect("zulu");
        let c = parse_time("2014-06-25T10:00:00+0100").expect("compact offset");
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert!(parse_time("yesterday").is_err());
        assert!(
            parse_time("2014-06-25T10:00:00").is_err(),
            "an offset is required"
        );
        assert_eq!(format_time(b), "2014-06-25T09:00:00.000+00:00");
    }
}
