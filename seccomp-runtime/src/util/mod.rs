//! Small helpers that every stage uses and that know nothing of seccomp.

pub(crate) mod hash;
pub(crate) mod ordinal;
pub(crate) mod suggest;
