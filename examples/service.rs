//! Run a command under systemd's `@system_service` set, the allow list systemd recommends
//! for services, on all three x86-64 ABIs, as one filter installed between `fork` and
//! `exec`. Syscalls outside the set fail with EPERM; syscall numbers newer than the
//! project's syscall table fail with ENOSYS, so that glibc falls back to an older call.
//!
//! ```sh
//! cargo run --example service -- ls -la /
//! cargo run --example service -- sh -c 'echo hi | wc -c'
//! cargo run --example service -- chroot / true  # chroot: ... Operation not permitted
//! ```

use std::process::{Command, ExitCode};

use seccomp_dsl::{seccomp_policy, CommandExt, Policy};

/// What a service may do: `@system_service` less the privileged and resource-control
/// calls, as systemd's `SystemCallFilter=@system-service` + `~@privileged @resources`.
fn policy() -> Policy {
    seccomp_policy! {
        default errno(EPERM);
        unknown errno(ENOSYS);

        abi x86_64, x32 {
            allow @system_service except @privileged, @resources;
        }
        abi x86 {
            allow @system_service except @privileged, @resources;
        }
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(program) = args.next() else {
        eprintln!("usage: service COMMAND [ARGS...]");
        return ExitCode::FAILURE;
    };
    let program_bpf = policy().build().and_then(|filter| {
        if std::env::var_os("SERVICE_SUMMARY").is_some() {
            for abi in filter.summary() {
                eprint!("{abi}");
            }
        }
        filter.program().cloned()
    });
    let bpf = match program_bpf {
        Ok(bpf) => bpf,
        Err(e) => {
            eprintln!("service: {e}");
            return ExitCode::FAILURE;
        }
    };
    match Command::new(&program).args(args).seccomp(bpf).status() {
        // The command's own status, as a shell would report it.
        Ok(status) => ExitCode::from(status.code().map_or(128, |code| code as u8)),
        Err(e) => {
            eprintln!("service: cannot run {program}: {e}");
            ExitCode::FAILURE
        }
    }
}
