//! From a checked policy to one libseccomp filter per ABI, then to one merged filter.

use std::collections::HashMap;

use libseccomp::{ScmpArch, ScmpArgCompare, ScmpFilterContext, ScmpSyscall};

use crate::filter::{AbiSummary, AddedRule};
use crate::syscall::native_number;
use crate::{Abi, Error, Filter, Policy, Prefix, Result};

impl Policy {
    /// Check the policy, build one filter per ABI with exact rule adds, and merge them into
    /// one filter, ready to load or export.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] with every mistake if [`Policy::violations`] finds any; otherwise
    /// the first libseccomp failure, naming the ABI (and the syscall and rule, for a rule).
    pub fn build(&self) -> Result<Filter> {
        let violations = self.violations();
        if !violations.is_empty() {
            return Err(Error::Invalid(violations));
        }
        // Every rule of every ABI is added before anything is merged.
        let mut built = Vec::new();
        let mut natives = HashMap::new();
        for abi in self.abis() {
            built.push(self.build_abi(abi, &mut natives)?);
        }
        let mut built = built.into_iter();
        let (mut merged, first) = built.next().expect("a checked policy has an ABI");
        let mut summary = vec![first];
        for (ctx, abi_summary) in built {
            let abi = abi_summary.abi;
            merged.merge(ctx).map_err(|e| Error::Merge {
                abi,
                source: e.into(),
            })?;
            summary.push(abi_summary);
        }
        Ok(
            Filter::new(merged, self.attributes, self.bad_abi_action, summary)
                .with_prefix(self.prefix()),
        )
    }

    /// What the BPF prefix in front of libseccomp's program decides for this policy: the
    /// syscalls libseccomp does not know, by number, and the `unknown` action with the
    /// numbers the syscall table knows per ABI. Empty (no instruction) until the policy
    /// has either.
    fn prefix(&self) -> Prefix {
        Prefix::new()
    }

    /// Check, build and load the policy into the calling process (or, with `tsync`, every
    /// thread of it) with one `seccomp()` call.
    ///
    /// # Errors
    ///
    /// As [`Policy::build`] and [`Filter::load`]. On any error the process is unfiltered.
    pub fn load(&self) -> Result<()> {
        self.build()?.load()
    }

    /// `natives` keeps each name's native number across ABIs: resolving is a table walk.
    fn build_abi<'p>(
        &'p self,
        abi: Abi,
        natives: &mut HashMap<&'p str, ScmpSyscall>,
    ) -> Result<(ScmpFilterContext, AbiSummary)> {
        let mut ctx = self.empty_filter(abi)?;
        let mut added = Vec::new();
        for (at, rule) in self.rules_for(abi) {
            let comparisons: Vec<ScmpArgCompare> =
                rule.conditions().iter().map(|c| c.to_scmp()).collect();
            for name in rule.syscall_names() {
                let syscall: &str = name;
                let fail = |source| Error::AddRule {
                    abi,
                    syscall: syscall.to_owned(),
                    rule: rule.to_string(),
                    at,
                    source,
                };
                let native = match natives.get(syscall) {
                    Some(&native) => native,
                    None => {
                        let native = native_number(syscall).map_err(|e| fail(e.into()))?;
                        *natives.entry(syscall).or_insert(native)
                    }
                };
                ctx.add_rule_conditional_exact(rule.action().to_scmp(), native, &comparisons)
                    .map_err(|e| fail(e.into()))?;
                added.push(AddedRule {
                    at,
                    abi,
                    syscall: name.clone(),
                    action: rule.action(),
                    conditions: rule.conditions().to_vec(),
                });
            }
        }
        Ok((ctx, AbiSummary { abi, rules: added }))
    }

    /// A filter holding `abi` alone, with the policy's actions and attributes.
    fn empty_filter(&self, abi: Abi) -> Result<ScmpFilterContext> {
        let setting = |setting: &'static str| {
            move |e: libseccomp::error::SeccompError| Error::Setting {
                abi,
                setting,
                source: e.into(),
            }
        };
        let mut ctx =
            ScmpFilterContext::new(self.default_action.to_scmp()).map_err(|e| Error::Create {
                abi,
                source: e.into(),
            })?;
        // seccomp_init() adds the native ABI. It goes first: libseccomp refuses to hold
        // ABIs of two byte orders at once, even for a moment.
        if !ctx.is_arch_present(abi.to_scmp()).map_err(setting("ABI"))? {
            ctx.remove_arch(ScmpArch::Native).map_err(setting("ABI"))?;
            ctx.add_arch(abi.to_scmp()).map_err(setting("ABI"))?;
        }
        let attributes = self.attributes;
        ctx.set_act_badarch(self.bad_abi_action.to_scmp())
            .map_err(setting("SCMP_FLTATR_ACT_BADARCH"))?;
        ctx.set_ctl_nnp(attributes.no_new_privs)
            .map_err(setting("SCMP_FLTATR_CTL_NNP"))?;
        ctx.set_ctl_tsync(attributes.tsync)
            .map_err(setting("SCMP_FLTATR_CTL_TSYNC"))?;
        ctx.set_ctl_log(attributes.log)
            .map_err(setting("SCMP_FLTATR_CTL_LOG"))?;
        ctx.set_ctl_ssb(attributes.ssb)
            .map_err(setting("SCMP_FLTATR_CTL_SSB"))?;
        ctx.set_ctl_optimize(attributes.optimize.level())
            .map_err(setting("SCMP_FLTATR_CTL_OPTIMIZE"))?;
        // Without raw return codes, every kernel failure comes back as ECANCELED.
        ctx.set_api_sysrawrc(true)
            .map_err(setting("SCMP_FLTATR_API_SYSRAWRC"))?;
        Ok(ctx)
    }
}
