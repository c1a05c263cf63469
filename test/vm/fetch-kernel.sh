#!/bin/bash
# fetch-kernel.sh - put Debian's stock kernel (the one linux-image-amd64
# depends on) into the VM cache, extracted and depmod'ed, for run-guest.sh.
#
# Cache: ${DMLOG_VM_CACHE:-/var/cache/dmlog-vm} (outside git; never commit it).
# Layout afterwards:
#   $CACHE/debs/<package>_<version>_amd64.deb
#   $CACHE/<package>/            dpkg -x tree (boot/vmlinuz-*, lib/modules/*)
#   $CACHE/<package>/.dmlog-ready  stamp: extraction + depmod completed
#   $CACHE/kernel.env            KVER=, KROOT=, VMLINUZ=, MODDIR= (sourced by
#                                mkinitramfs.sh and run-guest.sh)
#
# Idempotent: an already extracted package is not downloaded again.
# Environment: DMLOG_VM_CACHE, DMLOG_VM_KPKG (force a package name instead of
# asking apt-cache, e.g. linux-image-6.1.0-56-amd64).
set -euo pipefail

prog=${0##*/}
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
note() { printf '%s: %s\n' "$prog" "$*" >&2; }

CACHE=${DMLOG_VM_CACHE:-/var/cache/dmlog-vm}

for tool in apt-cache apt-get dpkg dpkg-deb depmod flock; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found in PATH (Debian host required)"
done

mkdir -p "$CACHE/debs" || die "cannot create cache directory $CACHE"
[[ -w $CACHE ]] || die "cache directory $CACHE is not writable (set DMLOG_VM_CACHE)"

# One fetch at a time per cache directory.
exec 9>"$CACHE/.fetch.lock"
flock 9 || die "cannot lock $CACHE/.fetch.lock"

write_env() { # ROOT
    local root=$1 kver vmlinuz tmp
    local -a vers=()
    shopt -s nullglob
    vers=("$root"/lib/modules/*/)
    shopt -u nullglob
    ((${#vers[@]} == 1)) || die "expected exactly one lib/modules/<version> in $root, found ${#vers[@]}"
    kver=${vers[0]%/}
    kver=${kver##*/}
    vmlinuz=$root/boot/vmlinuz-$kver
    [[ -f $vmlinuz ]] || die "kernel image $vmlinuz missing from the extracted package"
    [[ -f $root/lib/modules/$kver/modules.dep ]] || die "modules.dep missing in $root/lib/modules/$kver"
    tmp=$(mktemp "$CACHE/.kernel.env.XXXXXX")
    {
        printf 'KVER=%s\n' "$kver"
        printf 'KROOT=%s\n' "$root"
        printf 'VMLINUZ=%s\n' "$vmlinuz"
        printf 'MODDIR=%s\n' "$root/lib/modules/$kver"
    } >"$tmp"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$CACHE/kernel.env"
    note "kernel $kver ready in $root"
}

# 1. Which kernel package does linux-image-amd64 depend on?
pkg=${DMLOG_VM_KPKG:-}
if [[ -z $pkg ]]; then
    if deps=$(apt-cache depends linux-image-amd64 2>/dev/null); then
        pkg=$(awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }' <<<"$deps")
    fi
fi
if [[ -z $pkg ]]; then
    # Offline fallback: reuse what an earlier run prepared.
    if [[ -f $CACHE/kernel.env ]]; then
        # shellcheck source=/dev/null
        . "$CACHE/kernel.env"
        if [[ -f ${KROOT:-/nonexistent}/.dmlog-ready ]]; then
            note "warning: apt-cache could not name the kernel package (run 'apt-get update'?); reusing cached $KROOT"
            exit 0
        fi
    fi
    die "cannot find the package linux-image-amd64 depends on: 'apt-cache depends linux-image-amd64' gave no linux-image-<version> (run 'apt-get update' first, or set DMLOG_VM_KPKG)"
fi

root=$CACHE/$pkg
if [[ -f $root/.dmlog-ready ]]; then
    write_env "$root"
    exit 0
fi

# 2. Download (unless a .deb of that package is already cached).
shopt -s nullglob
debs=("$CACHE/debs/${pkg}_"*.deb)
shopt -u nullglob
if ((${#debs[@]} == 0)); then
    note "downloading $pkg"
    dl=$(mktemp -d "$CACHE/debs/.dl.XXXXXX")
    # apt's _apt user must be able to write there, or apt warns and falls back.
    chmod 0777 "$dl"
    if ! (cd "$dl" && apt-get download -q "$pkg" >&2); then
        rm -rf "$dl"
        die "'apt-get download $pkg' failed"
    fi
    shopt -s nullglob
    got=("$dl"/*.deb)
    shopt -u nullglob
    ((${#got[@]} == 1)) || { rm -rf "$dl"; die "apt-get download $pkg produced no .deb"; }
    mv -f "${got[0]}" "$CACHE/debs/"
    rm -rf "$dl"
    debs=("$CACHE/debs/${got[0]##*/}")
fi
deb=${debs[${#debs[@]} - 1]}
dpkg-deb --info "$deb" >/dev/null 2>&1 || die "$deb is not a valid .deb (delete it and retry)"

# 3. Extract into a fresh directory, depmod, then move into place.
note "extracting $deb"
tmproot=$(mktemp -d "$CACHE/.extract.XXXXXX")
trap 'rm -rf "$tmproot"' EXIT
dpkg -x "$deb" "$tmproot" || die "dpkg -x $deb failed"
shopt -s nullglob
vers=("$tmproot"/lib/modules/*/)
shopt -u nullglob
((${#vers[@]} == 1)) || die "$deb: expected one lib/modules/<version>, found ${#vers[@]}"
kver=${vers[0]%/}
kver=${kver##*/}
depmod -b "$tmproot" "$kver" || die "depmod -b $tmproot $kver failed"
[[ -s $tmproot/lib/modules/$kver/modules.dep ]] || die "depmod produced no modules.dep"
chmod 0755 "$tmproot"
printf '%s\n' "${deb##*/}" >"$tmproot/.dmlog-ready"
rm -rf "$root"
mv "$tmproot" "$root"
trap - EXIT
write_env "$root"
