#!/bin/sh
# Fail when the committed configure is not what autoconf makes from configure.ac.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$top/configure.ac" "$tmp/"
mkdir -p "$tmp/lib" && touch "$tmp/lib/ulog_codec.c" "$tmp/Makefile.in"
(cd "$tmp" && autoreconf -fi >/dev/null 2>&1) || { echo "configure-check: autoreconf failed (apt-get install autoconf)"; exit 1; }
if ! cmp -s "$tmp/configure" "$top/configure"; then
    echo "configure-check: configure is stale: run 'autoreconf -fi' and commit configure"
    exit 1
fi
echo "configure-check: configure matches configure.ac"
