//! libseccomp before 2.6.1 merges two rules that compare one argument, one of them with
//! an ordering, into a filter weaker than either (see `Violation::MisbuiltByLibseccomp`).
//! Whether that bites depends on the library that builds the filter, so it is asked here,
//! in the back end, and never by the checks themselves.

/// The installed libseccomp's version, if it has the comparison merge bug.
#[cfg(feature = "libseccomp")]
pub(crate) fn installed() -> Option<String> {
    let v = libseccomp::ScmpVersion::current().ok()?;
    ((v.major, v.minor, v.micro) < (2, 6, 1))
        .then(|| format!("{}.{}.{}", v.major, v.minor, v.micro))
}

/// Without libseccomp nothing here builds a filter, so nothing can be misbuilt.
#[cfg(not(feature = "libseccomp"))]
pub(crate) fn installed() -> Option<String> {
    None
}
