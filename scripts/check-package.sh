#!/bin/sh
# The four publishable crates, packaged as crates.io would get them: each .crate must hold
# what it needs to build (cargo builds it from the unpacked .crate) and no junk (the file
# list is printed, for review). Packaged together, so that cargo resolves the exact-version
# dependencies between them (seccomp-dsl -> seccomp-dsl-macros -> seccomp-runtime, none on
# crates.io yet) against the ones being packaged instead of the registry.
# So every crate is verified, none needs `--no-verify`. Cost: the verify builds compile each
# crate's dependencies for its own features (measured here: 2m13s of CPU, 7 min wall on two
# cores shared with other builds; much less once the target directory holds them).
# Not packaged: the root package (tests, examples) and precompiled-example, `publish = false`.
set -eu
CARGO=${CARGO:-cargo}
CRATES="seccomp-runtime seccomp-dsl-macros seccomp-dsl seccomp-dsl-cli"
args=""
for crate in $CRATES; do
    args="$args -p $crate"
    echo "== $crate"
    $CARGO package -p "$crate" --list --allow-dirty --offline
done
# --allow-dirty: `make test` runs on work in progress too; CI's clone is clean anyway.
# shellcheck disable=SC2086
$CARGO package $args --allow-dirty --offline
