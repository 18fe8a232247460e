//! Text from peers (team and file names, login names, validator messages)
//! made safe to print on a terminal: a control character could otherwise
//! move the cursor, recolour or rewrite what a jury member reads.

use std::borrow::Cow;

/// `text` with every control character (C0, DEL, C1: escape sequences,
/// carriage returns, newlines, tabs) written as a visible escape such as
/// `\x1b` or `\n`; unchanged when it has none.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else {
                    out.push_str(&format!("\\u{{{n:x}}}"));
                }
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn control_characters_become_visible_and_the_rest_stays() {
        assert_eq!(printable("Team Ünïcode 42"), "Team Ünïcode 42");
        assert_eq!(
            printable("evil\x1b[2J\x1b[31mteam\rok\n\tx\u{7f}\u{9b}"),
            "evil\\x1b[2J\\x1b[31mteam\\rok\\n\\tx\\x7f\\x9b"
        );
    }
}
