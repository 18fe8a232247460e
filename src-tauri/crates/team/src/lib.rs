//! The floorjudge team agent: what runs on a contest workstation.
//!
//! It identifies the team to the jury (by the workstation's address, a
//! one-time password, or a pairing code), keeps each submission in a hidden
//! callback folder under an unguessable name, sends the jury only a
//! reference, and serves the files to the jury's signed callback until the
//! jury acknowledges them. The headless `floorjudge-team` command and the
//! kiosk window both drive [`Agent`].

pub mod agent;
pub mod callback_dir;
pub mod callback_server;
pub mod jury_client;
pub mod watch;

pub use agent::{
    Agent, AgentConfig, AgentError, DEFAULT_CALLBACK_PORT, check_sources, is_unreachable,
    workstation_addresses,
};
pub use callback_dir::CallbackDir;
pub use callback_server::CallbackServer;
pub use jury_client::{ClientError, JuryClient};
