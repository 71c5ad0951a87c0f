//! Compile time of a 300-rule policy written with `seccomp_policy!`, against the same
//! policy written as runtime-builder code and against a one-rule policy.
//!
//! Three small crates are generated under the target directory, each depending on the
//! facade by path, sharing one target directory of their own. After a warm-up build of
//! each (dependencies included, untimed), each crate's `main.rs` is touched and
//! `cargo build` of that crate alone is timed, interleaved, several times. The one-rule
//! crate is the floor: what compiling and linking any such binary costs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use seccomp_dsl::{syscall_names, Abi};

use crate::stats::Spread;

const REPS: usize = 10;
const CONDITIONAL: usize = 50;
const UNCONDITIONAL: usize = 250;

struct Variant {
    name: &'static str,
    what: &'static str,
    main: String,
}

pub fn report() {
    println!("\n== Compile time of a 300-rule policy (debug build of one small binary crate) ==");
    let root = target_dir().join("compile-bench");
    let names: Vec<String> = syscall_names(Abi::X86_64)
        .into_iter()
        .filter(|&name| name != "ioctl")
        .map(str::to_owned)
        .take(UNCONDITIONAL)
        .collect();
    let variants = [
        Variant {
            name: "one-rule",
            what: "seccomp_policy! with 1 rule (the floor)",
            main: macro_main(&names[..1], 0),
        },
        Variant {
            name: "macro",
            what: "seccomp_policy! with 300 rules",
            main: macro_main(&names, CONDITIONAL),
        },
        Variant {
            name: "builder",
            what: "the same 300 rules as builder code",
            main: builder_main(&names, CONDITIONAL),
        },
    ];
    for variant in &variants {
        if let Err(e) = write_crate(&root, variant) {
            println!("skipped: cannot write {}: {e}", variant.name);
            return;
        }
    }
    // Warm-up: dependencies and the crates themselves, untimed.
    for variant in &variants {
        if let Err(e) = cargo_build(&root, variant.name) {
            println!("skipped: {} does not build:\n{e}", variant.name);
            return;
        }
    }
    let mut samples = vec![Vec::new(); variants.len()];
    for _ in 0..REPS {
        for (variant, samples) in variants.iter().zip(&mut samples) {
            touch(&root.join(variant.name).join("src/main.rs"));
            let start = Instant::now();
            cargo_build(&root, variant.name).expect("built once already");
            samples.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    println!("{:<44} {:>26} {:>10}", "crate", "ms (p25..p75)", "- floor");
    let floor = Spread::of(&samples[0]).median;
    for (variant, samples) in variants.iter().zip(&samples) {
        let spread = Spread::of(samples);
        println!(
            "{:<44} {:>26} {:>10.0}",
            variant.what,
            format!("{spread:.0}"),
            spread.median - floor
        );
    }
    println!(
        "(crates in {}; {REPS} builds each after a warm-up)",
        root.display()
    );
}

/// `seccomp_policy!` with `names` allowed one rule each, then `conditional` rules on ioctl.
fn macro_main(names: &[String], conditional: usize) -> String {
    let mut rules = String::new();
    for name in names {
        rules.push_str(&format!("            allow {name};\n"));
    }
    for value in 1..=conditional {
        rules.push_str(&format!("            allow ioctl if arg1 == {value};\n"));
    }
    format!(
        "fn main() {{\n    let policy = seccomp_dsl::seccomp_policy! {{\n        default errno(EPERM);\n        \
         abi x86_64 {{\n{rules}        }}\n    }};\n    std::hint::black_box(policy);\n}}\n"
    )
}

/// The same policy as [`macro_main`], written with the runtime's builder.
fn builder_main(names: &[String], conditional: usize) -> String {
    let mut rules = String::new();
    for name in names {
        rules.push_str(&format!(
            "        .rule(Rule::new(Action::Allow, [\"{name}\"]))\n"
        ));
    }
    for value in 1..=conditional {
        rules.push_str(&format!(
            "        .rule(Rule::new(Action::Allow, [\"ioctl\"]).when(arg(1).eq({value})))\n"
        ));
    }
    format!(
        "use seccomp_dsl::{{arg, errno, Abi, Action, Block, Policy, Rule}};\n\nfn main() {{\n    \
         let block = Block::new([Abi::X86_64])\n{rules}        ;\n    \
         let policy = Policy::new(Action::Errno(errno::EPERM)).block(block);\n    \
         std::hint::black_box(policy);\n}}\n"
    )
}

fn write_crate(root: &Path, variant: &Variant) -> std::io::Result<()> {
    let dir = root.join(variant.name);
    std::fs::create_dir_all(dir.join("src"))?;
    let facade = Path::new(env!("CARGO_MANIFEST_DIR")).join("seccomp-dsl");
    let manifest = format!(
        "[package]\nname = \"compile-bench-{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nseccomp-dsl = {{ path = {:?} }}\n\n[workspace]\n",
        variant.name,
        facade.display().to_string()
    );
    write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
    write_if_changed(&dir.join("src/main.rs"), &variant.main)?;
    // The project's lock file, so that the same dependency versions resolve offline.
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock");
    if !dir.join("Cargo.lock").exists() {
        std::fs::copy(lock, dir.join("Cargo.lock"))?;
    }
    Ok(())
}

fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text)?;
    }
    Ok(())
}

fn cargo_build(root: &Path, name: &str) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["build", "--quiet", "--offline"])
        .current_dir(root.join(name))
        .env("CARGO_TARGET_DIR", root.join("target"))
        .output()
        .map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(stderr.lines().take(12).collect::<Vec<_>>().join("\n"))
    }
}

fn touch(path: &Path) {
    let file = std::fs::File::options()
        .append(true)
        .open(path)
        .expect("main.rs");
    file.set_modified(std::time::SystemTime::now())
        .expect("mtime");
}

/// The target directory this benchmark was built in: `<target>/release/deps/layouts-*`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.ancestors()
        .nth(3)
        .map_or_else(|| PathBuf::from("target"), Path::to_path_buf)
}
