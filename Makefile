# The two commands of the README: `make demo` and `make test`.
# Both install missing system packages first (as root on Debian) or say what is missing.

CARGO ?= cargo

.PHONY: demo test lint bench deps

demo: deps
	$(CARGO) run --quiet --release --example demo

test: deps lint
	$(CARGO) test --workspace

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --quiet -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --quiet

bench: deps
	$(CARGO) bench --bench layouts

deps:
	@sh scripts/install-deps.sh
