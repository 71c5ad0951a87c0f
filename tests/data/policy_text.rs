// Policy::to_string() of every_feature()
// Made by tests/policy_text.rs (OVERWRITE=1).
seccomp_policy! {
    default errno(EPERM);
    bad_arch kill_thread;
    unknown errno(ENOSYS);
    no_new_privs = false;
    tsync = true;
    log = true;
    ssb = true;
    optimize = linear;
    io_uring = unfiltered;

    allow @basic_io except pwrite64, pwritev;
    allow exit_group, ?fstat64;

    abi x86_64, x32 {
        trace(7) ptrace;
        kill_process fcntl if arg1 != 4;
        errno(1000) openat if arg2 & 0x3 == 0x1;
    }

    abi x86 {
        allow break;
        log getpid;
        errno(0) kill if arg1 < 9 && arg0 > 0xffff0000;
    }

    abi aarch64 {}
}
