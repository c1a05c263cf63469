#!/bin/sh
# check-units: `systemd-analyze verify` on each systemd/*.service.in, with
# %SBINDIR% pointing at stub programs (the unit's syntax, dependencies and
# commands, not the programs). Any message counts as a failure: verify
# exits 0 on unknown keys, bad values and bad dependency names.
# usage: check-systemd-units.sh UNIT.service.in...
set -u
if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "check-units: systemd-analyze not installed: units not verified (SKIPPED)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/sbin" "$tmp/units"
for p in dmlogd dmlogctl dmlog-lvm; do
    printf '#!/bin/sh\nexit 0\n' >"$tmp/sbin/$p"
    chmod 755 "$tmp/sbin/$p"
done
passed=0 failed=0
for in in "$@"; do
    name=$(basename "$in" .in)
    sed "s|%SBINDIR%|$tmp/sbin|g" "$in" >"$tmp/units/$name"
    out=$(cd "$tmp/units" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "./$name" 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
        printf '%s\n' "$out"
        echo "FAIL: check-units: $name (systemd-analyze verify exit $rc)"
        failed=$((failed + 1))
    else
        echo "ok: check-units: $name"
        passed=$((passed + 1))
    fi
done
echo "check-units: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
