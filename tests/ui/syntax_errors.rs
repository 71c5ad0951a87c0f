use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        default errno(EPERM);
        abi x86_64 {
            alow read;
            allow write if arg1 = 3;
            allow close if arg1 & 3 != 1;
            allow dup, ;
            trace(70000) ptrace;
            allow mmap if argv == 1;
        }
    };
}
