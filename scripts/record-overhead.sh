#!/bin/sh
# Recording overhead: wall time of a small workload run plainly and under
# `seccomp-dsl record`, side by side in one run (alternating), median of ROUNDS.
# Usage: sh scripts/record-overhead.sh [ROUNDS]   (default 7)
set -eu

rounds=${1:-7}
workload='for i in $(seq 200); do /bin/true; done'
cargo build --quiet --release -p seccomp-dsl-cli
recorder=target/release/seccomp-dsl
out=$(mktemp)
trap 'rm -f "$out" "$out.plain" "$out.rec"' EXIT

now() { date +%s%N; }
: >"$out.plain"
: >"$out.rec"
i=0
while [ "$i" -lt "$rounds" ]; do
    start=$(now); sh -c "$workload"; end=$(now)
    echo $(((end - start) / 1000)) >>"$out.plain"
    start=$(now); "$recorder" record --output "$out" -- sh -c "$workload" 2>/dev/null; end=$(now)
    echo $(((end - start) / 1000)) >>"$out.rec"
    i=$((i + 1))
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
plain=$(median "$out.plain")
rec=$(median "$out.rec")
echo "workload: sh -c '$workload' ($rounds rounds, median)"
echo "plain:    $((plain / 1000)) ms"
echo "recorded: $((rec / 1000)) ms"
awk -v p="$plain" -v r="$rec" 'BEGIN { printf "ratio:    %.1fx\n", r / p }'
grep -c 'allow ' "$out" | sed 's/^/rules in the recorded policy: /'
calls=$(grep -o '// [0-9]* calls\?' "$out" | awk '{ n += $2 } END { print n }')
echo "notified syscalls: $calls ($(((rec - plain) * 1000 / calls)) ns added per syscall)"
