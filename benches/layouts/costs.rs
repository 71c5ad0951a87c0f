//! What a policy costs besides syscalls: building, merging, exporting, loading, and
//! installing in a child.

use std::time::Instant;

use seccomp_dsl::Policy;

use crate::child::{self, Install, Report};
use crate::reference::{self, HandRules, Use};
use crate::stats::Spread;
use crate::{Config, Layout};

/// One named measurement, in nanoseconds per repetition.
struct Row {
    name: &'static str,
    samples: Vec<f64>,
}

impl Row {
    fn new(name: &'static str) -> Row {
        Row {
            name,
            samples: Vec::new(),
        }
    }
}

fn print(title: &str, rows: &[Row]) {
    println!("\n{title}");
    println!("{:<62} {:>28}", "", "µs (p25..p75)");
    for row in rows {
        let spread = Spread::of(&row.samples).scaled(1e-3);
        println!("{:<62} {:>28}", row.name, format!("{spread:.1}"));
    }
}

fn time<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let start = Instant::now();
    let value = f();
    (child::since(start), value)
}

pub fn report(policy: &Policy, layouts: &[Layout], config: &Config) {
    println!(
        "\n== Build, merge, export, load, install: {} repetitions each, interleaved ==",
        config.reps
    );
    build(policy, config);
    export(policy, config);
    load(policy, config);
    install(layouts, config);
}

/// Our build against the same per-ABI filters built, and merged, by hand.
fn build(policy: &Policy, config: &Config) {
    let hand = HandRules::from_policy(policy, &policy.abis());
    let level = Some(reference::optimize_level(policy.attributes().optimize));
    let mut rows = [
        Row::new("ours: Policy::build() (checks, 3 filters, merge)"),
        Row::new("ours: Policy::violations() alone (the checks)"),
        Row::new("hand: 3 per-ABI filters with libseccomp"),
        Row::new("hand: 3 per-ABI filters + seccomp_merge"),
        Row::new("hand: seccomp_merge alone (of 3 built filters)"),
    ];
    for _ in 0..config.reps {
        rows[0]
            .samples
            .push(time(|| policy.build().expect("build")).0);
        rows[1].samples.push(time(|| policy.violations()).0);
        rows[2]
            .samples
            .push(time(|| hand.build(Use::Merge, level)).0);
        rows[3]
            .samples
            .push(time(|| reference::merge(hand.build(Use::Merge, level))).0);
        let filters = hand.build(Use::Merge, level);
        rows[4].samples.push(time(|| reference::merge(filters)).0);
    }
    print("build (in this process; nothing loaded):", &rows);
}

/// Generating the BPF program once, then reusing it.
fn export(policy: &Policy, config: &Config) {
    let hand = HandRules::from_policy(policy, &policy.abis());
    let level = Some(reference::optimize_level(policy.attributes().optimize));
    let merged = reference::merge(hand.build(Use::Merge, level));
    let filter = policy.build().expect("build");
    filter.program().expect("program");
    let mut rows = [
        Row::new("ours: first Filter::program() (libseccomp generates BPF)"),
        Row::new("ours: Filter::export_bpf() again (cached program, copied)"),
        Row::new("hand: seccomp_export_bpf (generates BPF every call)"),
    ];
    for _ in 0..config.reps {
        let fresh = policy.build().expect("build");
        rows[0]
            .samples
            .push(time(|| fresh.program().map(|_| ()).expect("program")).0);
        rows[1]
            .samples
            .push(time(|| filter.export_bpf().expect("export")).0);
        rows[2].samples.push(time(|| reference::export(&merged)).0);
    }
    let cached = std::ptr::eq(
        filter.program().expect("program"),
        filter.program().expect("program"),
    );
    print("generate and export the BPF program:", &rows);
    println!(
        "Filter::program() returns the one cached program on every call: {}",
        if cached { "yes" } else { "NO" }
    );
}

/// Loading into a fresh child, timed inside the child.
fn load(policy: &Policy, config: &Config) {
    let hand = HandRules::from_policy(policy, &policy.abis());
    let level = Some(reference::optimize_level(policy.attributes().optimize));
    let merged = reference::merge(hand.build(Use::Merge, level));
    let stacked = HandRules::from_policy(policy, &reference::STACK_ORDER).build(Use::Stack, None);
    let cached = policy.build().expect("build");
    cached.program().expect("program");
    let mut rows = [
        Row::new("ours: Filter::load(), program cached (prctl + 1 seccomp())"),
        Row::new("ours: Filter::load() on a fresh Filter (generate + install)"),
        Row::new("hand: seccomp_load of the merged filter"),
        Row::new("hand: seccomp_load of 3 stacked filters"),
    ];
    let in_child = |body: &dyn Fn() -> bool| -> f64 {
        let report = child::run(|| {
            let (ns, ok) = time(body);
            if !ok {
                return Err(20);
            }
            let mut report: Report = [0.0; child::SLOTS];
            report[0] = ns;
            Ok(report)
        })
        .unwrap_or_else(|e| panic!("load: {e}"));
        report[0]
    };
    for _ in 0..config.reps {
        rows[0].samples.push(in_child(&|| cached.load().is_ok()));
        let fresh = policy.build().expect("build");
        rows[1].samples.push(in_child(&|| fresh.load().is_ok()));
        rows[2].samples.push(in_child(&|| merged.load().is_ok()));
        rows[3]
            .samples
            .push(in_child(&|| stacked.iter().all(|f| f.load().is_ok())));
    }
    print("load into a fresh child (timed in the child):", &rows);
}

/// fork, install a prebuilt program, `_exit`, as seen by the parent up to `waitpid`.
fn install(layouts: &[Layout], config: &Config) {
    let pick = |name: &str| {
        &layouts
            .iter()
            .find(|l| l.name == name)
            .expect("layout")
            .install
    };
    let cases: [(&'static str, &Install); 3] = [
        ("fork + _exit, nothing installed", pick("no filter")),
        (
            "fork + install our prebuilt program + _exit",
            pick("ours, default"),
        ),
        (
            "fork + install 3 stacked prebuilt programs + _exit",
            pick("3 stacked, linear"),
        ),
    ];
    let mut rows = cases.map(|(name, _)| Row::new(name));
    for _ in 0..config.reps {
        for (row, (_, install)) in rows.iter_mut().zip(&cases) {
            let (ns, report) =
                time(|| child::run(|| install.apply().map(|()| [0.0; child::SLOTS])));
            report.unwrap_or_else(|e| panic!("install: {e}"));
            row.samples.push(ns);
        }
    }
    print(
        "install in a child (fork to waitpid, as the parent sees it):",
        &rows,
    );
}
