//! `record`'s machinery.

pub mod args;
pub mod render;
pub mod supervise;
