"""Per-function and per-instruction counts of a pcprof run (see hotspots.sh).

    python3 report.py ELF COUNTS [--top N] [--function REGEX]

Prints the N functions with the most executed instructions (share of the whole run), and, for
every function whose demangled name matches REGEX, its disassembly with each instruction's count.
"""
import argparse
import bisect
import collections
import re
import subprocess
import sys


def symbols(elf):
    out = subprocess.run(["arm-none-eabi-nm", "-C", "-S", elf], capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split(" ", 3)
        if len(parts) == 4 and parts[2] in "tTwW":
            syms.append((int(parts[0], 16) & ~1, int(parts[1], 16), parts[3]))
    syms.sort()
    return syms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("elf")
    ap.add_argument("counts")
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--function")
    a = ap.parse_args()
    counts = {}
    for line in open(a.counts):
        pc, n = line.split()
        counts[int(pc, 16)] = int(n)
    if not counts:
        sys.exit("report.py: no counts (did the firmware run?)")
    syms = symbols(a.elf)
    starts = [s[0] for s in syms]
    per_fn = collections.Counter()
    for pc, n in counts.items():
        i = bisect.bisect_right(starts, pc) - 1
        inside = i >= 0 and pc < syms[i][0] + max(syms[i][1], 2)
        per_fn[syms[i][2] if inside else "?"] += n
    total = sum(counts.values())
    print(f"{total:,} instructions executed; functions by their share:")
    for name, n in per_fn.most_common(a.top):
        print(f"{n:>14,} {100 * n / total:5.1f}%  {name}")
    if a.function:
        dis = subprocess.run(["arm-none-eabi-objdump", "-d", "-C", "--no-show-raw-insn", a.elf],
                             capture_output=True, text=True, check=True).stdout
        on = False
        for line in dis.splitlines():
            head = re.match(r"^([0-9a-f]+) <(.*)>:$", line)
            if head:
                on = re.search(a.function, head.group(2)) is not None
                if on:
                    print(f"\n{line}")
                continue
            ins = re.match(r"^\s*([0-9a-f]+):\s*(.*)$", line)
            if on and ins:
                print(f"{counts.get(int(ins.group(1), 16), 0):>12} {line.strip()}")


if __name__ == "__main__":
    main()
