# The two commands of the README: `make demo` and `make test`.
# Both install missing system packages first (as root on Debian) or say what is missing.

CARGO ?= cargo

.PHONY: demo test test-outer test-arm64 lint bench deps

demo: deps
	$(CARGO) run --quiet --release --example demo

test: deps lint
	$(CARGO) test --workspace
	# The runtime without libseccomp (what the proc macro links), and the table's generator.
	$(CARGO) test -p seccomp-runtime --no-default-features --lib --quiet
	python3 scripts/gen-syscall-table.py --self-test
	# A binary with only precompiled policies and no `libseccomp` feature links no libseccomp.
	CARGO=$(CARGO) sh scripts/check-precompiled.sh
	# Each publishable crate packages and builds from its .crate (scripts/check-package.sh).
	CARGO=$(CARGO) sh scripts/check-package.sh
	$(MAKE) --no-print-directory test-outer

# The kernel tests again, under one outer allow-all filter: containers (Docker's and podman's
# default profiles) start every process with a filter loaded, and the tests must not assume
# they start unfiltered. cargo and the test binaries inherit the filter across fork and exec.
KERNEL_TESTS = kernel_runtime tsync kernel_macro simulator_kernel kernel_notify kernel_prefix kernel_groups kernel_stacked kernel_precompiled kernel_io_uring

test-outer: deps
	$(CARGO) run --quiet --bin outer-filter -- \
		$(CARGO) test --quiet --no-fail-fast $(addprefix --test ,$(KERNEL_TESTS))

# The filters in a real arm64 kernel (Debian's, booted under qemu), through aarch64 and the
# 32-bit arm compat ABI; installs qemu, cross compilers and the kernel package when missing.
test-arm64: deps
	CARGO=$(CARGO) sh scripts/test-arm64.sh

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --quiet -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --quiet
	$(CARGO) clippy -p seccomp-runtime --no-default-features --all-targets --quiet -- -D warnings

bench: deps
	$(CARGO) bench --bench layouts

deps:
	@sh scripts/install-deps.sh
