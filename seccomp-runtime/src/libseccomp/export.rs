//! Exporting a libseccomp filter into memory.
//!
//! libseccomp 2.5 exports only to a file descriptor, so the export goes through an
//! anonymous memory file: it needs `memfd_create`, `write` (libseccomp's), `lseek` and
//! `read`, which an earlier filter may deny. Each failure says which of them failed, so
//! that the error can name it.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd};

/// Why an export failed: a syscall of the export itself, or libseccomp.
#[derive(Debug)]
pub(crate) enum ExportFailure {
    /// One of the syscalls the export makes around libseccomp failed.
    Syscall(&'static str, io::Error),
    /// libseccomp failed to generate or to write the program.
    Libseccomp(io::Error),
}

/// Run `export` on a fresh memory file and return what it wrote.
pub(crate) fn to_memory<E>(
    export: impl FnOnce(BorrowedFd<'_>) -> Result<(), E>,
) -> Result<Vec<u8>, ExportFailure>
where
    E: Into<io::Error>,
{
    let failed = |syscall| move |e| ExportFailure::Syscall(syscall, e);
    // SAFETY: the name is a valid C string and the flags are valid.
    let fd = unsafe { libc::memfd_create(c"seccomp-export".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(ExportFailure::Syscall(
            "memfd_create",
            io::Error::last_os_error(),
        ));
    }
    // SAFETY: `fd` was just created and nothing else owns it.
    let mut file = unsafe { File::from_raw_fd(fd) };
    // libseccomp writes after generating the program, and its error does not say whether
    // generating or writing failed: an empty write first tells a denied `write` apart.
    // SAFETY: a zero-length write reads nothing through the pointer.
    if unsafe { libc::write(file.as_raw_fd(), c"".as_ptr().cast(), 0) } < 0 {
        return Err(failed("write")(io::Error::last_os_error()));
    }
    export(std::os::fd::AsFd::as_fd(&file)).map_err(|e| ExportFailure::Libseccomp(e.into()))?;
    file.seek(SeekFrom::Start(0)).map_err(failed("lseek"))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(failed("read"))?;
    Ok(bytes)
}
