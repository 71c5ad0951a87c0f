//! Run a command in a sandbox: it may read and run programs, but not write to the file
//! system's names (create, remove, rename, link; a file it opens without `O_CREAT` it may
//! still write; `O_CREAT` is refused even for a file that exists, as a shell's `>` asks
//! for), open network sockets, or trace anything.
//! The filter is built once in the parent and installed in the child between `fork` and
//! `exec`; the parent stays unfiltered.
//!
//! ```sh
//! cargo run --example sandbox -- ls /
//! cargo run --example sandbox -- mkdir /tmp/nope      # mkdir: ... Permission denied
//! cargo run --example sandbox -- python3 -c 'import socket; socket.socket()'
//! ```

use std::process::{Command, ExitCode};

use seccomp_dsl::{seccomp_policy, CommandExt};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(program) = args.next() else {
        eprintln!("usage: sandbox COMMAND [ARGS...]");
        return ExitCode::FAILURE;
    };

    let policy = seccomp_policy! {
        default allow;

        abi x86_64, x32 {
            errno(EACCES) mkdir, mkdirat, rmdir, unlink, unlinkat, rename, renameat, renameat2,
                link, linkat, symlink, symlinkat, mknod, mknodat;
            errno(EAFNOSUPPORT) socket, socketpair;
            // Creating a name through open: creat always does, open and openat with O_CREAT;
            // openat2's flags are in a struct a filter cannot read (ENOSYS: callers fall back).
            errno(EACCES) creat;
            errno(EACCES) open if arg1 & libc::O_CREAT == libc::O_CREAT;
            errno(EACCES) openat if arg2 & libc::O_CREAT == libc::O_CREAT;
            errno(ENOSYS) openat2;
            kill_process ptrace, process_vm_writev;
            // A ring's operations pass no filter: it would mkdirat, unlinkat and socket
            // unseen. ENOSYS, so that programs fall back to plain syscalls.
            errno(ENOSYS) io_uring_setup, io_uring_enter, io_uring_register;
        }
        abi x86 {
            errno(EACCES) mkdir, mkdirat, rmdir, unlink, unlinkat, rename, renameat, renameat2,
                link, linkat, symlink, symlinkat, mknod, mknodat;
            errno(EAFNOSUPPORT) socket, socketpair, socketcall;
            // Creating a name through open: creat always does, open and openat with O_CREAT;
            // openat2's flags are in a struct a filter cannot read (ENOSYS: callers fall back).
            errno(EACCES) creat;
            errno(EACCES) open if arg1 & libc::O_CREAT == libc::O_CREAT;
            errno(EACCES) openat if arg2 & libc::O_CREAT == libc::O_CREAT;
            errno(ENOSYS) openat2;
            kill_process ptrace, process_vm_writev;
            // A ring's operations pass no filter: it would mkdirat, unlinkat and socket
            // unseen. ENOSYS, so that programs fall back to plain syscalls.
            errno(ENOSYS) io_uring_setup, io_uring_enter, io_uring_register;
        }
    };
    let filter = match policy.build() {
        Ok(filter) => filter,
        Err(e) => {
            eprintln!("sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    let bpf = match filter.program() {
        Ok(bpf) => bpf.clone(),
        Err(e) => {
            eprintln!("sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };

    match Command::new(&program).args(args).seccomp(bpf).status() {
        Ok(status) => {
            eprintln!("sandbox: {program} exited with {status}");
            ExitCode::from(status.code().map_or(128, |code| code as u8))
        }
        Err(e) => {
            eprintln!("sandbox: cannot run {program}: {e}");
            ExitCode::FAILURE
        }
    }
}
