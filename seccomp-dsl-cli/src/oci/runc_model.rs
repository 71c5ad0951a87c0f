//! A model of what runc builds from an OCI profile, for tests: the filter made the way
//! runc's `InitSeccomp` makes it (opencontainers/runc `libcontainer/seccomp`), with the
//! installed libseccomp. One filter with the native ABI and every listed architecture, no
//! bad-arch action set (libseccomp's default, kill_thread), rules added by name with the
//! non-exact add, rules with the default action skipped, names libseccomp does not know
//! ignored, two comparisons on one argument split into one rule each. runc's `ENOSYS` stub
//! is not modelled.

use std::io::{Read, Seek, SeekFrom};
use std::str::FromStr;

use libseccomp::{
    ScmpAction, ScmpArch, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall,
};
use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompOperator};
use seccomp_runtime::{Action, Attributes, Endian, Program};

use super::arch::oci_name;
use super::import::action;

fn scmp(action: Action) -> ScmpAction {
    match action {
        Action::Allow => ScmpAction::Allow,
        Action::Log => ScmpAction::Log,
        Action::KillProcess => ScmpAction::KillProcess,
        Action::KillThread => ScmpAction::KillThread,
        Action::Trap => ScmpAction::Trap,
        Action::Errno(errno) => ScmpAction::Errno(errno),
        Action::Trace(message) => ScmpAction::Trace(message),
        _ => ScmpAction::Notify,
    }
}

/// The program runc would load for `seccomp` (before its ENOSYS stub).
pub fn build_like_runc(seccomp: &LinuxSeccomp) -> Program {
    let default = action(
        seccomp.default_action(),
        seccomp.default_errno_ret(),
        "default",
    )
    .expect("a valid default");
    let mut filter = ScmpFilterContext::new(scmp(default)).expect("a filter");
    for arch in seccomp.architectures().iter().flatten() {
        let arch = ScmpArch::from_str(&oci_name(*arch)).expect("an architecture");
        filter.add_arch(arch).expect("adding the architecture");
    }
    filter.set_ctl_nnp(false).expect("no_new_privs off");
    for rule in seccomp.syscalls().iter().flatten() {
        let act = action(rule.action(), rule.errno_ret(), "rule").expect("a valid action");
        if act == default {
            continue;
        }
        let compares: Vec<ScmpArgCompare> = rule
            .args()
            .iter()
            .flatten()
            .map(|arg| {
                let index = u32::try_from(arg.index()).expect("an argument index");
                let (op, datum) = match arg.op() {
                    LinuxSeccompOperator::ScmpCmpEq => (ScmpCompareOp::Equal, arg.value()),
                    LinuxSeccompOperator::ScmpCmpNe => (ScmpCompareOp::NotEqual, arg.value()),
                    LinuxSeccompOperator::ScmpCmpLt => (ScmpCompareOp::Less, arg.value()),
                    LinuxSeccompOperator::ScmpCmpLe => (ScmpCompareOp::LessOrEqual, arg.value()),
                    LinuxSeccompOperator::ScmpCmpGt => (ScmpCompareOp::Greater, arg.value()),
                    LinuxSeccompOperator::ScmpCmpGe => (ScmpCompareOp::GreaterEqual, arg.value()),
                    LinuxSeccompOperator::ScmpCmpMaskedEq => (
                        ScmpCompareOp::MaskedEqual(arg.value()),
                        arg.value_two().unwrap_or_default(),
                    ),
                };
                ScmpArgCompare::new(index, op, datum)
            })
            .collect();
        let mut seen = 0u8;
        let repeated = rule.args().iter().flatten().any(|arg| {
            let bit = 1u8 << arg.index();
            let again = seen & bit != 0;
            seen |= bit;
            again
        });
        for name in rule.names() {
            let Ok(nr) = ScmpSyscall::from_name(name) else {
                continue;
            };
            if compares.is_empty() {
                filter
                    .add_rule(scmp(act), nr)
                    .expect("an unconditional rule");
            } else if repeated {
                for compare in &compares {
                    filter
                        .add_rule_conditional(scmp(act), nr, std::slice::from_ref(compare))
                        .expect("a split rule");
                }
            } else {
                filter
                    .add_rule_conditional(scmp(act), nr, &compares)
                    .expect("a conditional rule");
            }
        }
    }
    let mut file = tempfile();
    filter.export_bpf(&file).expect("exporting the BPF");
    file.seek(SeekFrom::Start(0)).expect("seek");
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).expect("read");
    Program::from_bytes(&bytes, Endian::HOST, Attributes::default()).expect("whole instructions")
}

fn tempfile() -> std::fs::File {
    let path = std::env::temp_dir().join(format!(
        "seccomp-dsl-runc-model-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .expect("a scratch file");
    std::fs::remove_file(&path).ok();
    file
}
