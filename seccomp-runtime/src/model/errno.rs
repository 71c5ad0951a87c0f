//! Errno values by name, as the target's C library defines them.
//!
//! The numbers come from `libc` for the target being compiled (errno values differ between
//! architectures, e.g. on MIPS), which is why generated code names them here rather than
//! spelling out numbers decided on the build host.

macro_rules! errno_table {
    ($($name:ident)*) => {
        $(
            #[doc = concat!("`", stringify!($name), "` on the target.")]
            pub const $name: i32 = libc::$name;
        )*

        /// Every errno name this module knows, with its value on the target.
        pub const ALL: &[(&str, i32)] = &[$((stringify!($name), libc::$name)),*];
    };
}

errno_table! {
    EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD EAGAIN ENOMEM EACCES EFAULT
    ENOTBLK EBUSY EEXIST EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE EMFILE ENOTTY ETXTBSY EFBIG
    ENOSPC ESPIPE EROFS EMLINK EPIPE EDOM ERANGE EDEADLK ENAMETOOLONG ENOLCK ENOSYS ENOTEMPTY
    ELOOP EWOULDBLOCK ENOMSG EIDRM ECHRNG EL2NSYNC EL3HLT EL3RST ELNRNG EUNATCH ENOCSI EL2HLT
    EBADE EBADR EXFULL ENOANO EBADRQC EBADSLT EDEADLOCK EBFONT ENOSTR ENODATA ETIME ENOSR ENONET
    ENOPKG EREMOTE ENOLINK EADV ESRMNT ECOMM EPROTO EMULTIHOP EDOTDOT EBADMSG EOVERFLOW ENOTUNIQ
    EBADFD EREMCHG ELIBACC ELIBBAD ELIBSCN ELIBMAX ELIBEXEC EILSEQ ERESTART ESTRPIPE EUSERS
    ENOTSOCK EDESTADDRREQ EMSGSIZE EPROTOTYPE ENOPROTOOPT EPROTONOSUPPORT ESOCKTNOSUPPORT
    EOPNOTSUPP ENOTSUP EPFNOSUPPORT EAFNOSUPPORT EADDRINUSE EADDRNOTAVAIL ENETDOWN ENETUNREACH
    ENETRESET ECONNABORTED ECONNRESET ENOBUFS EISCONN ENOTCONN ESHUTDOWN ETOOMANYREFS ETIMEDOUT
    ECONNREFUSED EHOSTDOWN EHOSTUNREACH EALREADY EINPROGRESS ESTALE EUCLEAN ENOTNAM ENAVAIL
    EISNAM EREMOTEIO EDQUOT ENOMEDIUM EMEDIUMTYPE ECANCELED ENOKEY EKEYEXPIRED EKEYREVOKED
    EKEYREJECTED EOWNERDEAD ENOTRECOVERABLE ERFKILL EHWPOISON
}

/// The largest errno an `errno(E)` action can return: the kernel reads 12 bits.
pub const MAX: i32 = 4095;

/// The value of the errno called `name` (`"EPERM"`).
///
/// ```
/// use seccomp_runtime::errno;
/// assert_eq!(errno::by_name("EPERM"), Ok(libc::EPERM));
/// assert_eq!(
///     errno::by_name("EPRM").unwrap_err().to_string(),
///     "unknown errno `EPRM`; did you mean `EPERM`?"
/// );
/// ```
///
/// # Errors
///
/// [`UnknownErrno`], with the nearest name if one is close.
pub fn by_name(name: &str) -> Result<i32, UnknownErrno> {
    match ALL.iter().find(|(n, _)| *n == name) {
        Some(&(_, value)) => Ok(value),
        None => Err(UnknownErrno {
            name: name.to_owned(),
            suggestion: crate::util::suggest::nearest(name, ALL.iter().map(|(n, _)| *n)),
        }),
    }
}

/// The first name of errno `value` (`EAGAIN` rather than `EWOULDBLOCK`), if it has one.
pub fn name(value: i32) -> Option<&'static str> {
    ALL.iter().find(|&&(_, v)| v == value).map(|&(n, _)| n)
}

/// The error of naming an errno that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown errno `{name}`{}", crate::util::suggest::did_you_mean(*.suggestion))]
pub struct UnknownErrno {
    /// The name given.
    pub name: String,
    /// The nearest known name, if one is close.
    pub suggestion: Option<&'static str>,
}
