//! Getting a child's listener to its parent.
//!
//! The filter is installed in the child between `fork` and `exec`, so the listener is
//! born there. The child sends it over a `SOCK_SEQPACKET` socket pair with `SCM_RIGHTS`.
//!
//! Why this design: once the child's filter is installed, its next syscall may be a
//! `notify` one (for a recorder, every one is), and it blocks until the listener answers,
//! while the listener is still in the child: the child could never send it. So the program
//! installed in the child gets a short prefix that allows exactly one call without asking:
//! `sendmsg` on the native ABI whose first argument is the child's end of the socket pair.
//! The alternative, the parent taking the fd with `pidfd_getfd` at a number the child
//! predicts, has no such exemption but needs ptrace rights over the child (refused by Yama
//! scope 2+ and by the default container profiles) and a retry loop, since nothing tells
//! the parent when the fd exists.
//!
//! The limit this leaves: in the child and everything it runs, `sendmsg` on that fd number
//! is allowed by the filter without notification, for the filter's whole life. The
//! socket's end is closed at `exec` (close-on-exec), and it is moved to a high fd number
//! (about 1000) so that a program is unlikely to reuse it.

use std::io;
use std::mem;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use super::{Listener, NotifyError, NotifyOp};
use crate::bpf::program::{Instruction, Program};
use crate::model::abi::Abi;

/// Receives the listeners of children spawned with
/// [`CommandExt::seccomp_with_listener`](crate::CommandExt::seccomp_with_listener): one
/// per spawn, in the order the children installed their filters.
///
/// [`Command::spawn`](std::process::Command::spawn) returns only once the child's `execve`
/// completed, and with a filter that notifies `execve` (or anything the child does before
/// it) that needs an answer from the listener: call [`recv`](ListenerHandle::recv) and
/// answer requests on another thread while spawning.
///
/// ```no_run
/// use std::process::Command;
/// use seccomp_runtime::{Abi, Action, Block, CommandExt, Policy, Readiness};
///
/// let policy = Policy::new(Action::Notify).block(Block::new([Abi::X86_64]));
/// let program = policy.build()?.program()?.clone();
/// let mut command = Command::new("true");
/// let handle = command.seccomp_with_listener(program)?;
/// let supervisor = std::thread::spawn(move || -> Result<usize, seccomp_runtime::NotifyError> {
///     let listener = handle.recv()?;
///     let mut seen = 0;
///     // Until no process uses the filter any more.
///     while listener.poll(None)? == Readiness::Pending {
///         match listener.recv() {
///             Ok(request) => {
///                 seen += 1;
///                 match listener.respond_continue(&request) {
///                     Err(e) if !e.is_target_gone() => return Err(e),
///                     _ => {}
///                 }
///             }
///             Err(e) if e.is_target_gone() => {}
///             Err(e) => return Err(e),
///         }
///     }
///     Ok(seen)
/// });
/// let status = command.status()?;
/// assert!(status.success());
/// println!("{} syscalls", supervisor.join().unwrap()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ListenerHandle {
    socket: OwnedFd,
}

impl ListenerHandle {
    /// Wait for the next child's listener.
    ///
    /// # Errors
    ///
    /// [`NotifyError::ChildInstall`] if the child could not install its filter (spawn then
    /// fails too), [`NotifyError::NoListener`] once no child can send one (the child died
    /// before installing, and the `Command` was dropped), [`NotifyError::Kernel`] if
    /// receiving fails.
    pub fn recv(&self) -> Result<Listener, NotifyError> {
        let mut payload: i32 = 0;
        let mut iov = libc::iovec {
            iov_base: (&mut payload as *mut i32).cast(),
            iov_len: mem::size_of::<i32>(),
        };
        let mut control = ControlBuffer::new();
        // SAFETY: a zeroed msghdr is a valid empty one; its pointers are set below.
        let mut msg: libc::msghdr = unsafe { mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr();
        msg.msg_controllen = control_len();
        let n = loop {
            // SAFETY: `msg` points at buffers that live for the call.
            let n =
                unsafe { libc::recvmsg(self.socket.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
            if n >= 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                break n;
            }
        };
        if n < 0 {
            return Err(NotifyError::last(NotifyOp::Handoff, 0));
        }
        // SAFETY: `msg` was filled in by recvmsg; the control buffer outlives `fd`'s use.
        let fd = unsafe { received_fd(&msg) };
        if n == 0 && fd.is_none() {
            return Err(NotifyError::NoListener);
        }
        match (payload, fd) {
            (0, Some(fd)) => Ok(Listener::from(fd)),
            (errno, _) if errno != 0 => Err(NotifyError::ChildInstall {
                source: io::Error::from_raw_os_error(errno),
            }),
            _ => Err(NotifyError::Kernel {
                op: NotifyOp::Handoff,
                source: io::Error::from_raw_os_error(libc::EBADMSG),
            }),
        }
    }
}

impl AsFd for ListenerHandle {
    /// The parent's end of the hand-over socket: readable when a listener arrived.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

/// The first file descriptor (`SCM_RIGHTS`) in a received message, now owned.
///
/// # Safety
///
/// `msg` must have been filled in by `recvmsg`.
unsafe fn received_fd(msg: &libc::msghdr) -> Option<OwnedFd> {
    // SAFETY: the CMSG macros walk the control buffer recvmsg filled in.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(msg);
        if cmsg.is_null()
            || (*cmsg).cmsg_level != libc::SOL_SOCKET
            || (*cmsg).cmsg_type != libc::SCM_RIGHTS
        {
            return None;
        }
        let fd: RawFd = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast());
        Some(OwnedFd::from_raw_fd(fd))
    }
}

/// Room for one `cmsghdr` carrying one fd, aligned as a `cmsghdr`.
#[repr(C)]
union ControlBuffer {
    _align: libc::cmsghdr,
    bytes: [u8; 64],
}

impl ControlBuffer {
    fn new() -> ControlBuffer {
        ControlBuffer { bytes: [0; 64] }
    }

    fn as_mut_ptr(&mut self) -> *mut libc::c_void {
        (self as *mut ControlBuffer).cast()
    }
}

/// `CMSG_SPACE` of one fd, as `msg_controllen` wants it.
fn control_len() -> usize {
    // SAFETY: CMSG_SPACE is arithmetic.
    unsafe { libc::CMSG_SPACE(mem::size_of::<RawFd>() as u32) as usize }
}

/// What the child's pre-exec hook holds: the program with its `sendmsg` exemption and the
/// child's end of the socket pair. Everything is allocated before the fork.
#[derive(Debug)]
pub(crate) struct Handoff {
    program: Program,
    socket: OwnedFd,
}

/// The lowest fd number the child's end of the socket pair is moved to, when the fd limit
/// allows: high enough that the programs a child runs rarely get that number.
const HIGH_FD: libc::c_int = 1000;

impl Handoff {
    /// A socket pair, the parent's [`ListenerHandle`] and the child's side.
    pub(crate) fn new(program: &Program) -> Result<(Handoff, ListenerHandle), NotifyError> {
        let failed = |source| NotifyError::Kernel {
            op: NotifyOp::Handoff,
            source,
        };
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two fds.
        if unsafe {
            libc::socketpair(
                libc::AF_UNIX,
                libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
                0,
                fds.as_mut_ptr(),
            )
        } != 0
        {
            return Err(failed(io::Error::last_os_error()));
        }
        // SAFETY: socketpair just returned these two fds, owned by nothing else.
        let (parent, child) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let child = move_high(child);
        let exemption = sendmsg_exemption(child.as_raw_fd())
            .ok_or_else(|| failed(io::Error::from_raw_os_error(libc::EOPNOTSUPP)))?;
        Ok((
            Handoff {
                program: program.prepend(exemption),
                socket: child,
            },
            ListenerHandle { socket: parent },
        ))
    }

    /// In the child, between `fork` and `exec`: install the program with a listener and
    /// send the listener (or the errno of the failed install) to the parent. No allocation.
    pub(crate) fn in_child(&self) -> io::Result<()> {
        match self.program.install_listener_in_child() {
            Ok(listener) => send(self.socket.as_raw_fd(), 0, Some(listener)),
            Err(e) => {
                // The parent's recv reports it; spawn reports it too, from the return value.
                let _ = send(
                    self.socket.as_raw_fd(),
                    e.raw_os_error().unwrap_or(libc::EINVAL),
                    None,
                );
                Err(e)
            }
        }
    }
}

/// `fd` moved to [`HIGH_FD`] or above (close-on-exec), or `fd` itself if the limit is lower.
fn move_high(fd: OwnedFd) -> OwnedFd {
    // SAFETY: F_DUPFD_CLOEXEC on a valid fd returns a new fd or -1.
    let high = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, HIGH_FD) };
    if high < 0 {
        return fd;
    }
    // SAFETY: fcntl just returned this fd, owned by nothing else; `fd` is dropped.
    unsafe { OwnedFd::from_raw_fd(high) }
}

/// BPF that allows `sendmsg(socket, ...)` on the native ABI and falls through to the next
/// instruction for everything else. `None` where the native ABI is unknown.
fn sendmsg_exemption(socket: RawFd) -> Option<Vec<Instruction>> {
    const LD_ABS_W: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
    const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    const RET_K: u16 = 0x06; // BPF_RET | BPF_K
    const NR: u32 = 0;
    const ARCH: u32 = 4;
    const ARG0: u32 = 16;
    // The 64-bit argument is read as two words, low word first on little-endian.
    let (low, high) = if cfg!(target_endian = "little") {
        (ARG0, ARG0 + 4)
    } else {
        (ARG0 + 4, ARG0)
    };
    let arch = Abi::native()?.audit_arch();
    let nr = u32::try_from(libc::SYS_sendmsg).ok()?;
    let socket = u32::try_from(socket).ok()?;
    let ld = |k| Instruction {
        code: LD_ABS_W,
        jt: 0,
        jf: 0,
        k,
    };
    // On a mismatch, jump past the prefix: instruction 9 is the program's first.
    let jeq = |k, at: u8| Instruction {
        code: JEQ_K,
        jt: 0,
        jf: 8 - at,
        k,
    };
    Some(vec![
        ld(ARCH),
        jeq(arch, 1),
        ld(NR),
        jeq(nr, 3),
        ld(low),
        jeq(socket, 5),
        ld(high),
        jeq(0, 7),
        Instruction {
            code: RET_K,
            jt: 0,
            jf: 0,
            k: libc::SECCOMP_RET_ALLOW,
        },
    ])
}

/// Send `errno` and maybe `fd` as one message; raw `sendmsg` (never `socketcall`), as the
/// exemption expects. No allocation.
fn send(socket: RawFd, errno: i32, fd: Option<RawFd>) -> io::Result<()> {
    let mut payload = errno;
    let mut iov = libc::iovec {
        iov_base: (&mut payload as *mut i32).cast(),
        iov_len: mem::size_of::<i32>(),
    };
    let mut control = ControlBuffer::new();
    // SAFETY: a zeroed msghdr is a valid empty one; its pointers are set below.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if let Some(fd) = fd {
        msg.msg_control = control.as_mut_ptr();
        msg.msg_controllen = control_len();
        // SAFETY: the control buffer has room for one cmsghdr with one fd (CMSG_SPACE).
        unsafe {
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            (*cmsg).cmsg_level = libc::SOL_SOCKET;
            (*cmsg).cmsg_type = libc::SCM_RIGHTS;
            (*cmsg).cmsg_len = libc::CMSG_LEN(mem::size_of::<RawFd>() as u32) as _;
            std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<RawFd>(), fd);
        }
    }
    loop {
        // SAFETY: `msg` points at buffers that live for the call.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_sendmsg,
                socket,
                &msg as *const libc::msghdr,
                libc::MSG_NOSIGNAL,
            )
        };
        if rc >= 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

// The test builds its program with libseccomp.
#[cfg(all(test, feature = "libseccomp"))]
mod tests {
    use super::*;
    use crate::model::action::Action;
    use crate::model::policy::{Block, Policy};
    use crate::simulate::SeccompData;

    /// The exemption lets exactly `sendmsg(socket, ...)` on the native ABI through; every
    /// other call, `sendmsg` on another fd or ABI included, gets the program's action.
    #[test]
    fn the_exemption_is_one_fd_of_one_syscall_on_one_abi() {
        let Some(native) = Abi::native() else { return };
        let policy = Policy::new(Action::Notify).block(Block::new([native]));
        let filter = policy.build().unwrap();
        let socket = 1003;
        let program = filter
            .program()
            .unwrap()
            .prepend(sendmsg_exemption(socket).unwrap());
        let sendmsg = |abi, fd: u64| {
            let data = SeccompData::syscall(abi, "sendmsg", [fd, 0, 0, 0, 0, 0]).unwrap();
            program.simulate(&data).unwrap()
        };
        assert_eq!(sendmsg(native, 1003), Action::Allow);
        assert_eq!(sendmsg(native, 1002), Action::Notify);
        assert_eq!(sendmsg(native, 1003 | 1 << 32), Action::Notify);
        let write = SeccompData::syscall(native, "write", [1003, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!(program.simulate(&write).unwrap(), Action::Notify);
        if native == Abi::X86_64 {
            // x32 shares x86_64's AUDIT_ARCH; its numbers differ (and its filter section
            // is absent here, so it gets the `bad_arch` action, not the exemption).
            assert_ne!(sendmsg(Abi::X32, 1003), Action::Allow);
        }
    }
}
