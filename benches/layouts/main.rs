//! Side-by-side benchmark of seccomp filter layouts: no filter, the trivial allow-all
//! floor, three stacked per-ABI libseccomp filters, and our merged policy with each
//! `Optimize` setting; systemd's four hardening policies stacked against their
//! composition by `Policy::stacked`. Also the cost of building, merging, exporting, loading and
//! installing, and the compile time of a 300-rule `seccomp_policy!`.
//!
//! `cargo bench --bench layouts` runs it in full. Run any other way (`cargo test
//! --benches`), it makes a short smoke run that checks the machinery, not the numbers.
//! `BENCH_ROUNDS`, `BENCH_ITERS` and `BENCH_REPS` override the sizes.
//!
//! Method: every layout's programs are built in this process before any fork. Each round
//! forks one fresh child per layout, round-robin in a rotating order; the child installs
//! its layout (raw `seccomp()` calls), times each probe syscall in a tight loop, writes the
//! means to a pipe and `_exit`s. Tables show medians over rounds with the 25th..75th
//! percentiles; "added" is the per-round difference to the no-filter child of the same
//! round, so that drift on this shared machine cancels out.

mod bpf;
mod child;
mod compile;
mod costs;
mod policy;
mod probe;
mod reference;
mod stacking;
mod startup;
mod stats;

use std::time::Instant;

use seccomp_dsl::{Abi, Action, Attributes, Filter, Instruction, Optimize, Program};

use crate::child::{Install, Report, SLOTS};
use crate::probe::Probe;
use crate::reference::{HandRules, Use, STACK_ORDER};
use crate::stats::Spread;

/// How much to measure.
pub struct Config {
    /// Rounds of one child per layout.
    rounds: usize,
    /// Syscalls per probe per child.
    iters: u32,
    /// Repetitions of each build, load and install measurement.
    pub reps: usize,
    /// Whether to measure compile time (slow: runs cargo).
    compile: bool,
}

impl Config {
    fn from_args() -> Config {
        let full = std::env::args().any(|arg| arg == "--bench");
        let env = |name: &str, default: usize| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        if full {
            Config {
                rounds: env("BENCH_ROUNDS", 300),
                iters: env("BENCH_ITERS", 20_000) as u32,
                reps: env("BENCH_REPS", 100),
                compile: std::env::var_os("BENCH_NO_COMPILE").is_none(),
            }
        } else {
            Config {
                rounds: 3,
                iters: 500,
                reps: 3,
                compile: false,
            }
        }
    }
}

/// One way of filtering, ready to install in a child.
pub struct Layout {
    name: &'static str,
    install: Install,
}

fn main() {
    // A fresh process for one start-up case (see `startup`): nothing else runs first.
    if let Some(case) = std::env::var_os(startup::CASE_VAR) {
        startup::case_main(&case.to_string_lossy());
    }
    let config = Config::from_args();
    machine();
    let policy = policy::service();
    let (layouts, filters) = layouts(&policy);
    let null = std::fs::File::open("/dev/null").expect("/dev/null");
    let probes = Probe::all(std::os::fd::AsRawFd::as_raw_fd(&null));
    programs(&policy, &layouts, &filters, &probes);
    syscalls(&layouts, &probes, &config);
    stacking::report(&config);
    costs::report(&policy, &layouts, &config);
    startup::report(&config);
    if config.compile {
        compile::report();
    } else {
        println!("\ncompile time: skipped (smoke run, or BENCH_NO_COMPILE set)");
    }
}

fn machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("machine: {cpu}, {cpus} CPUs, Linux {}", kernel.trim());
}

/// Every layout, built in this process; and our filters, by `Optimize` setting.
fn layouts(policy: &seccomp_dsl::Policy) -> (Vec<Layout>, Vec<(&'static str, Filter)>) {
    let hand = HandRules::from_policy(policy, &STACK_ORDER);
    let stacked = |optimize| {
        let filters = hand.build(Use::Stack, optimize);
        Install::Raw(filters.iter().map(reference::export).collect())
    };
    let ours = |optimize: Option<Optimize>| {
        let policy = match optimize {
            Some(layout) => policy.clone().optimize(layout),
            None => policy.clone(),
        };
        let filter = policy.build().unwrap_or_else(|e| panic!("policy: {e}"));
        filter.program().expect("program");
        filter
    };
    let filters = vec![
        ("ours, default", ours(None)),
        ("ours, Linear", ours(Some(Optimize::Linear))),
        ("ours, BinaryTree", ours(Some(Optimize::BinaryTree))),
    ];
    let mut layouts = vec![
        Layout {
            name: "no filter",
            install: Install::Nothing,
        },
        Layout {
            name: "floor, cacheable",
            install: Install::Raw(vec![reference::trivial_allow()]),
        },
        Layout {
            name: "floor, never cached",
            install: Install::Raw(vec![reference::trivial_allow_uncached()]),
        },
        Layout {
            name: "3 stacked, linear",
            install: stacked(None),
        },
        Layout {
            name: "3 stacked, tree",
            install: stacked(Some(2)),
        },
    ];
    for (name, filter) in &filters {
        let program = filter.program().expect("program").clone();
        layouts.push(Layout {
            name,
            install: Install::Program(program),
        });
    }
    (layouts, filters)
}

/// What the programs are: sizes, what each probe runs, what the kernel can cache.
fn programs(
    policy: &seccomp_dsl::Policy,
    layouts: &[Layout],
    filters: &[(&'static str, Filter)],
    probes: &[Probe],
) {
    println!("\n== BPF programs ==");
    // The syscalls a cache could skip: allowed, no conditions, on a cached ABI.
    let summary = filters[0].1.summary();
    let unconditional = |abi: Abi| -> Vec<u32> {
        summary
            .iter()
            .filter(|s| s.abi == abi)
            .flat_map(|s| &s.rules)
            .filter(|r| r.action == Action::Allow && r.conditions.is_empty())
            .filter_map(|r| r.number().map(|n| n as u32))
            .collect()
    };
    let x86_64 = unconditional(Abi::X86_64);
    let x86 = unconditional(Abi::X86);
    let names: usize = {
        let mut all: Vec<&str> = summary
            .iter()
            .flat_map(|s| &s.rules)
            .map(|r| &*r.syscall)
            .collect();
        all.sort_unstable();
        all.dedup();
        all.len()
    };
    let rules: usize = summary.iter().map(|s| s.rules.len()).sum();
    let checked = policy
        .common_rules()
        .iter()
        .chain(policy.blocks().iter().flat_map(|b| b.rules()))
        .filter(|r| !r.conditions().is_empty())
        .count();
    println!(
        "policy: {names} distinct syscalls, {rules} rule adds over {} ABIs, {checked} argument-checked rules",
        summary.len()
    );
    println!(
        "cacheable: syscalls allowed without conditions whose (arch, nr) the kernel's action cache\n\
         would skip, by emulating each program as seccomp_is_const_allow() does (x32 is never cached)\n"
    );
    print!(
        "{:<20} {:>14}  {:>18}",
        "layout", "instructions", "cacheable x86_64/x86"
    );
    for probe in probes {
        print!(" {:>14}", probe.label);
    }
    println!();
    for layout in layouts {
        let programs = layout.install.programs();
        let sizes = if programs.is_empty() {
            "0".to_owned()
        } else {
            let each: Vec<String> = programs.iter().map(|p| p.len().to_string()).collect();
            each.join("+")
        };
        let cached = |arch, nrs: &[u32]| {
            nrs.iter()
                .filter(|&&nr| programs.iter().all(|p| bpf::const_allow(p, arch, nr)))
                .count()
        };
        let cacheable = if programs.is_empty() {
            "-".to_owned()
        } else {
            format!(
                "{}/{} {}/{}",
                cached(Abi::X86_64.audit_arch(), &x86_64),
                x86_64.len(),
                cached(Abi::X86.audit_arch(), &x86),
                x86.len()
            )
        };
        print!("{:<20} {sizes:>14}  {cacheable:>18}", layout.name);
        for probe in probes {
            print!(" {:>14}", executed(&programs, probe));
        }
        println!();
    }
    println!(
        "(probe columns: BPF instructions run for that syscall, all stacked filters added up;"
    );
    println!(" \"cached\" when the kernel skips the filters for it)");
    let default = filters[0].1.program().expect("program");
    let same: Vec<&str> = filters[1..]
        .iter()
        .filter(|(_, f)| f.program().expect("program") == default)
        .map(|(name, _)| *name)
        .collect();
    println!(
        "ours, default is the same program as: {}",
        if same.is_empty() {
            "none".to_owned()
        } else {
            same.join(", ")
        }
    );
    compare_with_hand_merge(policy, filters);
}

/// Instructions run for `probe` under `programs`, or "cached".
fn executed(programs: &[&[Instruction]], probe: &Probe) -> String {
    if programs.is_empty() {
        return "-".to_owned();
    }
    let data = probe.data();
    let nr = data.nr as u32;
    // The kernel caches the native and compat ABIs, not x32.
    let cacheable = (data.arch == Abi::X86_64.audit_arch() && nr < 0x4000_0000)
        || data.arch == Abi::X86.audit_arch();
    if cacheable && programs.iter().all(|p| bpf::const_allow(p, data.arch, nr)) {
        return "cached".to_owned();
    }
    let mut total = 0;
    for program in programs {
        match Program::from_instructions(program, Attributes::default()).executed(&data) {
            Ok(n) => total += n,
            Err(_) => return "?".to_owned(),
        }
    }
    total.to_string()
}

/// Our merged programs against the same filters merged by hand with libseccomp.
fn compare_with_hand_merge(policy: &seccomp_dsl::Policy, filters: &[(&'static str, Filter)]) {
    let hand = HandRules::from_policy(policy, &policy.abis());
    for (name, level) in [("ours, Linear", 1), ("ours, BinaryTree", 2)] {
        let merged = reference::merge(hand.build(Use::Merge, Some(level)));
        let by_hand = reference::export(&merged);
        let ours = filters
            .iter()
            .find(|(n, _)| *n == name)
            .expect("layout")
            .1
            .program()
            .expect("program");
        let verdict = if ours.instructions() == by_hand.as_slice() {
            "identical"
        } else {
            "DIFFERENT"
        };
        println!("{name}: {verdict} to libseccomp's hand-merged filter at CTL_OPTIMIZE={level} ({} instructions)", by_hand.len());
    }
}

/// Time every probe under every layout, one fresh child per layout per round.
fn syscalls(layouts: &[Layout], probes: &[Probe], config: &Config) {
    println!(
        "\n== Syscall cost: {} rounds x {} layouts, one fresh child each, {} calls per probe ==",
        config.rounds,
        layouts.len(),
        config.iters
    );
    assert!(
        probes.len() * 2 <= SLOTS,
        "a child reports a time and a result per probe"
    );
    // samples[layout][probe] = ns per call, one per round; results: last return values.
    let mut samples = vec![vec![Vec::new(); probes.len()]; layouts.len()];
    let mut results = vec![vec![0i64; probes.len()]; layouts.len()];
    let started = Instant::now();
    let warmup = 2;
    for round in 0..config.rounds + warmup {
        for turn in 0..layouts.len() {
            let index = (round + turn) % layouts.len();
            let report = child::run(|| measure(&layouts[index].install, probes, config.iters))
                .unwrap_or_else(|e| panic!("{}: {e}", layouts[index].name));
            if round < warmup {
                continue;
            }
            for (p, _) in probes.iter().enumerate() {
                samples[index][p].push(report[p]);
                results[index][p] = report[probes.len() + p] as i64;
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let none = 0;
    let stacked = layouts
        .iter()
        .position(|l| l.name == "3 stacked, linear")
        .expect("stacked");
    // A syscall whose arguments are checked cannot skip the filter: its floor is a trivial
    // filter that runs.
    let floor = layouts
        .iter()
        .position(|l| l.name == "floor, never cached")
        .expect("floor");
    let added = |layout: usize, probe: usize| -> Vec<f64> {
        samples[layout][probe]
            .iter()
            .zip(&samples[none][probe])
            .map(|(s, n)| s - n)
            .collect()
    };
    println!("x none: median over no filter's; ÷stacked, ÷floor: added cost over that of");
    println!(
        "\"3 stacked, linear\", \"floor, never cached\" (\"-\" when that is within noise of 0)"
    );
    for (p, probe) in probes.iter().enumerate() {
        println!("\n{}: {}", probe.label, probe.what);
        println!(
            "{:<20} {:>24} {:>24} {:>7} {:>9} {:>9}  {:>6}",
            "layout",
            "ns/call (p25..p75)",
            "added ns (p25..p75)",
            "x none",
            "÷stacked",
            "÷floor",
            "result"
        );
        let base = Spread::of(&samples[none][p]).median;
        let stacked_added = Spread::of(&added(stacked, p)).median;
        let floor_added = Spread::of(&added(floor, p)).median;
        for (l, layout) in layouts.iter().enumerate() {
            let spread = Spread::of(&samples[l][p]);
            let (added_text, vs_stacked, vs_floor) = if l == none {
                ("-".to_owned(), "-".to_owned(), "-".to_owned())
            } else {
                let a = Spread::of(&added(l, p));
                (
                    format!("{a:.1}"),
                    ratio(a.median, stacked_added),
                    ratio(a.median, floor_added),
                )
            };
            println!(
                "{:<20} {:>24} {:>24} {:>7.2} {:>9} {:>9}  {:>6}",
                layout.name,
                format!("{spread:.1}"),
                added_text,
                spread.median / base,
                vs_stacked,
                vs_floor,
                result(results[l][p])
            );
        }
    }
    println!("\nadded ns per syscall over no filter (medians of per-round differences):");
    print!("{:<20}", "layout");
    for probe in probes {
        print!(" {:>14}", probe.label);
    }
    println!();
    for (l, layout) in layouts.iter().enumerate().skip(1) {
        print!("{:<20}", layout.name);
        for p in 0..probes.len() {
            print!(" {:>14.1}", Spread::of(&added(l, p)).median);
        }
        println!();
    }
    println!("(syscall timing took {elapsed:.0} s)");
}

/// In the child: install, then time each probe.
fn measure(install: &Install, probes: &[Probe], iters: u32) -> Result<Report, i32> {
    install.apply()?;
    let mut report = [0.0; SLOTS];
    for (p, probe) in probes.iter().enumerate() {
        let iters = (iters / probe.divisor).max(1);
        probe.repeat(iters / 10 + 1);
        let start = Instant::now();
        let ret = probe.repeat(iters);
        report[p] = child::since(start) / f64::from(iters);
        report[probes.len() + p] = ret as f64;
    }
    Ok(report)
}

/// `a / b`, unless `b` is too small to divide by (within noise of zero).
fn ratio(a: f64, b: f64) -> String {
    if b < 5.0 {
        "-".to_owned()
    } else {
        format!("{:.2}", a / b)
    }
}

/// A raw return value as a reader wants it: `EPERM` for -1, the value otherwise.
fn result(ret: i64) -> String {
    match -ret {
        e if e == i64::from(libc::EPERM) => "EPERM".to_owned(),
        e if e == i64::from(libc::ENOSYS) => "ENOSYS".to_owned(),
        e if e > 0 && e < 4096 => format!("-{e}"),
        _ => "ok".to_owned(),
    }
}
