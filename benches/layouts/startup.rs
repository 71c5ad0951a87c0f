//! Start-up: the time from a process's first line to its filter loaded, for the same policy
//! (a) written by hand with libseccomp and loaded with `seccomp_load`, (b) built at run time
//! by `Policy::load()`, (c) precompiled by the macro and loaded by `Policy::load()`; and the
//! cost of spawning a `Command` child under each.
//!
//! Method: each case runs in a fresh forked child of this single-threaded process, timed in
//! the child from the first line of the case (the policy value not yet made) to the load
//! returning, so that nothing built earlier in the benchmark is reused; the cases take turns
//! round by round. What a fresh `exec` adds (the dynamic loader, `main`) is the same for the
//! three and is left out; so is loading `libseccomp.so`, which only (a) and (b) need.
//! Spawning is timed in this process: build what the case needs, spawn `/bin/true` with the
//! filter installed between `fork` and `exec`, wait; minus spawning with no filter. The
//! benchmark policy (with `execve` allowed) denies `/bin/true`'s executable mappings, so the
//! child exits early through the dynamic loader, the same way for the three.

use std::os::unix::process::CommandExt as _;
use std::process::Command;
use std::time::Instant;

use seccomp_dsl::{CommandExt, Policy};

use crate::child::{self, Report};
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
    let hand_load = || {
        let merged = reference::merge(hand.build(Use::Merge, level));
        merged.load().is_ok()
    };
    let cases: [&dyn Fn() -> bool; 3] =
        [&hand_load, &|| policy::spawnable().load().is_ok(), &|| {
            policy::spawnable_precompiled().load().is_ok()
        }];
    let mut load: [Vec<f64>; 3] = Default::default();
    let mut spawn: [Vec<f64>; 4] = Default::default();
    for _ in 0..config.reps {
        for (samples, case) in load.iter_mut().zip(cases) {
            let report = child::run(|| {
                let start = Instant::now();
                if !case() {
                    return Err(20);
                }
                let mut report: Report = [0.0; child::SLOTS];
                report[0] = child::since(start);
                Ok(report)
            })
            .unwrap_or_else(|e| panic!("start-up: {e}"));
            samples.push(report[0]);
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
            command.seccomp(program(&policy::spawnable_precompiled()));
        }));
    }
    let hand_median = Spread::of(&load[0]).median;
    println!("{:<58} {:>26} {:>8}", "", "µs (p25..p75)", "vs (a)");
    for (name, samples) in CASES.iter().zip(&load) {
        let spread = Spread::of(samples);
        println!(
            "{name:<58} {:>26} {:>7.3}x",
            format!("{:.1}", spread.scaled(1e-3)),
            spread.median / hand_median
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

/// The policy's program: precompiled, or built now.
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
