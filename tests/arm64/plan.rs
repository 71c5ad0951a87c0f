//! The runs the guest makes and what the host expects of them, as files.
//!
//! `DIR/initramfs/plan`, read by `loader.c` (numbers in hexadecimal but `NR`):
//!
//! ```text
//! programs N
//! program I FLAGS            the program is DIR/initramfs/programs/I.bpf
//! runs M
//! run ID PROGRAM ABI NR A0 A1 A2 A3 A4 A5
//! ```
//!
//! A run with PROGRAM -1 is a reference run: the same syscall under no filter, made for
//! the probes that the filter should let through, whose outcome is then the syscall's own.
//! `DIR/expected.tsv`, read by `check`, has one `case` line per policy and one `probe`
//! line per filtered run: the probe, its reference run, how `Policy::decide` decides and
//! the actions it permits, and the value the simulator's run of the exported program
//! returns.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

use seccomp_dsl::{Abi, Action, Decision, SeccompData};

use crate::cases::{Case, Probe};

/// A filtered run and what is expected of it.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub id: usize,
    pub case: usize,
    pub probe: Probe,
    pub reference: Option<usize>,
    /// What the policy declares: one action, or the candidates of an ambiguous decision.
    pub decided: Vec<Action>,
    /// How the policy decides: `bad_arch`, `default`, `unknown`, `rule` or `ambiguous`.
    pub kind: String,
    /// What the exported program returns in the simulator (`SECCOMP_RET_*` and data).
    pub simulated: u32,
}

/// What `write` wrote.
pub struct Written {
    cases: usize,
    probes: [usize; 2],
    references: usize,
    dir: String,
}

impl fmt::Display for Written {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} policies, {} probes ({} aarch64, {} arm) and {} reference runs written to {}",
            self.cases,
            self.probes[0] + self.probes[1],
            self.probes[0],
            self.probes[1],
            self.references,
            self.dir
        )
    }
}

/// Write the guest's plan and programs and the host's expectations for `cases`.
pub fn write(dir: &Path, cases: &[Case]) -> io::Result<Written> {
    let programs = dir.join("initramfs").join("programs");
    fs::create_dir_all(&programs)?;
    let mut plan = String::new();
    let mut expected = String::from("# case\tINDEX\tNAME\n");
    expected.push_str("# probe\tID\tCASE\tABI\tNR\tA0..A5\tREFERENCE\tKIND\tDECIDED\tSIMULATED\n");
    plan.push_str(&format!("programs {}\n", cases.len()));
    for (index, case) in cases.iter().enumerate() {
        fs::write(programs.join(format!("{index}.bpf")), &case.bytes)?;
        plan.push_str(&format!("program {index} {:x}\n", flags(case)));
        expected.push_str(&format!("case\t{index}\t{}\n", case.name));
    }
    let mut runs = Vec::new();
    let mut references: HashMap<Probe, usize> = HashMap::new();
    let mut probes = [0; 2];
    for (index, case) in cases.iter().enumerate() {
        for &probe in &case.probes {
            let decision = case
                .policy
                .decide_nr(probe.abi, probe.nr as u32, probe.args);
            let kind = match decision {
                Decision::BadArch(_) => "bad_arch",
                Decision::Default(_) => "default",
                Decision::Unknown(_) => "unknown",
                Decision::Rule { .. } => "rule",
                _ => "ambiguous",
            };
            let decided: Vec<Action> = match decision {
                Decision::Ambiguous(candidates) => {
                    candidates.into_iter().map(|(_, action)| action).collect()
                }
                other => other.action().into_iter().collect(),
            };
            let data = SeccompData::new(probe.abi, probe.nr, probe.args);
            let simulated = case.program.run(&data).map_err(|e| {
                io::Error::other(format!("{}: simulating {probe:?}: {e}", case.name))
            })?;
            let runs_the_syscall = decided
                .iter()
                .chain([&Action::from_return_value(simulated)])
                .any(|action| matches!(action, Action::Allow | Action::Log));
            let reference = runs_the_syscall.then(|| {
                *references.entry(probe).or_insert_with(|| {
                    runs.push(run_line(runs.len(), None, probe));
                    runs.len() - 1
                })
            });
            let id = runs.len();
            runs.push(run_line(id, Some(index), probe));
            probes[usize::from(probe.abi == Abi::Arm)] += 1;
            let e = Expectation {
                id,
                case: index,
                probe,
                reference,
                decided,
                kind: kind.to_owned(),
                simulated,
            };
            expected.push_str(&expectation_line(&e));
        }
    }
    plan.push_str(&format!("runs {}\n", runs.len()));
    for run in &runs {
        plan.push_str(run);
    }
    fs::write(dir.join("initramfs").join("plan"), plan)?;
    let mut file = fs::File::create(dir.join("expected.tsv"))?;
    file.write_all(expected.as_bytes())?;
    Ok(Written {
        cases: cases.len(),
        probes,
        references: references.len(),
        dir: dir.display().to_string(),
    })
}

/// The `seccomp()` flags the policy's program is installed with. Thread sync is left out,
/// as `Program`'s install in a child leaves it out: the probe has one thread.
/// No-new-privs is not a flag: the probe, unprivileged, always sets it.
fn flags(case: &Case) -> libc::c_ulong {
    let attributes = case.policy.attributes();
    let mut flags = 0;
    if attributes.log {
        flags |= libc::SECCOMP_FILTER_FLAG_LOG;
    }
    if attributes.ssb {
        flags |= libc::SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    }
    flags
}

fn run_line(id: usize, program: Option<usize>, probe: Probe) -> String {
    let program = program.map_or("-1".to_owned(), |p| p.to_string());
    let [a0, a1, a2, a3, a4, a5] = probe.args;
    format!(
        "run {id} {program} {} {} {a0:x} {a1:x} {a2:x} {a3:x} {a4:x} {a5:x}\n",
        probe.abi.name(),
        probe.nr
    )
}

fn expectation_line(e: &Expectation) -> String {
    let args: Vec<String> = e.probe.args.iter().map(|a| format!("{a:x}")).collect();
    let decided: Vec<String> = e.decided.iter().map(|&a| action_text(a)).collect();
    format!(
        "probe\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{:08x}\n",
        e.id,
        e.case,
        e.probe.abi.name(),
        e.probe.nr,
        args.join("\t"),
        e.reference.map_or("-".to_owned(), |r| r.to_string()),
        e.kind,
        decided.join("|"),
        e.simulated
    )
}

/// The case names and the expectations in `DIR/expected.tsv`.
pub fn read_expected(dir: &Path) -> Result<(Vec<String>, Vec<Expectation>), String> {
    let path = dir.join("expected.tsv");
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut names = Vec::new();
    let mut expectations = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let bad = |what: &str| format!("{}:{}: {what}: {line}", path.display(), n + 1);
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            [first, ..] if first.starts_with('#') => {}
            ["case", index, name] => {
                if index.parse() != Ok(names.len()) {
                    return Err(bad("cases out of order"));
                }
                names.push((*name).to_owned());
            }
            ["probe", id, case, abi, nr, rest @ ..] if rest.len() == 10 => {
                let number = |s: &str| s.parse::<usize>().map_err(|_| bad("a bad number"));
                let mut args = [0u64; 6];
                for (arg, text) in args.iter_mut().zip(&rest[..6]) {
                    *arg = u64::from_str_radix(text, 16).map_err(|_| bad("a bad argument"))?;
                }
                let expectation = Expectation {
                    id: number(id)?,
                    case: number(case)?,
                    probe: Probe {
                        abi: Abi::from_name(abi).ok_or_else(|| bad("an unknown ABI"))?,
                        nr: nr.parse().map_err(|_| bad("a bad syscall number"))?,
                        args,
                    },
                    reference: match rest[6] {
                        "-" => None,
                        r => Some(number(r)?),
                    },
                    kind: rest[7].to_owned(),
                    decided: rest[8]
                        .split('|')
                        .map(|a| parse_action(a).ok_or_else(|| bad("an unknown action")))
                        .collect::<Result<_, _>>()?,
                    simulated: u32::from_str_radix(rest[9], 16)
                        .map_err(|_| bad("a bad return value"))?,
                };
                if expectation.case >= names.len() {
                    return Err(bad("a probe of an unknown case"));
                }
                expectations.push(expectation);
            }
            _ => return Err(bad("an unreadable line")),
        }
    }
    Ok((names, expectations))
}

/// An action as `expected.tsv` spells it.
pub fn action_text(action: Action) -> String {
    match action {
        Action::Allow => "allow".to_owned(),
        Action::Log => "log".to_owned(),
        Action::KillProcess => "kill_process".to_owned(),
        Action::KillThread => "kill_thread".to_owned(),
        Action::Trap => "trap".to_owned(),
        Action::Errno(errno) => format!("errno:{errno}"),
        Action::Trace(message) => format!("trace:{message}"),
        Action::Notify => "notify".to_owned(),
        // Unreadable on purpose: `check` then refuses the file, naming the line.
        other => format!("unsupported:{other}"),
    }
}

fn parse_action(text: &str) -> Option<Action> {
    Some(match text {
        "allow" => Action::Allow,
        "log" => Action::Log,
        "kill_process" => Action::KillProcess,
        "kill_thread" => Action::KillThread,
        "trap" => Action::Trap,
        "notify" => Action::Notify,
        _ => match text.split_once(':')? {
            ("errno", n) => Action::Errno(n.parse().ok()?),
            ("trace", n) => Action::Trace(n.parse().ok()?),
            _ => return None,
        },
    })
}
