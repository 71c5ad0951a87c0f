//! Exporting a libseccomp filter into memory.
//!
//! libseccomp 2.5 exports only to a file descriptor, so the export goes through an
//! anonymous memory file.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::fd::{BorrowedFd, FromRawFd};

/// Run `export` on a fresh memory file and return what it wrote.
pub(crate) fn to_memory<E>(
    export: impl FnOnce(BorrowedFd<'_>) -> Result<(), E>,
) -> io::Result<Vec<u8>>
where
    E: Into<io::Error>,
{
    // SAFETY: the name is a valid C string and the flags are valid.
    let fd = unsafe { libc::memfd_create(c"seccomp-export".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just created and nothing else owns it.
    let mut file = unsafe { File::from_raw_fd(fd) };
    export(std::os::fd::AsFd::as_fd(&file)).map_err(Into::into)?;
    file.seek(SeekFrom::Start(0))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}
