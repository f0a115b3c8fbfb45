#!/usr/bin/python3
"""Which translation units clang-tidy must check after a change (scripts/check_tidy.sh).

Usage: tidy_scope.py ROOT BUILD_DIR < units > units_to_check

The units are the repository-relative .cpp files check_tidy.sh would check. The baseline is the
commit named in ROOT/.ci/tidy-clean, on which the full check passed (recorded by
`scripts/check_tidy.sh BUILD --all --record`). A unit is checked again when it, or any file it
includes, differs between the baseline and the working tree (committed or not). What it includes
comes from BUILD_DIR's ninja dependency log (`ninja -t deps`, written by the compiler as it built
each object; a unity batch's object lists each of its .cpp files, so a change reaches every unit
of the batch). Everything is checked, with the reason on stderr, when that cannot be decided
soundly: no baseline, a baseline that is not an ancestor of HEAD (e.g. a shallow clone), a change
to what decides the checks or the compile commands (.clang-tidy, check_tidy.sh, this file, any
CMakeLists.txt or .cmake file), or a unit the dependency log does not know (not built).
"""

import os
import subprocess
import sys


def git(root, *args):
    return subprocess.run(["git", "-C", root, *args], check=True, capture_output=True,
                          text=True).stdout


def everything(units, why):
    print(f"tidy scope: every unit ({why})", file=sys.stderr)
    sys.stdout.write("".join(u + "\n" for u in units))
    return 0


def main():
    root, build = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    units = [line.strip() for line in sys.stdin if line.strip()]
    record = os.path.join(root, ".ci", "tidy-clean")
    if not os.path.exists(record):
        return everything(units, "no .ci/tidy-clean")
    with open(record, encoding="utf-8") as f:
        words = [w for line in f if not line.startswith("#") for w in line.split()]
    if not words:
        return everything(units, ".ci/tidy-clean names no commit")
    base = words[0]
    ancestor = subprocess.run(["git", "-C", root, "merge-base", "--is-ancestor", base, "HEAD"],
                              capture_output=True)
    if ancestor.returncode != 0:
        return everything(units, f"baseline {base[:12]} is not an ancestor of HEAD")
    # Changed since the baseline: committed (base..HEAD), staged, unstaged and untracked files.
    changed = set(git(root, "diff", "--name-only", base, "HEAD").split())
    changed |= set(git(root, "diff", "--name-only", "HEAD").split())
    changed |= set(git(root, "ls-files", "--others", "--exclude-standard").split())
    changed.discard(".ci/tidy-clean")
    for f in sorted(changed):
        name = os.path.basename(f)
        if f in (".clang-tidy", "scripts/check_tidy.sh", "scripts/tidy_scope.py") or \
                name == "CMakeLists.txt" or name.endswith(".cmake"):
            return everything(units, f"{f} changed since {base[:12]}")
    # ninja's dependency log of the build: per object, the source first, then every header.
    deps = subprocess.run(["ninja", "-C", build, "-t", "deps"], capture_output=True, text=True)
    if deps.returncode != 0:
        return everything(units, f"no ninja dependency log in {build}")
    prefix = root + os.sep
    blocks, current = [], None
    for line in deps.stdout.splitlines():
        if line and not line[0].isspace():
            current = set()
            blocks.append(current)
        elif line.strip() and current is not None:
            # Relative to the build directory, as the compile commands name them.
            path = os.path.normpath(os.path.join(build, line.strip()))
            if path.startswith(prefix):
                current.add(path[len(prefix):])
    known, affected = set(), set()
    for block in blocks:
        known |= block
        if block & changed:
            affected |= block
    unknown = [u for u in units if u not in known]
    if unknown:
        return everything(units, f"{unknown[0]} is not in {build}'s dependency log")
    chosen = [u for u in units if u in affected]
    print(f"tidy scope: {len(chosen)} of {len(units)} units include a file changed since "
          f"{base[:12]} ({len(changed)} files changed)", file=sys.stderr)
    sys.stdout.write("".join(u + "\n" for u in chosen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
