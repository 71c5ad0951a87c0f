//! What composing policies saves: systemd's four hardening policies loaded as four stacked
//! filters (as systemd does) against their composition by `Policy::stacked`, loaded as one.
//!
//! Same method as the syscall table: one fresh child per layout per round, round-robin,
//! "added" is the per-round difference to the no-filter child.

use std::arch::asm;
use std::time::Instant;

use seccomp_dsl::{Policy, Program};

#[path = "../../tests/support/systemd.rs"]
mod systemd;

use crate::child::{self, Install, Report};
use crate::stats::Spread;
use crate::Config;

/// An x86_64 syscall with all six arguments, timed in a loop.
struct Call {
    label: &'static str,
    what: &'static str,
    nr: i64,
    args: [u64; 6],
}

fn calls() -> Vec<Call> {
    let anon_no_flags = 0; // no MAP_PRIVATE/MAP_SHARED: the kernel answers EINVAL at once
    vec![
        Call {
            label: "getppid",
            what: "allowed without conditions by the allow list, untouched by the others",
            nr: libc::SYS_getppid,
            args: [0; 6],
        },
        Call {
            label: "mmap(PROT_READ)",
            what: "argument-checked by W^X, allowed (then fails on its fd: nothing is mapped)",
            nr: libc::SYS_mmap,
            args: [0, 4096, libc::PROT_READ as u64, anon_no_flags, u64::MAX, 0],
        },
        Call {
            label: "ptrace",
            what: "denied by the allow list's default errno(EPERM)",
            nr: libc::SYS_ptrace,
            args: [u64::MAX, 0, 0, 0, 0, 0],
        },
    ]
}

#[inline(always)]
fn syscall6(nr: i64, a: [u64; 6]) -> i64 {
    let ret: i64;
    // SAFETY: the calls only read their integer arguments and fail or do nothing.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") nr => ret,
            in("rdi") a[0],
            in("rsi") a[1],
            in("rdx") a[2],
            in("r10") a[3],
            in("r8") a[4],
            in("r9") a[5],
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

fn program(policy: &Policy) -> Program {
    let filter = policy.build().unwrap_or_else(|e| panic!("policy: {e}"));
    filter.program().expect("program").clone()
}

pub fn report(config: &Config) {
    // A third of the main table's rounds: three layouts and three calls are enough to see
    // the difference, and the whole bench stays near a minute.
    let rounds = config.rounds.div_ceil(3).max(3);
    let parts = systemd::hardening();
    let composed = Policy::stacked(parts.clone()).unwrap_or_else(|e| panic!("stacked: {e}"));
    let stacked: Vec<Program> = parts.iter().map(program).collect();
    let one = program(&composed);
    let layouts = [
        ("no filter", Install::Nothing),
        (
            "4 stacked",
            Install::Raw(stacked.iter().map(|p| p.instructions().to_vec()).collect()),
        ),
        ("1 composed", Install::Program(one.clone())),
    ];
    let sizes: Vec<String> = stacked
        .iter()
        .map(|p| p.instructions().len().to_string())
        .collect();
    println!(
        "\n== Composing systemd's 4 hardening policies (x86_64 + x86): {} rounds, {} calls each ==",
        rounds, config.iters
    );
    println!(
        "4 stacked: {} instructions; 1 composed by Policy::stacked: {} instructions, {} rules",
        sizes.join("+"),
        one.instructions().len(),
        composed.rules().count()
    );
    let calls = calls();
    let mut samples = vec![vec![Vec::new(); calls.len()]; layouts.len()];
    let mut results = vec![vec![0i64; calls.len()]; layouts.len()];
    for round in 0..rounds + 2 {
        for turn in 0..layouts.len() {
            let index = (round + turn) % layouts.len();
            let (name, install) = &layouts[index];
            let report = child::run(|| measure(install, &calls, config.iters))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            if round < 2 {
                continue; // warm-up
            }
            for c in 0..calls.len() {
                samples[index][c].push(report[c]);
                results[index][c] = report[calls.len() + c] as i64;
            }
        }
    }
    let added = |layout: usize, c: usize| -> Vec<f64> {
        samples[layout][c]
            .iter()
            .zip(&samples[0][c])
            .map(|(s, n)| s - n)
            .collect()
    };
    let x86_64 = seccomp_dsl::Abi::X86_64.audit_arch();
    let cached = |programs: &[&Program], nr: i64| {
        programs
            .iter()
            .all(|p| crate::bpf::const_allow(p.instructions(), x86_64, nr as u32))
    };
    for call in &calls {
        println!(
            "{}: cacheable (kernel skips the filters) when 4 stacked: {}, when composed: {}",
            call.label,
            cached(&stacked.iter().collect::<Vec<_>>(), call.nr),
            cached(&[&one], call.nr)
        );
    }
    println!(
        "{:<18} {:<12} {:>24} {:>24} {:>11} {:>11}  {:>6}",
        "syscall",
        "layout",
        "ns/call (p25..p75)",
        "added ns (p25..p75)",
        "÷4 stacked",
        "ns ÷4 st.",
        "result"
    );
    for (c, call) in calls.iter().enumerate() {
        let stacked_added = Spread::of(&added(1, c)).median;
        for (l, (name, _)) in layouts.iter().enumerate() {
            let spread = Spread::of(&samples[l][c]);
            let total_ratio = if l == 0 {
                "-".to_owned()
            } else {
                format!("{:.2}", spread.median / Spread::of(&samples[1][c]).median)
            };
            let (added_text, ratio) = if l == 0 {
                ("-".to_owned(), "-".to_owned())
            } else {
                let a = Spread::of(&added(l, c));
                let ratio = if stacked_added < 5.0 {
                    "-".to_owned()
                } else {
                    format!("{:.2}", a.median / stacked_added)
                };
                (format!("{a:.1}"), ratio)
            };
            println!(
                "{:<18} {:<12} {:>24} {:>24} {:>11} {:>11}  {:>6}",
                if l == 0 { call.label } else { "" },
                name,
                format!("{spread:.1}"),
                added_text,
                ratio,
                total_ratio,
                crate::result(results[l][c])
            );
        }
        println!("{:<18} ({})", "", call.what);
    }
    println!(
        "(÷4 stacked: added cost over the 4 stacked filters' added cost, \"-\" within noise of 0;\n \
         ns ÷4 st.: ns/call over the 4 stacked filters' ns/call, the fair ratio for a denied call,\n \
         which skips the syscall's own work and can cost less than no filter)"
    );
}

/// In the child: install, then time each call.
fn measure(install: &Install, calls: &[Call], iters: u32) -> Result<Report, i32> {
    install.apply()?;
    let mut report = [0.0; child::SLOTS];
    for (c, call) in calls.iter().enumerate() {
        let mut ret = 0;
        for _ in 0..iters / 10 + 1 {
            ret = syscall6(call.nr, call.args);
        }
        let start = Instant::now();
        for _ in 0..iters {
            ret = syscall6(call.nr, call.args);
        }
        report[c] = child::since(start) / f64::from(iters.max(1));
        report[calls.len() + c] = ret as f64;
    }
    Ok(report)
}
