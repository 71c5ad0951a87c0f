//! Inspect a policy without loading it: what each ABI's filter holds, how big the merged
//! program is, and what it would do to given syscalls, asked of the policy and of the
//! filter's BPF program run in user space.
//!
//! ```sh
//! cargo run --example inspect                       # a few questions about the policy
//! cargo run --example inspect -- x86 openat 0 0 1   # openat(0, 0, O_WRONLY) on x86
//! ```

use std::process::ExitCode;

use seccomp_dsl::{seccomp_policy, Abi, Policy};

fn policy() -> Policy {
    seccomp_policy! {
        default errno(EPERM);
        allow exit_group, rt_sigreturn;
        allow read, write, close;

        abi x86_64, x32 {
            allow openat if arg2 & libc::O_ACCMODE == libc::O_RDONLY;
            allow fcntl if arg1 == libc::F_GETFL;
            kill_process ptrace;
        }
        abi x86 {
            allow openat if arg2 & libc::O_ACCMODE == libc::O_RDONLY;
            allow fcntl64 if arg1 == libc::F_GETFL;
            allow socketcall;
        }
    }
}

/// (ABI, syscall, arguments) to ask about when none are given.
fn questions() -> Vec<(Abi, &'static str, [u64; 6])> {
    let (rdonly, wronly) = (libc::O_RDONLY as u64, libc::O_WRONLY as u64);
    vec![
        (Abi::X86_64, "openat", [0, 0, rdonly, 0, 0, 0]),
        (Abi::X86_64, "openat", [0, 0, wronly, 0, 0, 0]),
        (Abi::X86, "openat", [0, 0, wronly, 0, 0, 0]),
        (Abi::X86_64, "fcntl", [1, libc::F_GETFL as u64, 0, 0, 0, 0]),
        (Abi::X86_64, "fcntl", [1, libc::F_SETFL as u64, 0, 0, 0, 0]),
        (Abi::X86_64, "ptrace", [0; 6]),
        (Abi::X86, "socketcall", [1, 0, 0, 0, 0, 0]),
        (Abi::Aarch64, "read", [0; 6]),
    ]
}

fn parse(args: &[String]) -> Result<(Abi, String, [u64; 6]), String> {
    let [abi, syscall, values @ ..] = args else {
        return Err("usage: inspect [ABI SYSCALL [ARG0 .. ARG5]]".into());
    };
    let abi: Abi = abi.parse().map_err(|e| format!("{e}"))?;
    let mut parsed = [0u64; 6];
    for (slot, value) in parsed.iter_mut().zip(values) {
        *slot = match value.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => value.parse(),
        }
        .map_err(|e| format!("argument `{value}`: {e}"))?;
    }
    Ok((abi, syscall.clone(), parsed))
}

fn main() -> ExitCode {
    let policy = policy();
    let filter = match policy.build() {
        Ok(filter) => filter,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for abi in filter.summary() {
        print!("{abi}");
    }
    match filter.program() {
        Ok(program) => println!(
            "merged program: {} instructions\n",
            program.instructions().len()
        ),
        Err(e) => eprintln!("error: {e}"),
    }

    let args: Vec<String> = std::env::args().skip(1).collect();
    let asked: Vec<(Abi, String, [u64; 6])> = if args.is_empty() {
        questions()
            .into_iter()
            .map(|(abi, name, a)| (abi, name.to_owned(), a))
            .collect()
    } else {
        match parse(&args) {
            Ok(question) => vec![question],
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    };
    println!(
        "{:<8} {:<12} {:<28} {:<22} filter",
        "abi", "syscall", "args", "policy"
    );
    for (abi, syscall, args) in asked {
        let declared = policy.decide(abi, &syscall, args);
        let simulated = match filter.simulate(abi, &syscall, args) {
            Ok(action) => action.to_string(),
            Err(e) => format!("({e})"),
        };
        let shown: Vec<String> = args.iter().take(3).map(|a| format!("{a:#x}")).collect();
        let declared = declared
            .action()
            .map_or("ambiguous".into(), |a| a.to_string());
        println!(
            "{abi:<8} {syscall:<12} {:<28} {declared:<22} {simulated}",
            shown.join(", ")
        );
    }
    ExitCode::SUCCESS
}
