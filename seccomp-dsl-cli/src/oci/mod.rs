//! OCI runtime-spec and Docker seccomp profiles: their model, and a policy to and from
//! one. The `export` and `import` subcommands that use them are in `commands/`.

pub mod arch;
pub mod enosys;
pub mod export;
pub mod import;
pub mod profile;
pub mod resolve;
pub mod rules;

#[cfg(test)]
mod round_trip;
#[cfg(test)]
mod runc_model;
