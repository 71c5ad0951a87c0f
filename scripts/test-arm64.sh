#!/bin/sh
# make test-arm64: the filters in a real arm64 kernel, through aarch64 and 32-bit arm.
#
# Debian's arm64 kernel boots under qemu-system-aarch64 (TCG: no KVM needed) with an
# initramfs holding a static C loader as /init and a static arm EABI probe. The host builds
# and exports the policies' BPF programs and writes the probes and what `Policy::decide`
# and the simulator expect of each (`arm64-probes generate`); the guest installs each
# program with seccomp() in a forked child, makes each probe's syscall with `svc 0` and
# prints what happened; the host compares (`arm64-probes check`). Then the harness's
# self-test: with one expectation made wrong on purpose the check must fail, on that
# probe alone.
#
# Installs what it needs when missing (as root on Debian): qemu-system-arm (of the
# machine's qemu version), the aarch64 and armhf cross compilers and C libraries, cpio;
# downloads Debian's arm64 kernel package with a private apt state and unpacks its image
# under the target directory (never installed).
#
# Environment: ARM64_POLICIES (random policies, default 120), ARM64_SEED, ARM64_ARGS
# (argument vectors per syscall of a random policy, default 3), QEMU_CPU (default
# cortex-a72: AArch32 at EL0, as arm64 servers that run 32-bit programs have),
# ARM64_TIMEOUT (seconds the guest may take, default 600), ARM64_VERBOSE=1 (the kernel's
# boot messages on the console too, to see why a guest does not start), CARGO,
# CARGO_TARGET_DIR.
set -eu
cd "$(dirname "$0")/.."

CARGO=${CARGO:-cargo}
TARGET=${CARGO_TARGET_DIR:-target}
case $TARGET in /*) ;; *) TARGET=$(pwd)/$TARGET ;; esac
WORK=$TARGET/arm64
RUN=$WORK/run
QEMU_CPU=${QEMU_CPU:-cortex-a72}
start=$(date +%s)
phase() { echo "test-arm64: $1 ($(($(date +%s) - start)) s)"; }

# --- Packages -------------------------------------------------------------------------
# Installs never remove a package of the machine's (--no-remove), and apt runs with a
# private state under $WORK/apt wherever it needs other lists than the machine's (arm64's,
# backports'): the machine's sources, lists and dpkg architectures stay as they are.
APT_DIR=$WORK/apt
mkdir -p "$APT_DIR"
apt_private() { # NAME: apt options for the private state NAME
    mkdir -p "$APT_DIR/$1/lists/partial" "$APT_DIR/$1/cache/archives/partial"
    echo "-o Dir::State::lists=$APT_DIR/$1/lists -o Dir::Cache=$APT_DIR/$1/cache -o APT::Sandbox::User=root"
}
installed_version() { dpkg-query -W -f='${db:Status-Abbrev}${Version}' "$1" 2>/dev/null | sed -n 's/^ii *//p'; }
as_root() {
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "error: test-arm64 needs (Debian): $1; install it as root and re-run" >&2
        exit 1
    fi
}
export DEBIAN_FRONTEND=noninteractive

missing=""
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing="$missing gcc-aarch64-linux-gnu"
command -v arm-linux-gnueabihf-gcc >/dev/null 2>&1 || missing="$missing gcc-arm-linux-gnueabihf"
[ -e /usr/aarch64-linux-gnu/include/stdio.h ] || missing="$missing libc6-dev-arm64-cross"
[ -e /usr/arm-linux-gnueabihf/include/stdio.h ] || missing="$missing libc6-dev-armhf-cross"
command -v cpio >/dev/null 2>&1 || missing="$missing cpio"
# qemu-system-arm must be the version of the machine's other qemu packages: Debian's
# qemu packages of two versions break each other (bookworm's 7.2 removes a backported
# qemu-utils 10.0). A backported qemu-utils gets its qemu-system-arm from backports.
qemu_backport=""
if ! command -v qemu-system-aarch64 >/dev/null 2>&1; then
    case $(installed_version qemu-utils) in
    *~bpo*) qemu_backport=$(installed_version qemu-utils) ;;
    *) missing="$missing qemu-system-arm" ;;
    esac
fi
if [ -n "$missing" ]; then
    as_root "$missing"
    echo "test-arm64: installing:$missing"
    apt-get update -qq
    # shellcheck disable=SC2086 # the list is meant to split into package names
    apt-get install -y -qq --no-install-recommends --no-remove $missing >/dev/null
fi
if [ -n "$qemu_backport" ]; then
    as_root "qemu-system-arm $qemu_backport (as qemu-utils)"
    echo "test-arm64: installing: qemu-system-arm $qemu_backport from backports, as qemu-utils"
    codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
    {
        cat /etc/apt/sources.list 2>/dev/null || true
        echo "deb http://deb.debian.org/debian $codename-backports main"
    } >"$APT_DIR/backports.list"
    bpo="$(apt_private backports) -o Dir::Etc::sourcelist=$APT_DIR/backports.list"
    # shellcheck disable=SC2086 # the options are meant to split
    apt-get $bpo update -qq
    # shellcheck disable=SC2086
    apt-get $bpo install -y -qq --no-install-recommends --no-remove -t "$codename-backports" \
        "qemu-system-arm=$qemu_backport" >/dev/null
fi
[ -z "$missing$qemu_backport" ] || phase "packages installed"

# The kernel: what Debian's arm64 meta package pointed at when the private arm64 lists were
# fetched (remove $WORK/apt/arm64 for today's), unpacked once.
arm64="$(apt_private arm64) -o APT::Architecture=arm64 -o APT::Architectures::=arm64"
if ! ls "$APT_DIR/arm64/lists" | grep -q _Packages; then
    # shellcheck disable=SC2086
    apt-get $arm64 update -qq
fi
# shellcheck disable=SC2086
kernel_pkg=$(apt-cache $arm64 depends linux-image-arm64 |
    sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -n 1)
[ -n "$kernel_pkg" ] || { echo "error: no kernel package behind linux-image-arm64" >&2; exit 1; }
KERNEL=$WORK/kernel/$kernel_pkg
if [ ! -e "$KERNEL/Image" ]; then
    rm -rf "$KERNEL" && mkdir -p "$KERNEL/deb"
    # shellcheck disable=SC2086
    (cd "$KERNEL/deb" && apt-get $arm64 download -qq "$kernel_pkg")
    # Only /boot: the kernel image and its config, not 300 MB of modules.
    dpkg-deb --fsys-tarfile "$KERNEL"/deb/*.deb | tar -x -C "$KERNEL" ./boot
    mv "$KERNEL"/boot/vmlinuz-* "$KERNEL/Image"
    mv "$KERNEL"/boot/config-* "$KERNEL/config"
    rm -rf "$KERNEL/deb" "$KERNEL/boot"
    phase "kernel $kernel_pkg unpacked"
fi
echo "test-arm64: kernel package $kernel_pkg; its config has $(grep -E '^CONFIG_(COMPAT|SECCOMP_FILTER)=' "$KERNEL/config" | tr '\n' ' ')"

# --- Host side: programs, probes, expectations ----------------------------------------
$CARGO build --quiet --bin arm64-probes
PROBES=$TARGET/debug/arm64-probes
rm -rf "$RUN" && mkdir -p "$RUN"
"$PROBES" generate "$RUN" --random "${ARM64_POLICIES:-120}" \
    --seed "${ARM64_SEED:-0x0a645eed}" --args "${ARM64_ARGS:-3}"

# --- Guest side: the loader, the arm probe, the initramfs -----------------------------
CFLAGS="-static -O2 -std=gnu11 -Wall -Wextra -Werror"
# shellcheck disable=SC2086 # CFLAGS is a list of flags
aarch64-linux-gnu-gcc $CFLAGS -o "$RUN/initramfs/init" tests/arm64/loader.c
# No C library in the arm probe (probe.h says why). -marm: in Thumb code r7, the EABI
# syscall number register, is the frame pointer.
# shellcheck disable=SC2086
arm-linux-gnueabihf-gcc $CFLAGS -nostdlib -ffreestanding -fno-stack-protector -marm \
    -o "$RUN/initramfs/probe-arm" tests/arm64/probe_arm.c -lgcc
(cd "$RUN/initramfs" && find . | cpio -o -H newc --quiet) | gzip -1 >"$RUN/initramfs.cpio.gz"
phase "programs, probes and initramfs ready"

# --- Boot -----------------------------------------------------------------------------
# nokaslr: with KASLR the kernel turns on KPTI, and every syscall's page-table switch then
# flushes qemu's emulated TLB (3x slower here). norandmaps: the same address layout in a
# probe and in its unfiltered reference run. audit=0: seccomp's log and kill records do
# not interleave with the results on the console.
rm -f "$RUN/console.log"
quiet="quiet loglevel=1"
if [ -n "${ARM64_VERBOSE:-}" ]; then quiet=""; fi
timeout "${ARM64_TIMEOUT:-600}" qemu-system-aarch64 -M virt -accel tcg -cpu "$QEMU_CPU" \
    -smp 1 -m 512 -nic none -display none -monitor none -no-reboot \
    -serial "file:$RUN/console.log" \
    -kernel "$KERNEL/Image" -initrd "$RUN/initramfs.cpio.gz" \
    -append "console=ttyAMA0 panic=-1 $quiet audit=0 nokaslr norandmaps" ||
    echo "test-arm64: qemu ended with status $? (the check says what is missing)"
phase "guest done (cpu $QEMU_CPU)"

# --- Compare --------------------------------------------------------------------------
"$PROBES" check "$RUN" "$RUN/console.log"

# The harness's self-test: the first probe's expectation made wrong must fail the check,
# with that one probe diverging.
first=$(awk -F'\t' '$1 == "probe" { print $2; exit }' "$RUN/expected.tsv")
status=0
ARM64_FLIP=$first "$PROBES" check "$RUN" "$RUN/console.log" >"$RUN/self-test.txt" || status=$?
if [ "$status" -ne 1 ] || ! grep -q '^probes diverging: 1 ' "$RUN/self-test.txt"; then
    cat "$RUN/self-test.txt"
    echo "test-arm64: FAILED: the check did not catch a wrong expectation (status $status)" >&2
    exit 1
fi
echo "test-arm64: self-test: a wrong expectation for probe $first fails the check, as it must"
phase "passed"
