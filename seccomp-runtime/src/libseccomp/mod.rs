//! The libseccomp back end: one filter per ABI built with exact rule adds, merged into one,
//! exported, and what each ABI's filter holds.

#[cfg(feature = "libseccomp")]
pub(crate) mod build;
#[cfg(feature = "libseccomp")]
mod convert;
#[cfg(feature = "libseccomp")]
pub(crate) mod export;
#[cfg(feature = "libseccomp")]
pub(crate) mod filter;
pub(crate) mod merge_bug;
pub(crate) mod summary;
