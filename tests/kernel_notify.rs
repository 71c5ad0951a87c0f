//! User notification, verified against the kernel: each filter is loaded in its own child
//! process (or a spawned command), a supervisor answers through the listener, and the
//! test asserts what the notified syscall returned and what the supervisor saw.

mod support;

use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use seccomp_dsl::{
    errno, Abi, Action, Block, CommandExt, Listener, NotifyError, Policy, Readiness, Request, Rule,
};
use support::{exited, in_child, x86, Outcome, INSTALL_FAILED};

/// The value a supervisor returns for a notified `getppid`, which no real parent has.
const ANSWER: i64 = 4242;

/// i386 `getppid`.
const I386_GETPPID: u32 = 64;

/// `getppid` through the x86_64 ABI: its raw return value, or `-errno`.
fn getppid() -> i64 {
    // SAFETY: getppid takes no arguments.
    let ret = unsafe { libc::syscall(libc::SYS_getppid) };
    if ret == -1 {
        -i64::from(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        ret
    }
}

/// The calling thread's id.
fn gettid() -> u32 {
    // SAFETY: gettid takes no arguments.
    unsafe { libc::syscall(libc::SYS_gettid) as u32 }
}

/// Allow everything but `getppid`, which goes to the listener.
fn notify_getppid(tsync: bool) -> Policy {
    Policy::new(Action::Allow)
        .tsync(tsync)
        .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::Notify, ["getppid"])))
}

/// Answer every request of `listener` with `answer` on a new thread, and send each request
/// to the returned receiver first.
fn serve(
    listener: Listener,
    answer: fn(&Listener, &Request) -> Result<(), NotifyError>,
) -> mpsc::Receiver<Request> {
    let (seen, requests) = mpsc::channel();
    thread::spawn(move || loop {
        let Ok(request) = listener.recv() else {
            continue;
        };
        // Sent before the answer, so that it is there once the syscall returns.
        if seen.send(request.clone()).is_err() {
            return;
        }
        let _ = answer(&listener, &request);
    });
    requests
}

/// In a child: load `policy` with a listener answered by `answer`, call `getppid`, and exit
/// with 0 if it returned `expected` and the request named `getppid` on x86_64 from this
/// thread; else a code saying what differed.
fn answered(
    policy: &Policy,
    answer: fn(&Listener, &Request) -> Result<(), NotifyError>,
    expected: fn(i64) -> bool,
) -> Outcome {
    let filter = policy.build().unwrap();
    filter.program().unwrap();
    in_child(|| {
        let Ok(listener) = filter.load_with_listener() else {
            return INSTALL_FAILED;
        };
        let requests = serve(listener, answer);
        let ret = getppid();
        let Ok(request) = requests.recv() else {
            return 10;
        };
        if !expected(ret) {
            return 11;
        }
        let ok = request.syscall_name() == Some("getppid")
            && request.abi == Some(Abi::X86_64)
            && request.nr == libc::SYS_getppid as i32
            && request.pid == gettid();
        if ok {
            0
        } else {
            12
        }
    })
}

fn errno_value_and_continue_answers() {
    let policy = notify_getppid(false);
    let real_parent = i64::from(std::process::id());
    assert_eq!(
        answered(
            &policy,
            |l, r| l.respond_errno(r, errno::EHOSTDOWN),
            |ret| ret == -i64::from(libc::EHOSTDOWN)
        ),
        exited(0),
        "errno"
    );
    assert_eq!(
        answered(
            &policy,
            |l, r| l.respond_value(r, ANSWER),
            |ret| ret == ANSWER
        ),
        exited(0),
        "value"
    );
    // Continue: the syscall really runs, so the child sees its real parent, this process.
    let outcome = {
        let filter = policy.build().unwrap();
        filter.program().unwrap();
        in_child(|| {
            let Ok(listener) = filter.load_with_listener() else {
                return INSTALL_FAILED;
            };
            let requests = serve(listener, |l, r| l.respond_continue(r));
            let ret = getppid();
            requests
                .recv()
                .map_or(10, |_| i32::from(ret != real_parent))
        })
    };
    assert_eq!(outcome, exited(0), "continue");
}

fn syscalls_the_filter_does_not_notify_are_not_seen() {
    let filter = notify_getppid(false).build().unwrap();
    filter.program().unwrap();
    let outcome = in_child(|| {
        let Ok(listener) = filter.load_with_listener() else {
            return INSTALL_FAILED;
        };
        // SAFETY: getpid takes no arguments.
        unsafe { libc::syscall(libc::SYS_getpid) };
        match listener.try_recv() {
            Ok(None) => 0,
            _ => 1,
        }
    });
    assert_eq!(outcome, exited(0));
}

/// The libseccomp 2.5 merge drops the notify flag (its issue #475); our own seccomp()
/// call must still get a listener for a merged three-ABI filter, and both ABIs' notify
/// rules must reach it.
fn a_merged_multi_abi_filter_gets_a_listener() {
    let policy = Policy::new(Action::Allow)
        .rule(Rule::new(Action::Notify, ["getppid"]))
        .block(Block::new([Abi::X86_64, Abi::X32]))
        .block(Block::new([Abi::X86]));
    assert_eq!(
        policy.build().unwrap().summary().len(),
        3,
        "three filters merged"
    );
    let filter = policy.build().unwrap();
    filter.program().unwrap();
    let outcome = in_child(|| {
        let Ok(listener) = filter.load_with_listener() else {
            return INSTALL_FAILED;
        };
        let requests = serve(listener, |l, r| l.respond_value(r, ANSWER));
        let x86_64 = getppid();
        // support::x86 gives 0 for a non-negative return; a denied call would be an errno.
        let x86 = x86(I386_GETPPID, [0; 3]);
        let abis: Vec<_> = [requests.recv(), requests.recv()]
            .into_iter()
            .map(|r| r.ok().and_then(|r| r.abi))
            .collect();
        let ok = x86_64 == ANSWER && x86 == 0 && abis == [Some(Abi::X86_64), Some(Abi::X86)];
        i32::from(!ok)
    });
    assert_eq!(outcome, exited(0));
}

/// Two threads started before the load call `getppid`: with tsync both are notified (and
/// get the supervisor's answer); without it neither is, and only the loading thread is.
fn threads_with_and_without_tsync() {
    for tsync in [true, false] {
        let filter = notify_getppid(tsync).build().unwrap();
        filter.program().unwrap();
        let outcome = in_child(|| {
            let (go, wait) = mpsc::channel::<()>();
            let wait = std::sync::Arc::new(std::sync::Mutex::new(wait));
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let wait = wait.clone();
                    thread::spawn(move || {
                        wait.lock().unwrap().recv().unwrap();
                        (getppid(), gettid())
                    })
                })
                .collect();
            let Ok(listener) = filter.load_with_listener() else {
                return INSTALL_FAILED;
            };
            let requests = serve(listener, |l, r| l.respond_value(r, ANSWER));
            go.send(()).unwrap();
            go.send(()).unwrap();
            let results: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
            let answered = results.iter().filter(|(ret, _)| *ret == ANSWER).count();
            let mine = getppid() == ANSWER;
            let mut pids: Vec<u32> = requests.try_iter().map(|r| r.pid).collect();
            pids.sort();
            let mut expected: Vec<u32> = results
                .iter()
                .filter(|(ret, _)| *ret == ANSWER)
                .map(|(_, tid)| *tid)
                .collect();
            expected.push(gettid());
            expected.sort();
            // answered threads * 2 + the loading thread answered + the pids matched.
            let pids_match = i32::from(pids == expected) * 8;
            (answered as i32) * 2 + i32::from(mine) + pids_match
        });
        let workers = if tsync { 2 } else { 0 };
        assert_eq!(outcome, exited(workers * 2 + 1 + 8), "tsync {tsync}");
    }
}

/// With tsync, a thread that already has a filter of its own cannot be synchronised: the
/// listener install fails with ESRCH (TSYNC_ESRCH; the kernel cannot return a thread id and
/// a listener from one call) and no thread gains the filter.
fn tsync_with_a_diverged_thread_fails_with_esrch() {
    let own = Policy::new(Action::Allow).block(
        Block::new([Abi::X86_64]).rule(Rule::new(Action::Errno(errno::EHOSTDOWN), ["getpid"])),
    );
    let own = own.build().unwrap().program().unwrap().clone();
    let filter = notify_getppid(true).build().unwrap();
    filter.program().unwrap();
    let outcome = in_child(|| {
        let (loaded, wait_for_load) = mpsc::channel::<()>();
        let (done, wait_for_done) = mpsc::channel::<()>();
        let diverged = thread::spawn(move || {
            own.install().unwrap();
            loaded.send(()).unwrap();
            wait_for_done.recv().unwrap();
        });
        wait_for_load.recv().unwrap();
        let result = filter.load_with_listener();
        done.send(()).unwrap();
        diverged.join().unwrap();
        match result {
            Err(seccomp_dsl::Error::Load { source, .. })
                if source.raw_os_error() == Some(libc::ESRCH) =>
            {
                // Not loaded here either: getppid runs.
                i32::from(getppid() == ANSWER)
            }
            _ => INSTALL_FAILED,
        }
    });
    assert_eq!(outcome, exited(0));
}

/// A child of the filtered process inherits the filter, and its notified syscalls reach
/// the same listener with its own pid.
fn a_forked_child_is_notified_on_the_same_listener() {
    let filter = notify_getppid(false).build().unwrap();
    filter.program().unwrap();
    let outcome = in_child(|| {
        let Ok(listener) = filter.load_with_listener() else {
            return INSTALL_FAILED;
        };
        let requests = serve(listener, |l, r| l.respond_value(r, ANSWER));
        // SAFETY: the grandchild only makes raw syscalls, then _exit.
        let grandchild = unsafe { libc::fork() };
        if grandchild == 0 {
            let ok = getppid() == ANSWER;
            // SAFETY: ends the grandchild without running exit handlers.
            unsafe { libc::_exit(i32::from(!ok)) };
        }
        let mut status = 0;
        // SAFETY: our child, a valid out pointer.
        unsafe { libc::waitpid(grandchild, &mut status, 0) };
        let seen = requests.recv().map(|r| r.pid);
        let ok = libc::WIFEXITED(status)
            && libc::WEXITSTATUS(status) == 0
            && seen == Ok(grandchild as u32);
        i32::from(!ok)
    });
    assert_eq!(outcome, exited(0));
}

/// Nothing pending: `try_recv` returns at once and `poll` times out; once a thread makes
/// a notified call, `poll` reports it and `try_recv` takes it.
fn poll_and_try_recv_do_not_block() {
    let filter = notify_getppid(false).build().unwrap();
    filter.program().unwrap();
    let outcome = in_child(|| {
        let Ok(listener) = filter.load_with_listener() else {
            return INSTALL_FAILED;
        };
        if !matches!(listener.try_recv(), Ok(None)) {
            return 10;
        }
        if listener.poll(Some(Duration::from_millis(1))).ok() != Some(Readiness::TimedOut) {
            return 11;
        }
        // Threads inherit the loading thread's filter.
        let caller = thread::spawn(getppid);
        if listener.poll(None).ok() != Some(Readiness::Pending) {
            return 12;
        }
        let Ok(Some(request)) = listener.try_recv() else {
            return 13;
        };
        if listener.respond_value(&request, ANSWER).is_err() {
            return 14;
        }
        i32::from(caller.join().unwrap() != ANSWER)
    });
    assert_eq!(outcome, exited(0));
}

/// Re-executed as a probe: call `getppid` once and exit.
const PROBE_ARG: &str = "--probe-getppid";

/// A command spawned under a `getppid`-notifying filter is killed while its request is
/// pending: the request is then invalid, and answering it is the typed `TargetGone` error.
fn id_valid_is_false_after_the_target_died() {
    let program = notify_getppid(false)
        .build()
        .unwrap()
        .program()
        .unwrap()
        .clone();
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.arg(PROBE_ARG);
    let handle = command.seccomp_with_listener(program).unwrap();
    let mut child = command.spawn().unwrap();
    let listener = handle.recv().unwrap();
    let request = listener.recv().unwrap();
    assert_eq!(request.pid, child.id(), "the request names the child");
    assert_eq!(request.syscall_name(), Some("getppid"));
    assert!(
        listener.id_valid(&request).unwrap(),
        "pending while the child waits"
    );
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGKILL));
    assert!(
        !listener.id_valid(&request).unwrap(),
        "invalid once the child died"
    );
    let answer = listener.respond_continue(&request).unwrap_err();
    assert!(answer.is_target_gone(), "{answer}");
    assert_eq!(answer.errno(), Some(libc::ENOENT));
    assert_eq!(listener.poll(None).unwrap(), Readiness::Hangup);
}

/// Every syscall of a spawned command is notified, from its `execve` on: what the parent
/// and the child do between fork and exec (the hand-over included) is not. The
/// supervisor answers while `spawn` waits for the `execve`.
fn a_command_notifying_everything_is_supervised_from_its_execve() {
    let policy = Policy::new(Action::Notify)
        .block(Block::new([Abi::X86_64]))
        .block(Block::new([Abi::X86]))
        .block(Block::new([Abi::X32]));
    let program = policy.build().unwrap().program().unwrap().clone();
    let mut command = Command::new("/bin/sh");
    command.args(["-c", "exit 7"]);
    let handle = command.seccomp_with_listener(program).unwrap();
    let supervisor = thread::spawn(move || {
        let listener = handle.recv().unwrap();
        let mut names = Vec::new();
        while listener.poll(None).unwrap() == Readiness::Pending {
            match listener.recv() {
                Ok(request) => {
                    names.push(request.syscall_name().unwrap_or_default());
                    let _ = listener.respond_continue(&request);
                }
                Err(e) if e.is_target_gone() => {}
                Err(e) => panic!("{e}"),
            }
        }
        names
    });
    let status = command.status().unwrap();
    let names = supervisor.join().unwrap();
    assert_eq!(status.code(), Some(7), "the command ran as usual");
    assert_eq!(names.first().copied(), Some("execve"), "{names:?}");
    assert_eq!(names.last().copied(), Some("exit_group"), "{names:?}");
    assert!(
        !names.iter().any(|&n| n == "sendmsg" || n == "seccomp"),
        "{names:?}"
    );
}

/// A program that cannot be installed in the child: spawn fails, and the handle says why.
fn a_failed_install_in_the_child_reaches_the_handle() {
    let x86_only = Policy::new(Action::Notify).block(Block::new([Abi::X86]));
    let program = x86_only.build().unwrap().program().unwrap().clone();
    let mut command = Command::new("/bin/true");
    let handle = command.seccomp_with_listener(program).unwrap();
    let spawned = command.spawn();
    assert_eq!(spawned.unwrap_err().raw_os_error(), Some(libc::EINVAL));
    let received = handle.recv().unwrap_err();
    assert!(
        matches!(received, NotifyError::ChildInstall { .. }),
        "{received}"
    );
    assert_eq!(received.errno(), Some(libc::EINVAL));
}

fn main() {
    if std::env::args().any(|a| a == PROBE_ARG) {
        getppid();
        return;
    }
    support::run(&[
        (
            "errno_value_and_continue_answers",
            errno_value_and_continue_answers,
        ),
        (
            "syscalls_the_filter_does_not_notify_are_not_seen",
            syscalls_the_filter_does_not_notify_are_not_seen,
        ),
        (
            "a_merged_multi_abi_filter_gets_a_listener",
            a_merged_multi_abi_filter_gets_a_listener,
        ),
        (
            "threads_with_and_without_tsync",
            threads_with_and_without_tsync,
        ),
        (
            "tsync_with_a_diverged_thread_fails_with_esrch",
            tsync_with_a_diverged_thread_fails_with_esrch,
        ),
        (
            "a_forked_child_is_notified_on_the_same_listener",
            a_forked_child_is_notified_on_the_same_listener,
        ),
        (
            "poll_and_try_recv_do_not_block",
            poll_and_try_recv_do_not_block,
        ),
        (
            "id_valid_is_false_after_the_target_died",
            id_valid_is_false_after_the_target_died,
        ),
        (
            "a_command_notifying_everything_is_supervised_from_its_execve",
            a_command_notifying_everything_is_supervised_from_its_execve,
        ),
        (
            "a_failed_install_in_the_child_reaches_the_handle",
            a_failed_install_in_the_child_reaches_the_handle,
        ),
    ]);
}
