//! One module per subcommand.

pub mod check;
pub mod diff;
pub mod explain;
pub mod export;
pub mod run;
