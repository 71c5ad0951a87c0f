//! The io_uring hole, verified against the kernel: under a policy that denies `openat` but
//! lets the program set up a ring, `openat` fails with EPERM while `IORING_OP_OPENAT`
//! submitted through the ring opens the file, because the ring never runs seccomp. The
//! check refuses that policy unless it says `io_uring = unfiltered;`, and denying
//! `io_uring_setup` (the way out) leaves no ring to submit to.
//!
//! The ring is driven with raw `io_uring_setup`/`io_uring_enter` and mmap'd rings (the
//! layout of the kernel's `include/uapi/linux/io_uring.h`), so no liburing is needed.

mod support;

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::ptr;
use std::sync::atomic::{AtomicU32, Ordering};

use seccomp_dsl::{errno, seccomp_policy, Abi, Action, Block, Error, IoUring, Policy, Rule};
use seccomp_dsl::{Violation, Violations};
use support::{exited, under};

/// `IORING_OP_OPENAT` in `enum io_uring_op`.
const IORING_OP_OPENAT: u8 = 18;
const IORING_OFF_SQ_RING: i64 = 0;
const IORING_OFF_CQ_RING: i64 = 0x800_0000;
const IORING_OFF_SQES: i64 = 0x1000_0000;
const IORING_ENTER_GETEVENTS: u32 = 1;

/// `struct io_sqring_offsets`.
#[repr(C)]
#[derive(Default)]
struct SqOffsets {
    head: u32,
    tail: u32,
    ring_mask: u32,
    ring_entries: u32,
    flags: u32,
    dropped: u32,
    array: u32,
    resv1: u32,
    user_addr: u64,
}

/// `struct io_cqring_offsets`.
#[repr(C)]
#[derive(Default)]
struct CqOffsets {
    head: u32,
    tail: u32,
    ring_mask: u32,
    ring_entries: u32,
    overflow: u32,
    cqes: u32,
    flags: u32,
    resv1: u32,
    user_addr: u64,
}

/// `struct io_uring_params`.
#[repr(C)]
#[derive(Default)]
struct Params {
    sq_entries: u32,
    cq_entries: u32,
    flags: u32,
    sq_thread_cpu: u32,
    sq_thread_idle: u32,
    features: u32,
    wq_fd: u32,
    resv: [u32; 3],
    sq_off: SqOffsets,
    cq_off: CqOffsets,
}

/// `struct io_uring_sqe`, with the fields `IORING_OP_OPENAT` reads named for it.
#[repr(C)]
#[derive(Default)]
struct Sqe {
    opcode: u8,
    flags: u8,
    ioprio: u16,
    /// The directory file descriptor.
    fd: i32,
    off: u64,
    /// The path.
    addr: u64,
    /// The mode.
    len: u32,
    /// The open flags.
    open_flags: u32,
    user_data: u64,
    buf_index: u16,
    personality: u16,
    file_index: u32,
    addr3: u64,
    pad: u64,
}

/// `struct io_uring_cqe`.
#[repr(C)]
struct Cqe {
    user_data: u64,
    res: i32,
    flags: u32,
}

/// Exit codes of the probe, each naming the step that went otherwise.
mod step {
    pub const OPENAT_NOT_DENIED: i32 = 10;
    pub const SETUP_FAILED: i32 = 20;
    pub const MMAP_FAILED: i32 = 21;
    pub const ENTER_FAILED: i32 = 22;
    pub const NO_COMPLETION: i32 = 23;
    pub const RING_OPEN_FAILED: i32 = 24;
    pub const WRONG_CONTENT: i32 = 25;
}

const CONTENT: &[u8] = b"read through a ring that seccomp never saw\n";

fn map(fd: i32, len: usize, offset: i64) -> *mut u8 {
    // SAFETY: a shared mapping of the ring's fd at one of the offsets the kernel defines.
    let at = unsafe {
        libc::mmap(
            ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_POPULATE,
            fd,
            offset,
        )
    };
    if at == libc::MAP_FAILED {
        ptr::null_mut()
    } else {
        at.cast()
    }
}

/// Open `path` with `IORING_OP_OPENAT` through a new ring: the fd, or a negative errno,
/// or `Err(step)` if the ring itself failed.
fn ring_openat(path: &CString) -> Result<i32, i32> {
    let mut params = Params::default();
    // SAFETY: io_uring_setup(entries, params) with a valid out pointer.
    let ring = unsafe { libc::syscall(libc::SYS_io_uring_setup, 1u32, &mut params) } as i32;
    if ring < 0 {
        return Err(step::SETUP_FAILED);
    }
    let sq_len = params.sq_off.array as usize + params.sq_entries as usize * 4;
    let cq_len = params.cq_off.cqes as usize + params.cq_entries as usize * size_of::<Cqe>();
    let sq = map(ring, sq_len, IORING_OFF_SQ_RING);
    let cq = map(ring, cq_len, IORING_OFF_CQ_RING);
    let sqes = map(
        ring,
        params.sq_entries as usize * size_of::<Sqe>(),
        IORING_OFF_SQES,
    );
    if sq.is_null() || cq.is_null() || sqes.is_null() {
        return Err(step::MMAP_FAILED);
    }
    // SAFETY: every offset is the kernel's, inside the mappings just made; the head and
    // tail words are shared with the kernel, hence atomics with acquire/release.
    unsafe {
        let word = |base: *mut u8, offset: u32| &*base.add(offset as usize).cast::<AtomicU32>();
        let sq_tail = word(sq, params.sq_off.tail);
        let mask = *sq.add(params.sq_off.ring_mask as usize).cast::<u32>();
        let tail = sq_tail.load(Ordering::Relaxed);
        sqes.cast::<Sqe>().write(Sqe {
            opcode: IORING_OP_OPENAT,
            fd: libc::AT_FDCWD,
            addr: path.as_ptr() as u64,
            open_flags: (libc::O_RDONLY | libc::O_CLOEXEC) as u32,
            user_data: 7,
            ..Sqe::default()
        });
        let array = sq.add(params.sq_off.array as usize).cast::<u32>();
        *array.add((tail & mask) as usize) = 0;
        sq_tail.store(tail.wrapping_add(1), Ordering::Release);
        let entered = libc::syscall(
            libc::SYS_io_uring_enter,
            ring,
            1u32,
            1u32,
            IORING_ENTER_GETEVENTS,
            ptr::null::<u8>(),
            0usize,
        );
        if entered < 0 {
            return Err(step::ENTER_FAILED);
        }
        let cq_head = word(cq, params.cq_off.head);
        let cq_tail = word(cq, params.cq_off.tail);
        let head = cq_head.load(Ordering::Relaxed);
        if cq_tail.load(Ordering::Acquire) == head {
            return Err(step::NO_COMPLETION);
        }
        let cq_mask = *cq.add(params.cq_off.ring_mask as usize).cast::<u32>();
        let cqe = &*cq
            .add(params.cq_off.cqes as usize)
            .cast::<Cqe>()
            .add((head & cq_mask) as usize);
        let res = cqe.res;
        cq_head.store(head.wrapping_add(1), Ordering::Release);
        Ok(res)
    }
}

/// In the child: `openat` is denied, the ring opens the file anyway and it reads back.
fn probe(path: &CString) -> i32 {
    // SAFETY: openat with a NUL-terminated path.
    let direct = unsafe {
        libc::syscall(
            libc::SYS_openat,
            libc::AT_FDCWD,
            path.as_ptr(),
            libc::O_RDONLY,
        )
    };
    if direct != -1 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EPERM) {
        return step::OPENAT_NOT_DENIED;
    }
    let fd = match ring_openat(path) {
        Ok(fd) if fd >= 0 => fd,
        Ok(_) => return step::RING_OPEN_FAILED,
        Err(step) => return step,
    };
    let mut buf = [0u8; 64];
    // SAFETY: reads into a buffer of the given length.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    match usize::try_from(n) {
        Ok(n) if &buf[..n] == CONTENT => 0,
        _ => step::WRONG_CONTENT,
    }
}

/// A file to open, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str) -> TempFile {
        let path = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        std::fs::write(&path, CONTENT).expect("the test file is written");
        TempFile(path)
    }

    fn c_path(&self) -> CString {
        CString::new(self.0.as_os_str().as_bytes()).expect("no NUL in a temp path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Deny `openat`, allow the rest, ring included.
fn denies_openat() -> Policy {
    Policy::new(Action::Allow)
        .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::Errno(errno::EPERM), ["openat"])))
}

fn the_check_refuses_the_policy() {
    let policy = denies_openat();
    let violations = policy.violations();
    assert!(
        matches!(
            &violations[..],
            [Violation::IoUringBypass { abi: Abi::X86_64, at: None, opcode: "OPENAT", syscall, action }]
                if syscall == "openat" && *action == Some(Action::Errno(errno::EPERM))
        ),
        "{violations:?}"
    );
    match policy.build() {
        Err(Error::Invalid(found)) => {
            assert_eq!(found, Violations::new(violations).unwrap());
        }
        other => panic!("expected Error::Invalid, got {other:?}"),
    }
}

fn the_ring_opens_what_openat_may_not() {
    let file = TempFile::new("seccomp-dsl-io-uring");
    let path = file.c_path();
    // The acknowledgement is the only difference from the refused policy.
    let policy = seccomp_policy! {
        default allow;
        io_uring = unfiltered;
        abi x86_64 {
            errno(EPERM) openat;
        }
    };
    assert_eq!(policy, denies_openat().io_uring(IoUring::Unfiltered));
    assert_eq!(under(&policy, || probe(&path)), exited(0));
}

fn denying_io_uring_setup_leaves_no_ring() {
    let file = TempFile::new("seccomp-dsl-no-ring");
    let path = file.c_path();
    let policy = seccomp_policy! {
        default allow;
        abi x86_64 {
            errno(EPERM) openat, io_uring_setup;
        }
    };
    assert_eq!(policy.violations(), []);
    assert_eq!(under(&policy, || probe(&path)), exited(step::SETUP_FAILED));
}

fn main() {
    support::run(&[
        ("the_check_refuses_the_policy", the_check_refuses_the_policy),
        (
            "the_ring_opens_what_openat_may_not",
            the_ring_opens_what_openat_may_not,
        ),
        (
            "denying_io_uring_setup_leaves_no_ring",
            denying_io_uring_setup_leaves_no_ring,
        ),
    ]);
}
