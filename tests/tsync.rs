//! Thread sync, verified against the kernel: a filter loaded with `tsync` reaches threads
//! that were already running; without it only the loading thread is filtered.

mod support;

use std::sync::mpsc;
use std::thread;

use seccomp_dsl::{errno, Abi, Action, Block, Policy, Rule};
use support::{in_child, seccomp_filters, x86_64, Outcome, INSTALL_FAILED};

/// Loads a policy denying `getppid` on the main thread of a child while a second thread
/// waits, then reports what the second thread sees: `filters gained * 2 + denied`.
///
/// Counted from what the thread had before the load: in a container the test process
/// already has the runtime's filter.
fn second_thread_under(tsync: bool) -> Outcome {
    let policy = Policy::new(Action::Allow).tsync(tsync).block(
        Block::new([Abi::X86_64]).rule(Rule::new(Action::Errno(errno::EHOSTDOWN), ["getppid"])),
    );
    let filter = policy.build().unwrap();
    filter.program().unwrap();
    in_child(|| {
        let (loaded, wait_for_load) = mpsc::channel::<()>();
        // Read here, not in the second thread, which may first run after the load; a new
        // thread starts with the filters of the thread that created it.
        let before = seccomp_filters(true);
        let second = thread::spawn(move || {
            wait_for_load.recv().unwrap();
            let denied = x86_64(libc::SYS_getppid, [0; 3]) == libc::EHOSTDOWN;
            (seccomp_filters(true) - before) * 2 + i32::from(denied)
        });
        if filter.load().is_err() {
            return INSTALL_FAILED;
        }
        loaded.send(()).unwrap();
        second.join().unwrap()
    })
}

fn with_tsync_every_thread_is_filtered() {
    assert_eq!(second_thread_under(true), Outcome::Exited(2 + 1));
}

fn without_tsync_only_the_caller_is_filtered() {
    assert_eq!(second_thread_under(false), Outcome::Exited(0));
}

fn main() {
    support::run(&[
        (
            "with_tsync_every_thread_is_filtered",
            with_tsync_every_thread_is_filtered,
        ),
        (
            "without_tsync_only_the_caller_is_filtered",
            without_tsync_only_the_caller_is_filtered,
        ),
    ]);
}
