//! The `seccomp_policy!` macro of `seccomp-dsl`. Use it through `seccomp-dsl`, which
//! re-exports it with the runtime that its expansion calls.
//!
//! The pipeline (parse, lower, check, expand) is `seccomp_runtime::syntax`, shared with
//! policy files read at run time: one grammar, one implementation. This crate is only the
//! `#[proc_macro]` entry point.

/// Declare a seccomp policy; the value is a `seccomp_dsl::Policy`, checked at compile time.
///
/// ```
/// use seccomp_dsl::seccomp_policy;
///
/// let policy = seccomp_policy! {
///     default errno(EPERM);
///     allow exit_group, rt_sigreturn;          // common: added to every ABI's filter
///
///     abi x86_64, x32 {
///         allow read, write, close, openat;
///         allow fcntl if arg1 == 3;            // F_GETFL
///         kill_process ptrace;
///     }
///     abi x86 {
///         allow read, write, close, socketcall;
///     }
/// };
/// let filter = policy.build()?;               // one filter per ABI, merged into one
/// assert_eq!(filter.summary().len(), 3);
/// # Ok::<(), seccomp_dsl::Error>(())
/// ```
///
/// Each ABI named in a block gets its own libseccomp filter holding that ABI alone, with the
/// common rules and the block's rules; the filters are merged into one, which
/// `Policy::load` loads with one `seccomp()` call. A syscall made through an ABI that no
/// block names gets the `bad_arch` action.
///
/// # The language
///
/// ```text
/// policy    := setting* common_rule* block+
/// setting   := "default" action ";"                exactly once
///            | "bad_arch" action ";"               ABIs no block names (default kill_process)
///            | "unknown" action ";"                numbers the syscall table does not know
///            | flag "=" value ";"                  see below
/// block     := "abi" abi ("," abi)* "{" rule* "}"
/// rule      := action entries ("except" entries)? ("if" cmp ("&&" cmp)*)? ";"
/// entries   := entry ("," entry)*
/// entry     := syscall | "?" syscall | "@" group
/// action    := allow | log | kill_process | kill_thread | trap | notify
///            | errno(NAME or 0..=4095) | trace(0..=65535)
/// cmp       := argN op value | argN "&" value "==" value     N in 0..=5
/// op        := == | != | < | <= | > | >=                      unsigned, 64-bit
/// value     := integer literal | path to a constant | "(" expression ")"
/// ```
///
/// - **ABIs** are libseccomp's names: `x86_64 x86 x32 aarch64 arm riscv64 ppc64le ppc64 ppc
///   s390x s390 mips mipsel mips64 mipsel64 mips64n32 mipsel64n32 parisc parisc64`, and
///   `native`, the ABI of the target being compiled for.
/// - **Syscalls** are the kernel's names, checked for each ABI of their block against the
///   project's syscall table; Rust keywords are names too (x86 has `break`). A name written
///   out is strict: an ABI of its block that lacks it is an error. `?name` is optional: it
///   is skipped on ABIs that lack it.
/// - **Groups** (`@system_service`, `@file_system`, ...) are systemd's syscall groups, with
///   `-` written `_` (see `seccomp_dsl::group`). Members an ABI lacks are skipped there;
///   `Filter::summary` lists what was skipped. `except` takes names or groups out of a
///   rule: `allow @system_service except @privileged, ptrace;`. An `except` item that
///   removes nothing on any of the rule's ABIs is an error.
/// - **`unknown errno(ENOSYS);`** gives syscall numbers the table does not know (newer than
///   it, or holes) that action, so that glibc falls back to an older syscall, while known
///   syscalls without a rule get the default.
/// - **Errno names** (`EPERM`, `ENOSYS`, ...) are the target's values.
/// - **Values** that are paths or parenthesized expressions are cast to `u64` with `as`,
///   the way C converts a rule's value to `scmp_datum_t` (so `libc::AT_FDCWD`, -100, is
///   sign-extended). They are only known to the compiled program: conflicts between rules
///   that compare them are found at compile time when the tokens are the same, and by
///   `Policy::build` otherwise.
/// - **Flags**, each at most once: `no_new_privs = false;` (default `true`),
///   `tsync = true;`, `log = true;` and `ssb = true;` (default `false`), and
///   `optimize = linear;` (default `binary_tree`).
/// - **`precompiled = true;`** (cargo feature `precompiled` of `seccomp-dsl`) builds the BPF
///   program at compile time, checks it against the policy in the simulator (every syscall of
///   every ABI, every condition's boundaries) and embeds it: loading then needs no libseccomp.
///   Values must be literals.
/// - **`io_uring = unfiltered;`** (default `checked`): operations submitted through an
///   io_uring ring never pass through seccomp, so a policy that lets the program set up a
///   ring (`io_uring_setup`, in `@aio` and so in `@system_service`) while denying a syscall
///   the ring does the work of (`IORING_OP_OPENAT` for `openat`, `CONNECT`, `UNLINKAT`, ...)
///   is an error on the rule that allows `io_uring_setup`. Take io_uring out
///   (`except @aio`, or deny `io_uring_setup`), or say `io_uring = unfiltered;` for a
///   program that needs io_uring and may do what its ring can.
///
/// # Compile-time checks
///
/// Every mistake in a policy is reported in one compile, each on its token: an ABI in two
/// blocks or twice in one list (including `native` against the target's own ABI), an
/// unknown ABI, a syscall that one of its block's ABIs lacks, two actions for one syscall
/// and condition, a rule made dead by an unconditional one, a rule whose action is the
/// default, `argN` past `arg5`, two comparisons on one argument, an errno out of range or
/// unknown, a missing or repeated setting, a policy with no block, a ring that does what the
/// policy denies, and more: the checks are
/// `Policy::violations`, the very function `Policy::build` runs.
#[proc_macro]
pub fn seccomp_policy(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    seccomp_runtime::syntax::expand_macro(input.into()).into()
}
