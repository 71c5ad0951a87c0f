#!/bin/sh
# A binary that uses only precompiled policies, built with seccomp-dsl's `precompiled`
# feature and without `libseccomp`, links no libseccomp, and its filter works in the
# kernel. Built alone (-p): resolver 2 then resolves the runtime's features for this
# package only, not with the rest of the workspace's.
set -eu
CARGO=${CARGO:-cargo}
name=seccomp-dsl-precompiled-example
$CARGO build --quiet -p $name
bin=${CARGO_TARGET_DIR:-target}/debug/$name
if readelf -d "$bin" | grep -i 'NEEDED.*libseccomp'; then
    echo "$bin links libseccomp" >&2
    exit 1
fi
"$bin"
