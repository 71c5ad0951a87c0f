//! `record`'s machinery: run a command under a filter that notifies every syscall, count
//! what it makes, and write that as a policy.
//!
//! [`supervise`] runs the command and answers its syscalls, filling a
//! [`Recording`](recording::Recording); [`args`] says which argument of a syscall
//! `--args` keeps; [`merge()`] adds an earlier policy to a recording; [`render()`] writes the recording as a policy file or a `seccomp_policy! { ... }`.

pub mod args;
pub mod merge;
pub mod recording;
pub mod render;
pub mod supervise;

pub use merge::merge;
pub use render::{describe, render, Format};
pub use supervise::record;
