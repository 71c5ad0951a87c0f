//! `Policy::stacked`, verified against the kernel: in forked children, loading the parts one
//! after another (N filters) and loading their composition (1 filter) must give the same
//! errno, signal or success for every probed syscall, on x86_64 and on x86 (`int 0x80`),
//! and `Seccomp_filters` must rise by N and by 1.

mod support;
#[path = "support/systemd.rs"]
mod systemd;

use libc::{EAFNOSUPPORT, EBADF, EHOSTDOWN, EINVAL, ENOSYS, ENOTTY, EPERM, SIGSYS};

use seccomp_dsl::{arg, errno, Abi, Action, Block, Policy, Program, Rule};
use support::{exited, in_child, seccomp_filters, x86, Outcome, INSTALL_FAILED};

/// i386 numbers (the kernel's syscall_32.tbl).
mod i386 {
    pub const LSEEK: u32 = 19;
    pub const GETPID: u32 = 20;
    pub const GETUID: u32 = 24;
    pub const PTRACE: u32 = 26;
    pub const FCNTL: u32 = 55;
    pub const GETPPID: u32 = 64;
    pub const MMAP: u32 = 90;
    pub const MPROTECT: u32 = 125;
    pub const CLONE: u32 = 120;
    pub const MMAP2: u32 = 192;
    pub const UNSHARE: u32 = 310;
    pub const SETNS: u32 = 346;
    pub const CLONE3: u32 = 435;
}

/// A syscall to probe: 0 if it succeeded, else its errno.
#[derive(Debug, Clone, Copy)]
enum Call {
    /// An x86_64 syscall with all six arguments set.
    X86_64(i64, [u64; 6]),
    /// An i386 syscall through `int 0x80` (three arguments).
    X86(u32, [u32; 3]),
}

impl Call {
    fn make(self) -> i32 {
        match self {
            Call::X86_64(nr, a) => {
                // SAFETY: the probes pass plain integers and invalid descriptors; calls
                // that would create a process are only probed where they are denied or
                // fail on their flags.
                let ret = unsafe { libc::syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]) };
                if ret == -1 {
                    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
                } else {
                    0
                }
            }
            Call::X86(nr, args) => x86(nr, args),
        }
    }
}

/// The parts' programs and the composition's, generated before any fork.
struct Setup {
    parts: Vec<Program>,
    composed: Program,
}

impl Setup {
    fn new(parts: &[Policy]) -> Setup {
        let program = |policy: &Policy| {
            let filter = policy.build().expect("the policy builds");
            filter.program().expect("the program exports").clone()
        };
        let composed = Policy::stacked(parts.iter().cloned()).expect("the policies compose");
        Setup {
            parts: parts.iter().map(program).collect(),
            composed: program(&composed),
        }
    }

    /// In a child: install `programs` in order, then run `probe`.
    fn under(programs: &[Program], probe: impl FnOnce() -> i32) -> Outcome {
        in_child(|| {
            for program in programs {
                if program.install().is_err() {
                    return INSTALL_FAILED;
                }
            }
            probe()
        })
    }

    /// What `call` gets under the stacked parts, asserted equal to what it gets under the
    /// composition.
    fn outcome(&self, call: Call) -> Outcome {
        let stacked = Setup::under(&self.parts, || call.make());
        let composed = Setup::under(std::slice::from_ref(&self.composed), || call.make());
        assert_eq!(stacked, composed, "{call:?}: stacked vs composed");
        stacked
    }

    fn filters_added(&self) {
        let added = |programs: &[Program]| {
            in_child(|| {
                let before = seccomp_filters(false);
                for program in programs {
                    if program.install().is_err() {
                        return INSTALL_FAILED;
                    }
                }
                seccomp_filters(false) - before
            })
        };
        let n = self.parts.len() as i32;
        assert_eq!(added(&self.parts), exited(n), "the parts add {n} filters");
        assert_eq!(
            added(std::slice::from_ref(&self.composed)),
            exited(1),
            "the composition adds one"
        );
    }
}

/// Three policies whose rules meet on the same syscalls with conditions and actions of
/// every kind of precedence.
fn sample_parts() -> Vec<Policy> {
    let both = [Abi::X86_64, Abi::X86];
    let first = Policy::new(Action::Allow).block(
        Block::new(both)
            .rule(Rule::new(Action::Errno(errno::EHOSTDOWN), ["getuid"]))
            .rule(Rule::new(Action::Errno(errno::EHOSTDOWN), ["lseek"]).when(arg(2).eq(3)))
            .rule(Rule::new(Action::Trap, ["ptrace"])),
    );
    let second = Policy::new(Action::Allow).block(
        Block::new(both)
            .rule(Rule::new(Action::Errno(errno::ENOTTY), ["getuid"]))
            .rule(Rule::new(Action::Errno(errno::ENOTTY), ["fcntl"]).when(arg(1).eq(1)))
            .rule(Rule::new(Action::Log, ["getppid"]).when(arg(0).masked_eq(0xf0, 0x70))),
    );
    let third = Policy::new(Action::Allow).block(
        Block::new(both)
            .rule(Rule::new(Action::KillProcess, ["getppid"]).when(arg(0).eq(7)))
            .rule(Rule::new(Action::Errno(errno::EPERM), ["lseek"]).when(arg(2).gt(5)))
            .rule(Rule::new(Action::Errno(errno::EPERM), ["fcntl"]).when(arg(0).eq(99))),
    );
    vec![first, second, third]
}

fn sample_on_x86_64() {
    let setup = Setup::new(&sample_parts());
    let call = |nr, a: [u64; 3]| setup.outcome(Call::X86_64(nr, [a[0], a[1], a[2], 0, 0, 0]));
    let bad_fd = u64::MAX;
    // The later policy's errno wins a tie.
    assert_eq!(call(libc::SYS_getuid, [0; 3]), exited(ENOTTY));
    assert_eq!(call(libc::SYS_fcntl, [bad_fd, 1, 0]), exited(ENOTTY));
    assert_eq!(call(libc::SYS_fcntl, [bad_fd, 3, 0]), exited(EBADF));
    assert_eq!(call(libc::SYS_fcntl, [99, 1, 0]), exited(EPERM));
    assert_eq!(call(libc::SYS_lseek, [bad_fd, 0, 3]), exited(EHOSTDOWN));
    assert_eq!(call(libc::SYS_lseek, [bad_fd, 0, 6]), exited(EPERM));
    assert_eq!(call(libc::SYS_lseek, [bad_fd, 0, 1]), exited(EBADF));
    assert_eq!(
        call(libc::SYS_getppid, [7, 0, 0]),
        Outcome::Signaled(SIGSYS)
    );
    assert_eq!(call(libc::SYS_getppid, [0x77, 0, 0]), exited(0));
    assert_eq!(call(libc::SYS_getppid, [0, 0, 0]), exited(0));
    assert_eq!(call(libc::SYS_ptrace, [0; 3]), Outcome::Signaled(SIGSYS));
    assert_eq!(call(libc::SYS_getpid, [0; 3]), exited(0));
}

fn sample_on_x86() {
    let setup = Setup::new(&sample_parts());
    let call = |nr, a| setup.outcome(Call::X86(nr, a));
    let bad_fd = u32::MAX;
    assert_eq!(call(i386::GETUID, [0; 3]), exited(ENOTTY));
    assert_eq!(call(i386::FCNTL, [bad_fd, 1, 0]), exited(ENOTTY));
    assert_eq!(call(i386::FCNTL, [bad_fd, 3, 0]), exited(EBADF));
    assert_eq!(call(i386::FCNTL, [99, 1, 0]), exited(EPERM));
    assert_eq!(call(i386::LSEEK, [bad_fd, 0, 3]), exited(EHOSTDOWN));
    assert_eq!(call(i386::LSEEK, [bad_fd, 0, 6]), exited(EPERM));
    assert_eq!(call(i386::LSEEK, [bad_fd, 0, 1]), exited(EBADF));
    assert_eq!(call(i386::GETPPID, [7, 0, 0]), Outcome::Signaled(SIGSYS));
    assert_eq!(call(i386::GETPPID, [0, 0, 0]), exited(0));
    assert_eq!(call(i386::PTRACE, [0; 3]), Outcome::Signaled(SIGSYS));
    assert_eq!(call(i386::GETPID, [0; 3]), exited(0));
}

fn sample_filter_counts() {
    Setup::new(&sample_parts()).filters_added();
}

/// Issue 21, finding 1: a part's `unknown` action applies once stacked, so the composition
/// must keep it. Numbers 1000 (past the table) and 400 (a hole in it) are killed stacked;
/// the composition used to let them through, and the kernel answered ENOSYS.
fn unknown_numbers_on_x86_64() {
    let x86_64 = || Block::new([Abi::X86_64]);
    let killer = Policy::new(Action::Allow)
        .unknown(Action::KillProcess)
        .block(x86_64().rule(Rule::new(Action::Errno(errno::EPERM), ["ptrace"])));
    let mount = Policy::new(Action::Allow)
        .block(x86_64().rule(Rule::new(Action::Errno(errno::EPERM), ["mount"])));
    let setup = Setup::new(&[killer, mount.clone()]);
    let call = |nr| setup.outcome(Call::X86_64(nr, [0; 6]));
    assert_eq!(call(1000), Outcome::Signaled(SIGSYS));
    assert_eq!(call(400), Outcome::Signaled(SIGSYS));
    assert_eq!(call(libc::SYS_mount), exited(EPERM));
    assert_eq!(call(libc::SYS_getpid), exited(0));
    // A deny-by-default part with its own answer for unknown numbers (EHOSTDOWN, told
    // apart from the kernel's ENOSYS): the composition used to answer with the default's
    // EPERM. It allows what loading the next part needs.
    let deny = Policy::new(Action::Errno(errno::EPERM))
        .unknown(Action::Errno(errno::EHOSTDOWN))
        .block(x86_64().rule(Rule::new(
            Action::Allow,
            ["getpid", "exit_group", "prctl", "seccomp"],
        )));
    let setup = Setup::new(&[deny, mount]);
    let call = |nr| setup.outcome(Call::X86_64(nr, [0; 6]));
    assert_eq!(call(1000), exited(EHOSTDOWN));
    assert_eq!(call(400), exited(EHOSTDOWN));
    assert_eq!(call(libc::SYS_getuid), exited(EPERM));
}

fn systemd_on_x86_64() {
    let setup = Setup::new(&systemd::hardening());
    let call = |nr, a: [u64; 6]| setup.outcome(Call::X86_64(nr, a));
    let (w, x) = (systemd::PROT_WRITE, systemd::PROT_EXEC);
    let anon = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64;
    let no_fd = u64::MAX;
    // The allow list.
    assert_eq!(call(libc::SYS_getpid, [0; 6]), exited(0));
    assert_eq!(call(libc::SYS_ptrace, [0; 6]), exited(EPERM));
    // Not in @system_service (a bad magic: it would fail with EINVAL if let through).
    assert_eq!(call(libc::SYS_reboot, [0; 6]), exited(EPERM));
    // W^X: mmap.
    assert_eq!(
        call(libc::SYS_mmap, [0, 4096, w, anon, no_fd, 0]),
        exited(0)
    );
    assert_eq!(
        call(libc::SYS_mmap, [0, 4096, x, anon, no_fd, 0]),
        exited(0)
    );
    assert_eq!(
        call(libc::SYS_mmap, [0, 4096, w | x, anon, no_fd, 0]),
        exited(EPERM)
    );
    assert_eq!(
        call(libc::SYS_mmap, [0, 4096, 7, anon, no_fd, 0]),
        exited(EPERM)
    );
    // mprotect of nothing succeeds when allowed.
    assert_eq!(call(libc::SYS_mprotect, [0, 0, w, 0, 0, 0]), exited(0));
    assert_eq!(call(libc::SYS_mprotect, [0, 0, x, 0, 0, 0]), exited(EPERM));
    assert_eq!(
        call(libc::SYS_pkey_mprotect, [0, 0, x, no_fd, 0, 0]),
        exited(EPERM)
    );
    assert_eq!(
        call(libc::SYS_shmat, [no_fd, 0, 0, 0, 0, 0]),
        exited(EINVAL)
    );
    assert_eq!(
        call(libc::SYS_shmat, [no_fd, 0, systemd::SHM_EXEC, 0, 0, 0]),
        exited(EPERM)
    );
    // Address families; an allowed socket() succeeds (its fd dies with the child).
    let stream = libc::SOCK_STREAM as u64;
    assert_eq!(
        call(libc::SYS_socket, [libc::AF_UNIX as u64, stream, 0, 0, 0, 0]),
        exited(0)
    );
    assert_eq!(
        call(
            libc::SYS_socket,
            [libc::AF_INET6 as u64, stream, 0, 0, 0, 0]
        ),
        exited(0)
    );
    for family in [
        libc::AF_NETLINK as u64,
        libc::AF_PACKET as u64,
        0,
        0x1_0000_0011,
    ] {
        assert_eq!(
            call(libc::SYS_socket, [family, stream, 0, 0, 0, 0]),
            exited(EAFNOSUPPORT)
        );
    }
    // Namespaces; an allowed clone with CLONE_SIGHAND but not CLONE_VM fails on its flags.
    assert_eq!(call(libc::SYS_unshare, [0; 6]), exited(0));
    for flag in [libc::CLONE_NEWUSER, libc::CLONE_NEWNET, libc::CLONE_NEWNS] {
        assert_eq!(
            call(libc::SYS_unshare, [flag as u64, 0, 0, 0, 0, 0]),
            exited(EPERM)
        );
        let flags = (flag | libc::CLONE_SIGHAND) as u64;
        assert_eq!(call(libc::SYS_clone, [flags, 0, 0, 0, 0, 0]), exited(EPERM));
    }
    let sighand = libc::CLONE_SIGHAND as u64;
    assert_eq!(
        call(libc::SYS_clone, [sighand, 0, 0, 0, 0, 0]),
        exited(EINVAL)
    );
    assert_eq!(call(libc::SYS_setns, [no_fd, 0, 0, 0, 0, 0]), exited(EPERM));
    assert_eq!(call(libc::SYS_clone3, [0; 6]), exited(ENOSYS));
}

fn systemd_on_x86() {
    let setup = Setup::new(&systemd::hardening());
    let call = |nr, a| setup.outcome(Call::X86(nr, a));
    let (w, x) = (systemd::PROT_WRITE as u32, systemd::PROT_EXEC as u32);
    assert_eq!(call(i386::GETPID, [0; 3]), exited(0));
    assert_eq!(call(i386::PTRACE, [0; 3]), exited(EPERM));
    assert_eq!(call(i386::MPROTECT, [0, 0, w]), exited(0));
    assert_eq!(call(i386::MPROTECT, [0, 0, x]), exited(EPERM));
    // mmap2's other arguments are not set by the probe: only denials are deterministic.
    assert_eq!(call(i386::MMAP2, [0, 4096, w | x]), exited(EPERM));
    assert_eq!(call(i386::MMAP, [0; 3]), exited(EPERM));
    assert_eq!(call(i386::UNSHARE, [0; 3]), exited(0));
    assert_eq!(
        call(i386::UNSHARE, [libc::CLONE_NEWUSER as u32, 0, 0]),
        exited(EPERM)
    );
    let sighand = libc::CLONE_SIGHAND as u32;
    assert_eq!(
        call(i386::CLONE, [sighand | libc::CLONE_NEWPID as u32, 0, 0]),
        exited(EPERM)
    );
    assert_eq!(call(i386::CLONE, [sighand, 0, 0]), exited(EINVAL));
    assert_eq!(call(i386::SETNS, [u32::MAX, 0, 0]), exited(EPERM));
    assert_eq!(call(i386::CLONE3, [0; 3]), exited(ENOSYS));
}

fn systemd_filter_counts() {
    Setup::new(&systemd::hardening()).filters_added();
}

/// The composition of the four is one policy the checks accept, within the kernel's limit
/// for one filter.
fn systemd_composition_is_one_small_filter() {
    let parts = systemd::hardening();
    let composed = Policy::stacked(parts.clone()).expect("the policies compose");
    assert!(composed.violations().is_empty());
    let length = |p: &Policy| p.build().unwrap().program().unwrap().instructions().len();
    let parts_total: usize = parts.iter().map(length).sum();
    let one = length(&composed);
    eprintln!("systemd: 4 filters of {parts_total} instructions in all, composed {one}");
    assert!(one < 4096, "one filter holds at most 4096 instructions");
}

fn main() {
    support::run(&[
        ("sample_on_x86_64", sample_on_x86_64),
        ("sample_on_x86", sample_on_x86),
        ("sample_filter_counts", sample_filter_counts),
        ("unknown_numbers_on_x86_64", unknown_numbers_on_x86_64),
        ("systemd_on_x86_64", systemd_on_x86_64),
        ("systemd_on_x86", systemd_on_x86),
        ("systemd_filter_counts", systemd_filter_counts),
        (
            "systemd_composition_is_one_small_filter",
            systemd_composition_is_one_small_filter,
        ),
    ]);
}
