//! Start-up: the time from a process's first line to its filter loaded, for the same policy
//! (a) written by hand with libseccomp and loaded with `seccomp_load`, (b) built at run time
//! by `Policy::load()`, (c) precompiled by the macro and loaded by `Policy::load()`; and the
//! cost of spawning a `Command` child under each.
//!
//! Method: each case runs in a fresh process: this benchmark binary executed again with
//! `LAYOUTS_STARTUP_CASE` set, which makes `main` run the case first thing and exit. The
//! child times itself from its first line (the policy value not yet made) to the load
//! returning, and prints it; the parent also times the whole `fork` + `exec` + load + exit,
//! from which the same with no filter is subtracted. The cases take turns round by round. The
//! binary links libseccomp for every case, so loading `libseccomp.so` is in the baseline; a
//! binary with only precompiled policies need not load it at all. Spawning is timed in this
//! process: build what the case needs, spawn `/bin/true` with the filter installed between
//! `fork` and `exec`, wait; minus spawning with no filter. The benchmark policy (with
//! `execve` allowed) denies `/bin/true`'s executable mappings, so the child exits early
//! through the dynamic loader, the same way for the three.

use std::os::unix::process::CommandExt as _;
use std::process::Command;
use std::time::Instant;

use seccomp_dsl::{CommandExt, Policy};

use crate::child;
use crate::policy;
use crate::reference::{self, HandRules, Use};
use crate::stats::Spread;
use crate::Config;

const CASES: [&str; 3] = [
    "(a) hand: libseccomp 3 filters + merge + seccomp_load",
    "(b) ours: Policy::load(), built at run time",
    "(c) ours: Policy::load(), precompiled",
];

pub fn report(config: &Config) {
    println!(
        "\n== Start-up: first line to filter loaded, and spawning a child ({} repetitions) ==",
        config.reps
    );
    // The hand-written program's rules: source code, not work done at start-up.
    let hand = HandRules::from_policy(&policy::spawnable(), &policy::spawnable().abis());
    let level = Some(reference::optimize_level(
        policy::spawnable().attributes().optimize,
    ));
    let mut load: [Vec<f64>; 3] = Default::default();
    let mut process: [Vec<f64>; 4] = Default::default();
    let mut spawn: [Vec<f64>; 4] = Default::default();
    for _ in 0..config.reps {
        for (case, samples) in process.iter_mut().enumerate() {
            let (ns, from_main) = run_case(case);
            samples.push(ns);
            if let Some(load) = case.checked_sub(1).and_then(|i| load.get_mut(i)) {
                load.push(from_main);
            }
        }
        spawn[0].push(timed_spawn(|_| {}));
        spawn[1].push(timed_spawn(|command| {
            let merged = InChild(reference::merge(hand.build(Use::Merge, level)));
            // SAFETY: this process has one thread, so libseccomp's allocations in the child
            // cannot meet a lock another thread held at the fork.
            unsafe {
                command.pre_exec(move || merged.load());
            }
        }));
        spawn[2].push(timed_spawn(|command| {
            command.seccomp(program(&policy::spawnable()));
        }));
        spawn[3].push(timed_spawn(|command| {
            command.seccomp(
                policy::spawnable_precompiled()
                    .precompiled_program()
                    .clone(),
            );
        }));
    }
    println!("first line of `main` to filter loaded, timed in the fresh process:");
    println!("{:<58} {:>26} {:>8}", "", "µs (p25..p75)", "vs (a)");
    let hand_median = Spread::of(&load[0]).median;
    for (name, samples) in CASES.iter().zip(&load) {
        let spread = Spread::of(samples);
        println!(
            "{name:<58} {:>26} {:>7.3}x",
            format!("{:.1}", spread.scaled(1e-3)),
            spread.median / hand_median
        );
    }
    println!("\nfork + exec + load + exit, minus the same with no filter:");
    let base = Spread::of(&process[0]).median;
    println!(
        "{:<58} {:>26}",
        "no filter (the baseline)",
        format!("{:.1}", Spread::of(&process[0]).scaled(1e-3))
    );
    let hand_added = Spread::of(&process[1]).median - base;
    for (name, samples) in CASES.iter().zip(&process[1..]) {
        let added: Vec<f64> = samples.iter().map(|s| s - base).collect();
        let spread = Spread::of(&added);
        println!(
            "{name:<58} {:>26} {:>7.3}x",
            format!("+{:.1}", spread.scaled(1e-3)),
            spread.median / hand_added
        );
    }
    println!("\nspawn /bin/true under the policy (build + spawn + wait, minus no filter):");
    let base = Spread::of(&spawn[0]).median;
    println!(
        "{:<58} {:>26}",
        "no filter (the baseline)",
        format!("{:.1}", Spread::of(&spawn[0]).scaled(1e-3))
    );
    let added: Vec<f64> = spawn[1].iter().map(|s| s - base).collect();
    let hand_added = Spread::of(&added).median;
    for (name, samples) in CASES.iter().zip(&spawn[1..]) {
        let added: Vec<f64> = samples.iter().map(|s| s - base).collect();
        let spread = Spread::of(&added);
        println!(
            "{name:<58} {:>26} {:>7.3}x",
            format!("+{:.1}", spread.scaled(1e-3)),
            spread.median / hand_added
        );
    }
}

/// The environment variable that makes `main` run a start-up case and exit.
pub const CASE_VAR: &str = "LAYOUTS_STARTUP_CASE";

/// Run start-up case `case` (0: no filter, then (a), (b), (c)) in a fresh process: returns
/// the nanoseconds from spawning to its exit, and those it took from its first line to the
/// filter loaded.
fn run_case(case: usize) -> (f64, f64) {
    let exe = std::env::current_exe().expect("current_exe");
    let start = Instant::now();
    let output = Command::new(exe)
        .env(CASE_VAR, case.to_string())
        .output()
        .expect("run a start-up case");
    let ns = child::since(start);
    assert!(output.status.success(), "start-up case {case}: {output:?}");
    let from_main = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("the case's time");
    (ns, from_main)
}

/// What `main` runs when [`CASE_VAR`] is set: the case, timed from here, then exit. The
/// hand-written case's rules are taken from the policy before the clock starts: in a
/// hand-written program they are source code, not start-up work.
pub fn case_main(case: &str) -> ! {
    let hand = HandRules::from_policy(&policy::spawnable(), &policy::spawnable().abis());
    let level = Some(reference::optimize_level(
        policy::spawnable().attributes().optimize,
    ));
    let start = Instant::now();
    let loaded = match case {
        "0" => true,
        "1" => reference::merge(hand.build(Use::Merge, level))
            .load()
            .is_ok(),
        "2" => policy::spawnable().load().is_ok(),
        _ => policy::spawnable_precompiled().load().is_ok(),
    };
    let ns = child::since(start);
    println!("{ns}");
    std::process::exit(if loaded { 0 } else { 1 })
}

/// A libseccomp filter moved into a `pre_exec` closure, which must be `Send + Sync`; only
/// the forked child, which has one thread, ever uses it.
struct InChild(libseccomp::ScmpFilterContext);

impl InChild {
    fn load(&self) -> std::io::Result<()> {
        self.0.load().map_err(std::io::Error::other)
    }
}

// SAFETY: see `InChild`: the context is used by one thread, in the child, only.
unsafe impl Send for InChild {}
// SAFETY: as above.
unsafe impl Sync for InChild {}

/// The policy's program, built now.
fn program(policy: &Policy) -> seccomp_dsl::Program {
    policy.program().expect("program")
}

/// Nanoseconds to set up `command` with `setup`, spawn it and wait for it.
fn timed_spawn(setup: impl FnOnce(&mut Command)) -> f64 {
    let start = Instant::now();
    let mut command = Command::new("/bin/true");
    command.stderr(std::process::Stdio::null());
    setup(&mut command);
    // Its exit status depends on how far the filter lets it go; only the time counts.
    let _ = command.status();
    child::since(start)
}
