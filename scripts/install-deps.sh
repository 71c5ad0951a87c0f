#!/bin/sh
# Install what building seccomp-dsl needs on Debian/Ubuntu, or say what is missing.
# Needs: a Rust toolchain (cargo), libseccomp's development files (libseccomp-dev), a C
# toolchain, and python3 (the syscall table generator's self-test).
set -eu

missing=""
command -v cargo >/dev/null 2>&1 || {
    echo "error: cargo not found; install Rust (https://rustup.rs) and re-run" >&2
    exit 1
}
dpkg -s libseccomp-dev >/dev/null 2>&1 || [ -e /usr/lib/x86_64-linux-gnu/libseccomp.so ] || missing="libseccomp-dev"
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "error: missing system packages:$missing" >&2
    echo "       install them (Debian: sudo apt-get update && sudo apt-get install -y$missing) and re-run" >&2
    exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # the list is meant to split into package names
apt-get install -y -qq $missing >/dev/null
