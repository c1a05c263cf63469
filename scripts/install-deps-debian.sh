#!/bin/sh
# Install every build and test dependency of dmlog on Debian 12 (run as root).
set -eu
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps-debian.sh: run as root (apt-get needs it)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    build-essential autoconf pkg-config ca-certificates \
    libdevmapper-dev libdevmapper-event1.02.1 libdlm-dev libblkid-dev \
    libcpg-dev libquorum-dev libcorosync-common-dev \
    libjson-c-dev libcmocka-dev liblvm2-dev \
    qemu-system-x86 busybox-static cpio kmod e2fsprogs util-linux mount \
    python3 iproute2 procps fio \
    lvm2 dmeventd lvm2-lockd corosync dlm-controld
