//! The expansion names everything by absolute path: it compiles in a module that shadows
//! the prelude and the names the runtime uses, with warnings and needless qualifications
//! denied.
#![deny(warnings, unused_qualifications)]

mod shadowed {
    #![allow(dead_code, non_camel_case_types)]

    struct Result;
    struct Ok;
    struct Err;
    struct Option;
    struct Some;
    struct None;
    struct Vec;
    struct Box;
    struct String;
    struct Policy;
    struct Rule;
    struct Block;
    struct Action;
    struct Abi;
    struct u64;
    struct i32;
    fn arg() {}
    mod core {}
    mod std {}
    mod seccomp_dsl {}
    mod errno {}

    const MASK: ::core::primitive::u64 = 0o3;

    pub fn policy() -> ::seccomp_dsl::Policy {
        ::seccomp_dsl::seccomp_policy! {
            default errno(EPERM);
            bad_arch kill_thread;
            tsync = false;
            optimize = linear;
            allow exit_group;
            abi x32 {
                allow fcntl if arg1 == 3;
                allow openat if arg2 & MASK == 0;
                allow mmap if arg2 & (MASK + 1) == 0 && arg3 != 0x20;
                trace(1) ptrace;
            }
            abi native, x86 {
                allow getpid;
            }
        }
    }

    struct Program;
    struct Endian;
    struct Instruction;
    static PROGRAM: u8 = 0;
    const ENDIAN: u8 = 0;

    pub fn precompiled_policy() -> ::seccomp_dsl::PrecompiledPolicy {
        ::seccomp_dsl::seccomp_policy! {
            default errno(EPERM);
            precompiled = true;
            allow exit_group;
            abi native, x32 {
                allow fcntl if arg1 == 3;
                errno(EACCES) openat if arg2 & 0o3 == 1;
            }
        }
    }

    pub fn native_policy() -> ::seccomp_dsl::Policy {
        ::seccomp_dsl::seccomp_policy! {
            default errno(ENOSYS);
            abi native {
                allow read;
            }
        }
    }
}

mod without_prelude {
    #![no_implicit_prelude]

    pub fn precompiled_policy() -> ::seccomp_dsl::PrecompiledPolicy {
        ::seccomp_dsl::seccomp_policy! {
            default errno(EPERM);
            precompiled = true;
            abi native { allow read if arg0 == 1; }
        }
    }

    pub fn policy() -> ::seccomp_dsl::Policy {
        ::seccomp_dsl::seccomp_policy! {
            default errno(EPERM);
            abi x32, native {
                allow fcntl if arg1 == 3 && arg2 & (1 + 1) == 0;
            }
        }
    }
}

#[test]
fn expands_where_the_prelude_is_shadowed() {
    let policy = shadowed::policy();
    assert_eq!(policy.blocks().len(), 2);
    assert_eq!(shadowed::native_policy().blocks().len(), 1);
    assert_eq!(without_prelude::policy().blocks().len(), 1);
    assert!(!shadowed::precompiled_policy()
        .precompiled_program()
        .instructions()
        .is_empty());
    assert!(!without_prelude::precompiled_policy()
        .precompiled_program()
        .instructions()
        .is_empty());
}
