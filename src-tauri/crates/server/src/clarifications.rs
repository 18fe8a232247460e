//! Clarifications in the jury core: what a team may ask and read, and the
//! jury's answers and announcements. Text is checked here once for every
//! adapter (team API, CLI, console).

use floorjudge_proto::team::{ClarificationInfo, MAX_CLARIFICATION_CHARS};
use floorjudge_store::{Clarification, NewClarification, Store, StoreError};

/// A clarification that cannot be stored.
#[derive(Debug, thiserror::Error)]
pub enum ClarificationError {
    /// Refused, with the reason.
    #[error("{0}")]
    Refused(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The text, trimmed; refused when empty, too long or holding control
/// characters other than line breaks and tabs.
pub fn checked_text(text: &str) -> Result<String, ClarificationError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ClarificationError::Refused(
            "a clarification needs some text".into(),
        ));
    }
    let n = t.chars().count();
    if n > MAX_CLARIFICATION_CHARS {
        return Err(ClarificationError::Refused(format!(
            "{n} characters: a clarification holds at most {MAX_CLARIFICATION_CHARS}"
        )));
    }
    if let Some(c) = t
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err(ClarificationError::Refused(format!(
            "the text holds the control character U+{:04X}",
            c as u32
        )));
    }
    Ok(t.to_owned())
}

/// The problem id for `key` (an id or a label), if the contest has it.
fn problem_id(store: &Store, key: &str) -> Result<String, ClarificationError> {
    match store.problem(key) {
        Ok(p) => Ok(p.id),
        Err(StoreError::NotFound { .. }) => Err(ClarificationError::Refused(format!(
            "no problem {:?} in this contest",
            key.chars().take(40).collect::<String>()
        ))),
        Err(e) => Err(e.into()),
    }
}

/// `team` asks the jury, about `problem` or in general. Before the start,
/// only general questions: the problems are not public yet.
pub fn ask(
    store: &mut Store,
    team: &str,
    problem: Option<&str>,
    text: &str,
    problems_public: bool,
    now: i64,
) -> Result<Clarification, ClarificationError> {
    let text = checked_text(text)?;
    let problem_id = match problem {
        Some(_) if !problems_public => {
            return Err(ClarificationError::Refused(
                "the problems are not public before the start: ask a general question".into(),
            ));
        }
        Some(p) => Some(problem_id(store, p)?),
        None => None,
    };
    Ok(store.add_clarification(&NewClarification {
        from_team_id: Some(team.to_owned()),
        to_team_id: None,
        reply_to_id: None,
        problem_id,
        text,
        at_ms: now,
        author: format!("team:{team}"),
    })?)
}

/// The jury answers clarification `id`: to the team that asked, or to
/// everyone.
pub fn answer(
    store: &mut Store,
    id: i64,
    text: &str,
    to_everyone: bool,
    actor: &str,
    now: i64,
) -> Result<Clarification, ClarificationError> {
    let text = checked_text(text)?;
    let Some(question) = store.clarification(id)? else {
        return Err(ClarificationError::Refused(format!(
            "no clarification {id}"
        )));
    };
    let to_team_id = if to_everyone {
        None
    } else {
        match question.from_team_id {
            Some(t) => Some(t),
            None => {
                return Err(ClarificationError::Refused(format!(
                    "clarification {id} was written by the jury: answer a team's question, or use --to-all"
                )));
            }
        }
    };
    Ok(store.add_clarification(&NewClarification {
        from_team_id: None,
        to_team_id,
        reply_to_id: Some(id),
        problem_id: question.problem_id,
        text,
        at_ms: now,
        author: actor.to_owned(),
    })?)
}

/// The jury tells every team, about `problem` or in general.
pub fn announce(
    store: &mut Store,
    text: &str,
    problem: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<Clarification, ClarificationError> {
    let text = checked_text(text)?;
    let problem_id = problem.map(|p| problem_id(store, p)).transpose()?;
    Ok(store.add_clarification(&NewClarification {
        from_team_id: None,
        to_team_id: None,
        reply_to_id: None,
        problem_id,
        text,
        at_ms: now,
        author: actor.to_owned(),
    })?)
}

/// What `team` reads of `c`: problems by label.
pub fn team_view(
    store: &Store,
    team: &str,
    c: &Clarification,
) -> Result<ClarificationInfo, StoreError> {
    let problem = match &c.problem_id {
        Some(p) => Some(store.problem(p)?.label),
        None => None,
    };
    Ok(ClarificationInfo {
        id: c.id,
        from_us: c.from_team_id.as_deref() == Some(team),
        to_everyone: c.from_team_id.is_none() && c.to_team_id.is_none(),
        reply_to_id: c.reply_to_id,
        problem,
        text: c.text.clone(),
        time_ms: c.at_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(checked_text("  is n ≤ 10⁹?\n").unwrap(), "is n ≤ 10⁹?");
        assert!(checked_text(" \n ").is_err());
        assert!(checked_text(&"x".repeat(MAX_CLARIFICATION_CHARS + 1)).is_err());
        assert!(checked_text(&"é".repeat(MAX_CLARIFICATION_CHARS)).is_ok());
        let e = checked_text("hi\x1b[2J").unwrap_err().to_string();
        assert!(e.contains("U+001B"), "{e}");
        assert!(checked_text("line one\nline two\ttab").is_ok());
    }
}
