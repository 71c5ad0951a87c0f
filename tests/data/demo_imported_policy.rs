// `seccomp-dsl import` of the demo's OCI profile (seccomp-dsl-cli/tests/data)
// Made by tests/policy_text.rs (OVERWRITE=1).
seccomp_policy! {
    default errno(EPERM);
    bad_arch kill_thread;
    unknown errno(ENOSYS);

    allow brk, close, exit_group, fstat, futex, getppid, lseek, mmap, munmap, read, rt_sigprocmask,
        rt_sigreturn, sigaltstack, statx, write;
    kill_process ptrace;
    allow fcntl if arg1 == 3;
    allow openat if arg2 & 0x3 == 0x0;

    abi x86_64, x32 {}
}
