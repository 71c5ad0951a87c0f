//! A generated BPF program, installed with raw syscalls.
//!
//! libseccomp's own load regenerates the program on every call and allocates, so it is
//! neither cheap nor safe between `fork` and `exec` in a threaded program. A [`Program`] is
//! generated once and installed with `prctl` and `seccomp` alone.

use std::io;
use std::os::fd::RawFd;
use std::os::unix::process::CommandExt as _;
use std::process::Command;
use std::sync::Arc;

use crate::error::LoadStep;
use crate::notify::Handoff;
use crate::{
    Abi, Action, Attributes, Endian, Error, Listener, ListenerHandle, NotifyError, Prefix, Result,
};

/// One classic BPF instruction, as the kernel's `struct sock_filter` lays it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Instruction {
    /// Operation code.
    pub code: u16,
    /// Jump offset if true.
    pub jt: u8,
    /// Jump offset if false.
    pub jf: u8,
    /// Operand.
    pub k: u32,
}

/// Size of one [`Instruction`] in bytes.
const INSTRUCTION_SIZE: usize = std::mem::size_of::<Instruction>();

/// A seccomp BPF program with the flags it is installed with; cheap to clone and to
/// install again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    instructions: Arc<[Instruction]>,
    /// The byte order of the program's ABIs, which libseccomp exports it in.
    endian: Endian,
    no_new_privs: bool,
    flags: libc::c_ulong,
    /// This machine's ABI and the action its syscalls would get, when the program has no
    /// section for that ABI and the action stops them: installing it here would be fatal.
    stranded: Option<(Abi, Action)>,
}

impl Program {
    /// The most instructions the kernel takes in one filter (`BPF_MAXINSNS`).
    pub const MAX_LEN: usize = 4096;

    /// A program from BPF bytes as `seccomp_export_bpf` writes them (in the byte order of
    /// the program's ABIs, `endian`), to be installed with `attributes`' flags; `None` if
    /// the bytes are not whole instructions.
    pub fn from_bytes(bytes: &[u8], endian: Endian, attributes: Attributes) -> Option<Program> {
        if !bytes.len().is_multiple_of(INSTRUCTION_SIZE) {
            return None;
        }
        let instructions: Vec<Instruction> = bytes
            .chunks_exact(INSTRUCTION_SIZE)
            .map(|raw| {
                let code = [raw[0], raw[1]];
                let k = [raw[4], raw[5], raw[6], raw[7]];
                let (code, k) = match endian {
                    Endian::Little => (u16::from_le_bytes(code), u32::from_le_bytes(k)),
                    Endian::Big => (u16::from_be_bytes(code), u32::from_be_bytes(k)),
                };
                Instruction {
                    code,
                    jt: raw[2],
                    jf: raw[3],
                    k,
                }
            })
            .collect();
        Some(Program::with_endian(&instructions, endian, attributes))
    }

    /// A program made of `instructions`, for this machine, installed with `attributes`'
    /// flags: for tools and tests that build or alter BPF by hand. Nothing checks it until
    /// it is simulated, [verified](Program::verify) or installed.
    pub fn from_instructions(instructions: &[Instruction], attributes: Attributes) -> Program {
        Program::with_endian(instructions, Endian::HOST, attributes)
    }

    pub(crate) fn with_endian(
        instructions: &[Instruction],
        endian: Endian,
        attributes: Attributes,
    ) -> Program {
        let mut flags = 0;
        if attributes.tsync {
            flags |= libc::SECCOMP_FILTER_FLAG_TSYNC;
        }
        if attributes.log {
            flags |= libc::SECCOMP_FILTER_FLAG_LOG;
        }
        if attributes.ssb {
            flags |= libc::SECCOMP_FILTER_FLAG_SPEC_ALLOW;
        }
        Program {
            instructions: instructions.into(),
            endian,
            no_new_privs: attributes.no_new_privs,
            flags,
            stranded: None,
        }
    }

    /// This program with `prefix` in front: the prefix decides what it can from the syscall
    /// number and ABI alone, and every other syscall runs this program as before. The
    /// prefix's ABIs must be of this program's byte order. An empty prefix changes nothing.
    ///
    /// ```
    /// use seccomp_runtime::{errno, Abi, Action, Block, Policy, Prefix, Rule, SeccompData};
    ///
    /// let filter = Policy::new(Action::Errno(errno::EPERM))
    ///     .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::Allow, ["read"])))
    ///     .build()?;
    /// let prefix = Prefix::new()
    ///     .number(Abi::X86_64, 462, Action::Allow) // mseal
    ///     .unknown(Abi::X86_64, Action::Errno(errno::ENOSYS), [0..=335, 424..=462]);
    /// let program = filter.program()?.with_prefix(&prefix)?;
    /// let at = |nr| SeccompData::new(Abi::X86_64, nr, [0; 6]);
    /// assert_eq!(program.simulate(&at(462))?, Action::Allow);
    /// assert_eq!(program.simulate(&at(1000))?, Action::Errno(errno::ENOSYS));
    /// assert_eq!(program.simulate(&at(39))?, Action::Errno(errno::EPERM)); // getpid: default
    /// assert_eq!(program.simulate(&at(0))?, Action::Allow); // read
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::TooLong`] if the prefixed program has more instructions than the kernel
    /// takes ([`Program::MAX_LEN`]).
    pub fn with_prefix(&self, prefix: &Prefix) -> Result<Program> {
        let program = self.prepend(prefix.instructions());
        program.check_length()?;
        Ok(program)
    }

    /// This program with `prefix` run first, falling through to the program: the length
    /// is checked when it is installed.
    pub(crate) fn prepend(&self, prefix: Vec<Instruction>) -> Program {
        if prefix.is_empty() {
            return self.clone();
        }
        let mut instructions = prefix;
        instructions.extend_from_slice(&self.instructions);
        Program {
            instructions: instructions.into(),
            ..self.clone()
        }
    }

    /// Refuse a program the kernel would refuse for its length, with a message that says
    /// what to do; allocates nothing, so that it can run between `fork` and `exec`.
    fn check_length(&self) -> Result<()> {
        match self.instructions.len() {
            len if len > Program::MAX_LEN => Err(Error::TooLong {
                instructions: len,
                limit: Program::MAX_LEN,
            }),
            _ => Ok(()),
        }
    }

    /// Refuse to install where the native ABI is not among `abis` and `bad_arch_action` stops
    /// its syscalls: every syscall after the install, `exit` and `execve` included, would get
    /// that action.
    pub(crate) fn for_abis(mut self, abis: &[Abi], bad_arch_action: Action) -> Program {
        let stops = !matches!(bad_arch_action, Action::Allow | Action::Log);
        self.stranded = Abi::native()
            .filter(|native| stops && !abis.contains(native))
            .map(|native| (native, bad_arch_action));
        self
    }

    /// The instructions.
    pub fn instructions(&self) -> &[Instruction] {
        &self.instructions
    }

    /// The byte order of the program's ABIs; a program is only meant for a kernel of that
    /// byte order.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// The program as the bytes the kernel reads, in the program's byte order, as
    /// `seccomp_export_bpf` writes them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.instructions.len() * INSTRUCTION_SIZE);
        for i in self.instructions.iter() {
            let (code, k) = match self.endian {
                Endian::Little => (i.code.to_le_bytes(), i.k.to_le_bytes()),
                Endian::Big => (i.code.to_be_bytes(), i.k.to_be_bytes()),
            };
            bytes.extend_from_slice(&code);
            bytes.extend_from_slice(&[i.jt, i.jf]);
            bytes.extend_from_slice(&k);
        }
        bytes
    }

    /// Install the program in the calling thread (every thread, with `tsync`): one
    /// `seccomp()` call, after `prctl(PR_SET_NO_NEW_PRIVS)` if the policy asks for it.
    ///
    /// # Errors
    ///
    /// [`Error::Load`] with the step and the kernel's errno, [`Error::ThreadSync`],
    /// [`Error::NativeAbiMissing`] for a program that would stop this process's every
    /// syscall, or [`Error::TooLong`] for a program longer than the kernel takes; in all
    /// cases no filter was installed.
    pub fn install(&self) -> Result<()> {
        match self.install_raw(self.flags)? {
            0 => Ok(()),
            tid => Err(Error::ThreadSync {
                tid: i32::try_from(tid).unwrap_or(i32::MAX),
            }),
        }
    }

    /// Install the program as [`Program::install`] does, with a listener
    /// (`SECCOMP_FILTER_FLAG_NEW_LISTENER`): the returned [`Listener`] answers the syscalls
    /// the program sends with `notify`. The kernel hands out one listener per filter, so
    /// this is the only chance to get it.
    ///
    /// A program whose `notify` rules catch a syscall this thread (or, with `tsync`, another
    /// thread) makes next waits for an answer: receive and answer on a thread that the
    /// program does not stop, or in another process the listener is sent to.
    ///
    /// # Errors
    ///
    /// As [`Program::install`], except that with `tsync` a thread that cannot be
    /// synchronised gives [`Error::Load`] with `ESRCH` (the kernel cannot return both a
    /// thread id and a listener, so `SECCOMP_FILTER_FLAG_TSYNC_ESRCH` is set, Linux 5.7+).
    pub fn install_with_listener(&self) -> Result<Listener> {
        let fd = self.install_raw(listener_flags(self.flags))?;
        let fd = RawFd::try_from(fd).map_err(|_| Error::Load {
            step: LoadStep::Seccomp,
            source: io::Error::from_raw_os_error(libc::EBADF),
        })?;
        // SAFETY: with NEW_LISTENER, seccomp() returned a new fd that nothing else owns.
        Ok(unsafe { Listener::from_raw(fd) })
    }

    /// The install itself: no allocation, so that it can run between `fork` and `exec`.
    /// Returns what `seccomp()` returned: 0, the thread that failed to synchronise, or the
    /// listener.
    fn install_raw(&self, flags: libc::c_ulong) -> Result<i64, Error> {
        if let Some((native, action)) = self.stranded {
            return Err(Error::NativeAbiMissing { native, action });
        }
        // Checked before anything changes, so that too long a program leaves no trace
        // (not even no-new-privs).
        self.check_length()?;
        let load = |step| Error::Load {
            step,
            source: io::Error::last_os_error(),
        };
        if self.no_new_privs {
            // SAFETY: PR_SET_NO_NEW_PRIVS takes plain integers.
            if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
                return Err(load(LoadStep::NoNewPrivs));
            }
        }
        let Ok(len) = u16::try_from(self.instructions.len()) else {
            // Unreachable: `check_length` keeps the length at 4096 or below.
            return Err(Error::TooLong {
                instructions: self.instructions.len(),
                limit: Program::MAX_LEN,
            });
        };
        let fprog = libc::sock_fprog {
            len,
            // The kernel only reads through this pointer; `Instruction` is `sock_filter`.
            filter: self.instructions.as_ptr().cast_mut().cast(),
        };
        // SAFETY: `fprog` points at `len` valid instructions that outlive the call.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                flags,
                &fprog as *const libc::sock_fprog,
            )
        };
        if rc < 0 {
            Err(load(LoadStep::Seccomp))
        } else {
            Ok(rc)
        }
    }

    /// What runs in the child: a child has one thread, so thread sync is dropped.
    fn install_in_child(&self) -> io::Result<()> {
        self.install_raw_in_child(self.flags).map(drop)
    }

    /// As `install_in_child`, with a listener: returns it. No allocation.
    pub(crate) fn install_listener_in_child(&self) -> io::Result<RawFd> {
        let fd = self.install_raw_in_child(listener_flags(self.flags))?;
        RawFd::try_from(fd).map_err(|_| io::Error::from_raw_os_error(libc::EBADF))
    }

    fn install_raw_in_child(&self, flags: libc::c_ulong) -> io::Result<i64> {
        match self.install_raw(flags & !libc::SECCOMP_FILTER_FLAG_TSYNC) {
            Ok(rc) => Ok(rc),
            Err(Error::Load { source, .. }) => Err(source),
            // The child would die at its `execve`, or the kernel would refuse the program
            // with EINVAL; spawn fails instead (std reports it).
            Err(_) => Err(io::Error::from_raw_os_error(libc::EINVAL)),
        }
    }
}

/// `flags` for an install that returns a listener. The kernel returns either a thread id
/// (thread sync failed) or a listener from one call, so with thread sync it wants
/// `SECCOMP_FILTER_FLAG_TSYNC_ESRCH` too, else it refuses with `EINVAL`.
fn listener_flags(flags: libc::c_ulong) -> libc::c_ulong {
    let mut flags = flags | libc::SECCOMP_FILTER_FLAG_NEW_LISTENER;
    if flags & libc::SECCOMP_FILTER_FLAG_TSYNC != 0 {
        flags |= libc::SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
    flags
}

/// Run a [`Command`] under a seccomp filter.
///
/// ```no_run
/// use std::process::Command;
/// use seccomp_runtime::{Action, Block, CommandExt, Policy, Rule, Abi, errno};
///
/// let policy = Policy::new(Action::Allow)
///     .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::Errno(errno::EACCES), ["mkdir", "mkdirat"])));
/// let program = policy.build()?.program()?.clone();
/// let status = Command::new("mkdir").arg("/tmp/denied").seccomp(program).status()?;
/// assert!(!status.success());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait CommandExt {
    /// Install `program` in the child between `fork` and `exec`. The program must allow
    /// `execve` and whatever the program run needs to start. Spawning fails with `EINVAL`
    /// if the program has no block for this machine's ABI and its `bad_arch` action would stop
    /// the child's `execve`.
    fn seccomp(&mut self, program: Program) -> &mut Self;

    /// Install `program` in the child between `fork` and `exec` with a listener, and send
    /// the listener to the parent: the returned [`ListenerHandle`] receives it (one per
    /// spawn). See [`ListenerHandle`] for answering requests while spawning, which a
    /// program that notifies `execve` needs.
    ///
    /// The child sends the listener with one `sendmsg` on a socket that the program lets
    /// through without notification; that exemption stays in the filter: `sendmsg` on the
    /// native ABI with that socket's fd number (1000 or above when the fd limit allows)
    /// is allowed in the child and everything it runs. Keep the handle until spawning
    /// returned: without it the child cannot send the listener and waits for ever at its
    /// first notified syscall.
    ///
    /// # Errors
    ///
    /// [`NotifyError::Kernel`] if the socket pair cannot be made, or (`EOPNOTSUPP`) if this
    /// machine's ABI is unknown.
    fn seccomp_with_listener(&mut self, program: Program) -> Result<ListenerHandle, NotifyError>;
}

impl CommandExt for Command {
    fn seccomp(&mut self, program: Program) -> &mut Self {
        // SAFETY: the closure only makes the prctl and seccomp syscalls, reads memory that
        // was allocated before the fork, and allocates nothing: it is async-signal-safe.
        unsafe { self.pre_exec(move || program.install_in_child()) }
    }

    fn seccomp_with_listener(&mut self, program: Program) -> Result<ListenerHandle, NotifyError> {
        let (handoff, handle) = Handoff::new(&program)?;
        // SAFETY: the closure makes the prctl, seccomp and sendmsg syscalls on memory that
        // was allocated before the fork (or is on its stack), and allocates nothing.
        unsafe { self.pre_exec(move || handoff.in_child()) };
        Ok(handle)
    }
}
