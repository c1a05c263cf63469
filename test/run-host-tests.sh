#!/bin/sh
# Run host test binaries, add up cmocka's per-test counts and end with one
# "N passed, N failed" line. A binary that dies without a cmocka summary
# (crash, sanitizer abort) counts as one failure.
set -u
suite=$1; shift
passed=0; failed=0
for bin in "$@"; do
    out=$(mktemp)
    "$bin" >"$out" 2>&1
    rc=$?
    p=$(sed -n 's/.*\[  PASSED  \] \([0-9][0-9]*\) test(s).*/\1/p' "$out" | tail -n 1)
    f=$(sed -n 's/.*\[  FAILED  \] \([0-9][0-9]*\) test(s).*/\1/p' "$out" | tail -n 1)
    p=${p:-0}; f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
        cat "$out"
        echo "FAIL: $bin (exit $rc)"
    else
        echo "ok: $(basename "$bin"): $p passed"
    fi
    passed=$((passed + p)); failed=$((failed + f))
    rm -f "$out"
done
echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
