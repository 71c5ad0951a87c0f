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
# Installs what it needs when missing (as root on Debian): qemu-system-arm, the aarch64
# and armhf cross compilers and C libraries, cpio, and the arm64 kernel package (the
# `arm64` dpkg architecture is added for `apt-get download`; the kernel is only unpacked
# under the target directory, never installed).
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
WORK=$TARGET/arm64
RUN=$WORK/run
QEMU_CPU=${QEMU_CPU:-cortex-a72}
start=$(date +%s)
phase() { echo "test-arm64: $1 ($(($(date +%s) - start)) s)"; }

# --- Packages -------------------------------------------------------------------------
missing=""
command -v qemu-system-aarch64 >/dev/null 2>&1 || missing="$missing qemu-system-arm"
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing="$missing gcc-aarch64-linux-gnu"
command -v arm-linux-gnueabihf-gcc >/dev/null 2>&1 || missing="$missing gcc-arm-linux-gnueabihf"
[ -e /usr/aarch64-linux-gnu/include/stdio.h ] || missing="$missing libc6-dev-arm64-cross"
[ -e /usr/arm-linux-gnueabihf/include/stdio.h ] || missing="$missing libc6-dev-armhf-cross"
command -v cpio >/dev/null 2>&1 || missing="$missing cpio"
arm64_listed() { apt-cache show linux-image-arm64:arm64 >/dev/null 2>&1; }
need_arm64_lists=""
arm64_listed || need_arm64_lists=yes

if [ -n "$missing" ] || [ -n "$need_arm64_lists" ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "error: test-arm64 needs (Debian):$missing and the arm64 package lists" >&2
        echo "       (dpkg --add-architecture arm64 && apt-get update); install them as root and re-run" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
    apt-get update -qq
    if [ -n "$missing" ]; then
        echo "test-arm64: installing:$missing"
        # shellcheck disable=SC2086 # the list is meant to split into package names
        apt-get install -y -qq --no-install-recommends $missing >/dev/null
    fi
    phase "packages installed"
fi

# The kernel: whatever Debian's arm64 meta package points at today, unpacked once.
kernel_pkg=$(apt-cache depends linux-image-arm64:arm64 |
    sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -n 1)
[ -n "$kernel_pkg" ] || { echo "error: no kernel package behind linux-image-arm64:arm64" >&2; exit 1; }
KERNEL=$WORK/kernel/$kernel_pkg
if [ ! -e "$KERNEL/Image" ]; then
    rm -rf "$KERNEL" && mkdir -p "$KERNEL/deb"
    (cd "$KERNEL/deb" && apt-get download -qq "$kernel_pkg:arm64" 2>/dev/null)
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

# The harness's self-test: probe 0's expectation made wrong must fail the check, with
# that one probe diverging.
status=0
ARM64_FLIP=0 "$PROBES" check "$RUN" "$RUN/console.log" >"$RUN/self-test.txt" || status=$?
if [ "$status" -ne 1 ] || ! grep -q '^probes diverging: 1 ' "$RUN/self-test.txt"; then
    cat "$RUN/self-test.txt"
    echo "test-arm64: FAILED: the check did not catch a wrong expectation (status $status)" >&2
    exit 1
fi
echo "test-arm64: self-test: a wrong expectation for probe 0 fails the check, as it must"
phase "passed"
