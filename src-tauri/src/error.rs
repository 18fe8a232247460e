//! What a failed command tells the window: `{code, message}`.

use floorjudge_team::{AgentError, ClientError};
use serde::Serialize;

/// A command's failure as the UI receives it: a stable code to branch on
/// and a sentence to show as it is.
#[derive(Debug, Clone, Serialize, thiserror::Error)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[error("{message} ({code})")]
pub struct CommandError {
    /// `unreachable`, `invalid`, or the jury's refusal code
    /// (`bad_password`, `already_bound`, `unknown_address`, …).
    pub code: String,
    /// What went wrong and what to do, in plain words.
    pub message: String,
}

impl CommandError {
    /// A failure with `code`.
    pub fn new(code: &str, message: impl Into<String>) -> CommandError {
        CommandError {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl From<AgentError> for CommandError {
    fn from(e: AgentError) -> CommandError {
        match &e {
            AgentError::Jury(ClientError::Refused { error, .. }) => {
                CommandError::new(&error.error, error.message.clone())
            }
            AgentError::Jury(ClientError::Transport { .. }) => CommandError::new(
                "unreachable",
                "the jury cannot be reached right now; your work is kept and sent when it is back",
            ),
            AgentError::Invalid(_) | AgentError::File { .. } => {
                CommandError::new("invalid", e.to_string())
            }
            _ => CommandError::new("kiosk", e.to_string()),
        }
    }
}

impl From<floorjudge_console::ConsoleError> for CommandError {
    fn from(e: floorjudge_console::ConsoleError) -> CommandError {
        use floorjudge_console::ConsoleError;
        match e {
            ConsoleError::Refused { code, message } => CommandError::new(&code, message),
            ConsoleError::Unreachable { .. } => CommandError::new("unreachable", e.to_string()),
            _ => CommandError::new("console", e.to_string()),
        }
    }
}
