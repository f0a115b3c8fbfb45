#!/usr/bin/env python3
"""Fail when an #include points up a layer (docs/design.md, "Layers").

The library's folders under src/ form layers; a file may include files of its own folder and of
folders on strictly lower layers, never of a higher layer or of a sibling on the same layer:

    0 linalg    kernels, Grams, parallel loops, reductions, vector log
    0 device    the CUDA device: its inventory, buffers, cuBLAS/cuSPARSE calls, kernels
    1 data      the adapters (dense, sparse, transposed, observed, held out)
    2 loss, nnls, init
    3 updates   the solvers' update rules
    4 engine    steps, loop, run, validate, names, fit_*
    5 select, mpi, online

Outside src/: io/ (readers and writers) must not include src/ at all (it needs only the public
headers), and include/ (the public API) must not include src/ or io/'s private files.
Usage: check_layers.py [REPO_ROOT]; prints each violation as FILE:LINE and exits 1 if any.
"""
import pathlib
import re
import sys

LAYERS = {
    "linalg": 0, "device": 0,
    "data": 1,
    "loss": 2, "nnls": 2, "init": 2,
    "updates": 3,
    "engine": 4,
    "select": 5, "mpi": 5, "online": 5,
}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
    problems = []
    for path in sorted(root.glob("src/**/*")) + sorted(root.glob("io/**/*")) + sorted(root.glob("include/**/*")):
        if path.suffix not in (".hpp", ".cpp", ".h"):
            continue
        rel = path.relative_to(root)
        top = rel.parts[0]
        folder = rel.parts[1] if top == "src" else None
        if top == "src" and folder not in LAYERS:
            problems.append(f"{rel}: folder src/{folder} has no layer in scripts/check_layers.py")
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1)
            head = target.split("/")[0] if "/" in target else None
            where = f"{rel}:{number}: #include \"{target}\""
            if top == "src":
                if head is None:
                    problems.append(f"{where}: name the folder (\"{folder}/...\")")
                elif head not in LAYERS:
                    problems.append(f"{where}: src/ may include only src/ folders and <public> headers")
                elif head != folder and LAYERS[head] >= LAYERS[folder]:
                    problems.append(f"{where}: {folder} (layer {LAYERS[folder]}) includes "
                                    f"{head} (layer {LAYERS[head]}); includes must point down")
            elif head in LAYERS or target.startswith(".."):
                problems.append(f"{where}: {top}/ must not include the library's private src/ files")
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) break the layering of docs/design.md")
        return 1
    print("layers: every include points down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
