# Usage: /usr/bin/python3 bench/targets/table.py grid.txt
# Reads bench/targets/run.sh's output and prints one Markdown row per benchmark row: s/iter
# minimum / median over the rounds and the range of its ratio to the bound (dense: x machine
# bound) or to the factor reads (sparse: x reads), each ratio against its own round's probe, one
# column per NMFKIT_ISA path in the order the paths first appear.
import collections
import re
import sys

rows = collections.defaultdict(list)
paths = []
isa = kind = k = None
for line in open(sys.argv[1]):
    m = re.match(r"## round \d+ isa (\w+) (dense|sparse)(?: k=(\d+))?", line)
    if m:
        isa, kind, k = m.group(1), m.group(2), m.group(3) or "20"
        if isa not in paths:
            paths.append(isa)
        continue
    if not line.startswith("| ") or line.startswith("| solver"):
        continue
    c = [x.strip() for x in line.strip().strip("|").split("|")]
    # dense: solver loss scalar threads iterations s/iter xOpenBLAS xbound ...;
    # sparse: solver loss scalar threads s/iter xbound xreads ...
    s, ratio = (float(c[5]), float(c[7])) if kind == "dense" else (float(c[4]), float(c[6]))
    rows[(kind, int(k), c[2], c[0], c[1], isa)].append((s, ratio))


def cell(v):
    if not v:
        return "—"
    s = sorted(x[0] for x in v)
    r = sorted(x[1] for x in v)
    return f"{s[0]:.4f} / {s[len(s) // 2]:.4f} ({r[0]:.2f}-{r[-1]:.2f})"


order = {"mu": 0, "als": 1, "hals": 2, "cd": 3, "anls_bpp": 4}
print("| k | scalar | solver | " + " | ".join(f"{p} path: s/iter min / median (ratio range)" for p in paths) + " |")
print("|---|---|---|" + "---|" * len(paths))
for kind in ("dense", "sparse"):
    keys = sorted({key[:5] for key in rows if key[0] == kind},
                  key=lambda t: (t[1], t[2] != "float64", t[4], order.get(t[3], 9)))
    for key in keys:
        label = key[3] if kind == "dense" else f"{key[3]} {key[4]}"
        first = str(key[1]) if kind == "dense" else "sparse"
        print(f"| {first} | {key[2]} | {label} | " + " | ".join(cell(rows[key + (p,)]) for p in paths) + " |")
