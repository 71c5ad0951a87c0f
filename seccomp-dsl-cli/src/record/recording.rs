//! What a recording holds: every syscall seen, per ABI, with its count and, with
//! `--args`, the values of its command or flags argument.

use std::collections::BTreeMap;

use seccomp_runtime::{multiplexer, syscall_name, Abi, Request};

use super::args::{condition_arg, MAX_VALUES};

/// Everything seen: per ABI and syscall number, how often, and the recorded argument.
#[derive(Debug, Default)]
pub struct Recording {
    /// Keyed by ABI and the syscall's number on it.
    pub seen: BTreeMap<(Abi, i32), Seen>,
}

/// One syscall of one ABI.
#[derive(Debug)]
pub struct Seen {
    /// How many times it was made.
    pub count: u64,
    /// The argument recorded with `--args`, and its values with their counts; `None` once
    /// it had more than [`MAX_VALUES`] values.
    pub values: Option<(u8, Option<BTreeMap<u64, u64>>)>,
}

impl Recording {
    /// Count one request of `abi`; with `with_args`, its argument value too.
    pub(super) fn add(&mut self, abi: Abi, request: &Request, with_args: bool) {
        let seen = self.seen.entry((abi, request.nr)).or_insert_with(|| Seen {
            count: 0,
            // Looked up once per syscall: the name is needed to pick the argument.
            values: with_args
                .then(|| recorded_arg(abi, request.nr))
                .flatten()
                .map(|arg| (arg, Some(BTreeMap::new()))),
        });
        seen.count += 1;
        if let Some((arg, Some(values))) = &mut seen.values {
            *values.entry(request.args[usize::from(*arg)]).or_default() += 1;
            if values.len() > MAX_VALUES {
                seen.values = seen.values.take().map(|(arg, _)| (arg, None));
            }
        }
    }

    /// How many distinct syscalls (per ABI) were seen.
    pub fn distinct(&self) -> usize {
        self.seen.len()
    }

    /// The ABIs seen, in order.
    pub fn abis(&self) -> Vec<Abi> {
        let mut abis: Vec<Abi> = self.seen.keys().map(|(abi, _)| *abi).collect();
        abis.dedup();
        abis
    }

    /// The ABIs seen, as a comma-separated list.
    pub fn abi_list(&self) -> String {
        let names: Vec<&str> = self.abis().into_iter().map(Abi::name).collect();
        names.join(", ")
    }
}

/// The argument `--args` records for syscall `nr` of `abi`, if any. None for a syscall that
/// the ABI also reaches through `socketcall`/`ipc`: a filter cannot check those arguments.
fn recorded_arg(abi: Abi, nr: i32) -> Option<u8> {
    let name = syscall_name(abi, nr)?;
    if multiplexer(abi, name).is_some() {
        return None;
    }
    condition_arg(name)
}
