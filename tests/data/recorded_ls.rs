// Recorded by `seccomp-dsl record` from one run of: ls /
// (exit status 0).
// It allows what that run did and nothing else: review it before shipping. Paths the
// run did not take (errors, other options, other input) need syscalls it never saw,
// which fail with EPERM; ABIs it did not use get the `bad_arch` action (kill_process).
seccomp_policy! {
    default errno(EPERM);

    abi x86_64 {
        allow access; // 2 calls
        allow arch_prctl; // 1 call
        allow brk; // 3 calls
        allow close; // 23 calls
        allow execve; // 9 calls
        allow exit_group; // 1 call
        allow futex; // 1 call
        allow getdents64; // 2 calls
        allow getrandom; // 1 call
        allow ioctl; // 2 calls
        allow mmap; // 30 calls
        allow mprotect; // 5 calls
        allow munmap; // 1 call
        allow newfstatat; // 22 calls
        allow openat; // 34 calls
        allow pread64; // 2 calls
        allow prlimit64; // 1 call
        allow read; // 7 calls
        allow rseq; // 1 call
        allow set_robust_list; // 1 call
        allow set_tid_address; // 1 call
        allow statfs; // 2 calls
        allow statx; // 1 call
        allow write; // 1 call
    }
}
