#!/usr/bin/env python3
"""AFL++ map index -> function and source line, for an afl-clang-fast
(PCGUARD) binary: guards are numbered 1, 2, ... in __sancov_guards order
(one instrumented module, no AFL_INST_RATIO), and every instrumented block
loads its guard rip-relative, which objdump annotates with the address.

usage: afl-edge-map.py BINARY [IDS_FILE]   (ids one a line, or id:count
as afl-showmap writes them; without IDS_FILE the whole map is printed)"""
import re
import subprocess
import sys


def guard_map(binary):
    sec = subprocess.run(["readelf", "-S", "-W", binary], check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"__sancov_guards\s+PROGBITS\s+([0-9a-f]+)\s+[0-9a-f]+"
                  r"\s+([0-9a-f]+)", sec)
    if not m:
        sys.exit(f"{binary}: no __sancov_guards section (not PCGUARD?)")
    start, size = int(m.group(1), 16), int(m.group(2), 16)
    dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", binary],
                         check=True, capture_output=True, text=True).stdout
    pcs, func = {}, "?"
    for line in dis.splitlines():
        fm = re.match(r"^[0-9a-f]+ <(.*)>:", line)
        if fm:
            func = fm.group(1)
            continue
        im = re.match(r"\s*([0-9a-f]+):\s.*#\s*([0-9a-f]+)\b", line)
        if im:
            t = int(im.group(2), 16)
            if start <= t < start + size:
                pcs.setdefault((t - start) // 4 + 1, (im.group(1), func))
    n = size // 4
    addrs = [pcs.get(i, ("0", "?"))[0] for i in range(1, n + 1)]
    lines = subprocess.run(["addr2line", "-e", binary], input="\n".join(addrs),
                           check=True, capture_output=True,
                           text=True).stdout.splitlines()
    root = re.compile(r"^.*?/(vmm|fuzz|tests|bench)/")
    return {i: (pcs.get(i, ("0", "?"))[1], root.sub(r"\1/", lines[i - 1]))
            for i in range(1, n + 1)}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    m = guard_map(sys.argv[1])
    if len(sys.argv) < 3:
        ids = sorted(m)
    else:
        with open(sys.argv[2], encoding="ascii") as f:
            ids = [int(x.split(":")[0]) for x in f.read().split()]
    for i in ids:
        func, loc = m.get(i, ("?", "outside the guard section"))
        print(f"{i} {func} {loc}")


main()
