#!/usr/bin/python3
"""mirror-writer.py - O_DIRECT writer for the cluster mirror scenarios.

usage: mirror-writer.py DEV --regions SPEC [--region-kb 128] [--bs-kb 4]
                        [--count N] [--seconds S] [--stop-file PATH]
                        [--seed N] [--sequential]

Writes random data, one BS-KiB O_DIRECT pwrite at a time, at random
(or, with --sequential, consecutive) BS-aligned offsets inside the regions
SPEC names ("0-127", "100", "3,7,10-20"). Stops after N writes, after S
seconds, or once PATH exists, whichever comes first (none given: runs until
killed). Prints "started" once the device is open, then about once a second
"progress n=<writes> max_ms=<slowest write so far>", and at the end
"done n=<writes> max_ms=<...> s=<seconds>". A failed write prints
"error n=<writes> off=<bytes> <errno text>" and exits 1: the scenarios
assert that the mirror never returns an I/O error.

Python rather than a dd loop: one process, no fork+exec per write (each exec
walks the 9p root in the guest), and it can time every write.
"""
import argparse
import mmap
import os
import random
import sys
import time


def regions(spec):
    out = []
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dev")
    p.add_argument("--regions", required=True)
    p.add_argument("--region-kb", type=int, default=128)
    p.add_argument("--bs-kb", type=int, default=4)
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--seconds", type=float, default=0)
    p.add_argument("--stop-file")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--sequential", action="store_true")
    a = p.parse_args()

    rng = random.Random(a.seed)
    regs = regions(a.regions)
    bs = a.bs_kb * 1024
    per_region = a.region_kb * 1024 // bs
    slots = [r * per_region + i for r in regs for i in range(per_region)]
    # an anonymous mapping is page aligned, as O_DIRECT wants
    buf = mmap.mmap(-1, bs)
    fd = os.open(a.dev, os.O_WRONLY | os.O_DIRECT)
    print("started", flush=True)
    start = last = time.monotonic()
    n = 0
    worst = 0.0
    while True:
        now = time.monotonic()
        if a.count and n >= a.count:
            break
        if a.seconds and now - start >= a.seconds:
            break
        if a.stop_file and n % 16 == 0 and os.path.exists(a.stop_file):
            break
        if now - last >= 1.0:
            print("progress n=%d max_ms=%.0f" % (n, worst * 1000), flush=True)
            last = now
        blk = slots[n % len(slots)] if a.sequential else rng.choice(slots)
        buf.seek(0)
        buf.write(rng.randbytes(bs))
        t0 = time.monotonic()
        try:
            os.pwrite(fd, buf, blk * bs)
        except OSError as e:
            print("error n=%d off=%d %s" % (n, blk * bs, e), flush=True)
            return 1
        worst = max(worst, time.monotonic() - t0)
        n += 1
    os.close(fd)
    print("done n=%d max_ms=%.0f s=%.1f" %
          (n, worst * 1000, time.monotonic() - start), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
