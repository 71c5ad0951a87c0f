//! Compare what the arm64 kernel did with what the policies declare and the simulator
//! predicts, and say so in figures.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::fs;
use std::path::Path;

use seccomp_dsl::{Abi, Action};

use crate::outcome::{Outcome, Verdict};
use crate::plan::{self, action_text, Expectation};

/// Divergences printed in full; the rest are counted.
const SHOWN: usize = 20;

/// The result of a check, printed as its figures.
#[derive(Default)]
pub struct Report {
    kernel: Option<String>,
    compat: Option<String>,
    time: Option<String>,
    cases: (usize, usize),
    probes: [usize; 2],
    references: usize,
    done: Option<usize>,
    /// How the policies decide the probes (`bad_arch`, `rule`, ...).
    kinds: BTreeMap<String, usize>,
    /// The kernel's outcomes, by the simulated action's kind.
    actions: BTreeMap<&'static str, usize>,
    decide_vs_simulator: usize,
    kernel_vs_decide: usize,
    kernel_vs_simulator: usize,
    diverging: usize,
    flipped: Option<usize>,
    /// Divergences and harness errors, in full.
    problems: Vec<String>,
    more_problems: usize,
    harness_errors: usize,
    /// Probes without a result for themselves or their reference run.
    missing: usize,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.compat.as_deref() == Some("yes")
            && self.harness_errors == 0
            && self.missing == 0
            && self.diverging == 0
            && self.done == Some(self.probes[0] + self.probes[1] + self.references)
    }

    fn problem(&mut self, text: String) {
        if self.problems.len() < SHOWN {
            self.problems.push(text);
        } else {
            self.more_problems += 1;
        }
    }

    fn harness_error(&mut self, text: String) {
        self.harness_errors += 1;
        self.problem(format!("harness: {text}"));
    }
}

/// Check the guest's console output `console` against `dir/expected.tsv`; `flip` makes
/// that probe's expectation wrong on purpose.
pub fn run(dir: &Path, console: &Path, flip: Option<usize>) -> Result<Report, String> {
    let (names, expectations) = plan::read_expected(dir)?;
    let text = fs::read(console).map_err(|e| format!("{}: {e}", console.display()))?;
    let text = String::from_utf8_lossy(&text);
    let mut report = Report {
        flipped: flip,
        ..Report::default()
    };
    let fixed = names.iter().filter(|n| n.starts_with("fixed")).count();
    report.cases = (fixed, names.len() - fixed);

    let mut outcomes: HashMap<usize, Outcome> = HashMap::new();
    for line in text.lines() {
        // The kernel may print on the same console; only the loader's lines count.
        let line = line.trim_end_matches('\r');
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            ["I", "kernel", rest @ ..] => report.kernel = Some(rest.join(" ")),
            ["I", "compat", rest @ ..] => report.compat = Some(rest.join(" ")),
            ["I", "time", rest @ ..] => report.time = Some(rest.join(" ")),
            ["I", "done", n] => report.done = n.parse().ok(),
            ["I", "error", ..] => report.harness_error(format!("the guest: {line}")),
            ["R", id, rest @ ..] => match (id.parse::<usize>(), Outcome::parse(rest)) {
                (Ok(id), Some(outcome)) => {
                    if outcomes.insert(id, outcome).is_some() {
                        report.harness_error(format!("run {id} reported twice"));
                    }
                }
                _ => report.harness_error(format!("an unreadable result: {line:?}")),
            },
            _ => {}
        }
    }
    if report.compat.as_deref() != Some("yes") {
        let compat = report.compat.clone().unwrap_or("not reported".into());
        report.harness_error(format!("compat (32-bit arm): {compat}"));
    }

    let mut references = std::collections::HashSet::new();
    for e in &expectations {
        report.probes[usize::from(e.probe.abi == Abi::Arm)] += 1;
        references.extend(e.reference);
        *report.kinds.entry(e.kind.clone()).or_default() += 1;
        compare(&mut report, &names, e, &outcomes, flip == Some(e.id));
    }
    report.references = references.len();
    if report.kernel.is_none() {
        report.harness_error(
            "the guest printed nothing: did the kernel boot? (ARM64_VERBOSE=1 shows its \
             messages)"
                .into(),
        );
    }
    if let Some(id) = flip {
        if !expectations.iter().any(|e| e.id == id) {
            return Err(format!("--flip {id}: no probe has that id"));
        }
    }
    Ok(report)
}

fn compare(
    report: &mut Report,
    names: &[String],
    e: &Expectation,
    outcomes: &HashMap<usize, Outcome>,
    flip: bool,
) {
    let (abi, nr) = (e.probe.abi, e.probe.nr);
    let describe = || {
        format!(
            "probe {} of {:?}: {} {}{:x?}",
            e.id,
            names[e.case],
            abi.name(),
            e.probe.syscall(),
            e.probe.args
        )
    };
    // Missing results are counted, not listed: a guest that stopped early misses many.
    let Some(&seen) = outcomes.get(&e.id) else {
        report.missing += 1;
        return;
    };
    let reference = match e.reference.map(|r| outcomes.get(&r).copied()) {
        Some(None) => {
            report.missing += 1;
            return;
        }
        Some(Some(reference)) => Some(reference),
        None => None,
    };
    for outcome in [Some(seen), reference].into_iter().flatten() {
        if let Outcome::Setup { step, errno } = outcome {
            report.harness_error(format!(
                "{}: the probe failed to set up at step {step} with errno {errno}",
                describe()
            ));
            return;
        }
    }
    let mut simulated = Verdict::returned(e.simulated);
    let mut decided: Vec<Verdict> = e.decided.iter().map(|&a| Verdict::declared(a)).collect();
    if flip {
        simulated = simulated.wrong();
        decided = vec![simulated];
    }
    *report.actions.entry(kind(simulated.action)).or_default() += 1;

    let explains = |verdict: Verdict| verdict.explains(abi, nr, reference, seen);
    let mut errors = Vec::new();
    let by_simulator = explains(simulated).unwrap_or_else(|err| {
        errors.push(err);
        false
    });
    let by_decide = decided.iter().any(|&v| {
        explains(v).unwrap_or_else(|err| {
            errors.push(err);
            false
        })
    });
    for err in errors {
        report.harness_error(format!("{}: {err}", describe()));
    }
    let agree = decided.iter().any(|v| v.action == simulated.action);
    report.decide_vs_simulator += usize::from(!agree);
    report.kernel_vs_decide += usize::from(!by_decide);
    report.kernel_vs_simulator += usize::from(!by_simulator);
    if !(agree && by_decide && by_simulator) {
        report.diverging += 1;
        let decided: Vec<String> = decided.iter().map(|v| action_text(v.action)).collect();
        report.problem(format!(
            "{}: decide says {} ({}), the simulator {}, the kernel did {seen:?}{}",
            describe(),
            decided.join(" or "),
            e.kind,
            action_text(simulated.action),
            reference.map_or(String::new(), |r| format!(" (unfiltered: {r:?})")),
        ));
    }
}

/// An action's kind, without its data.
fn kind(action: Action) -> &'static str {
    match action {
        Action::Allow => "allow",
        Action::Log => "log",
        Action::KillProcess => "kill_process",
        Action::KillThread => "kill_thread",
        Action::Trap => "trap",
        Action::Errno(_) => "errno",
        Action::Trace(_) => "trace",
        Action::Notify => "notify",
        _ => "other",
    }
}

fn counts<K: fmt::Display>(map: &BTreeMap<K, usize>) -> String {
    let mut out = String::new();
    for (k, n) in map {
        let sep = if out.is_empty() { "" } else { ", " };
        let _ = write!(out, "{sep}{k} {n}");
    }
    out
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unknown = "not reported";
        writeln!(
            f,
            "arm64 kernel: {}",
            self.kernel.as_deref().unwrap_or(unknown)
        )?;
        writeln!(
            f,
            "compat (32-bit arm EABI): {}",
            self.compat.as_deref().unwrap_or(unknown)
        )?;
        writeln!(
            f,
            "policies: {} ({} fixed, {} random)",
            self.cases.0 + self.cases.1,
            self.cases.0,
            self.cases.1
        )?;
        writeln!(
            f,
            "probes: {} ({} aarch64, {} arm), plus {} reference runs; runs done: {}",
            self.probes[0] + self.probes[1],
            self.probes[0],
            self.probes[1],
            self.references,
            self.done.map_or(unknown.to_owned(), |n| n.to_string())
        )?;
        if let Some(time) = &self.time {
            writeln!(f, "guest time (emulated): {time}")?;
        }
        writeln!(f, "decided by: {}", counts(&self.kinds))?;
        writeln!(f, "actions: {}", counts(&self.actions))?;
        if let Some(id) = self.flipped {
            writeln!(
                f,
                "self-test: the expectation of probe {id} is wrong on purpose"
            )?;
        }
        for problem in &self.problems {
            writeln!(f, "  {problem}")?;
        }
        if self.more_problems > 0 {
            writeln!(f, "  ... and {} more", self.more_problems)?;
        }
        writeln!(
            f,
            "probes diverging: {} (decide vs simulator {}, kernel vs decide {}, kernel vs \
             simulator {}); harness errors: {}; probes without a result: {}",
            self.diverging,
            self.decide_vs_simulator,
            self.kernel_vs_decide,
            self.kernel_vs_simulator,
            self.harness_errors,
            self.missing
        )?;
        writeln!(f, "{}", if self.passed() { "PASSED" } else { "FAILED" })
    }
}
