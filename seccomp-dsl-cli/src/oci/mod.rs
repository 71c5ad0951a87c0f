//! OCI runtime-spec and Docker seccomp profiles: `seccomp-dsl export --format oci` and
//! `seccomp-dsl import`.

pub mod arch;
pub mod enosys;
pub mod export;
pub mod import;
pub mod profile;
pub mod rules;

#[cfg(test)]
mod round_trip;
#[cfg(test)]
mod runc_model;
