//! The policy model: ABIs, actions, errnos, argument conditions, rules, blocks and the
//! policy that holds them, as plain data. Nothing here builds, checks or loads a filter;
//! the stages that do (`check`, `decide`, `libseccomp`, `bpf`) read the model.

pub(crate) mod abi;
pub(crate) mod action;
pub(crate) mod condition;
pub mod errno;
pub(crate) mod policy;
pub(crate) mod rule;
mod text;
