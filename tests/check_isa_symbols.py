#!/usr/bin/env python3
"""Fail when a per-instruction-set kernel object defines a global or weak symbol outside its own
namespace (docs/design.md, "Instruction set").

linalg/kernels_isa.cpp is compiled once per target (baseline, avx2, avx512). The linker keeps one
copy of each weak (inline or template) function: if the AVX-512 object defined, say, a
std::vector member or an Eigen function that the rest of the library also uses, that copy could
be the one every caller runs, and a baseline CPU would meet AVX-512 instructions. So every global
or weak symbol such an object defines must name its own namespace nmfkit::detail::isa_<target>
(then no other object can define the same symbol). Data symbols are not checked: they hold no
instructions.

Usage: check_isa_symbols.py NM TARGET=OBJECT [TARGET=OBJECT ...]; prints each offending symbol.
"""
import subprocess
import sys

# Not code: the exception personality routine's pointer, the same data in every object. And
# clang's __clang_call_terminate, the same two calls (__cxa_begin_catch, std::terminate) in every
# object that has a noexcept function calling one that may throw.
ALLOWED = {"DW.ref.__gxx_personality_v0", "__clang_call_terminate"}
# Weak data (typeinfo objects, which clang's UBSan emits for function types, static locals of
# inline functions): no instructions, so the copy the linker keeps cannot matter.
DATA_KINDS = {"V", "v", "u", "D", "B", "R", "d", "b", "r"}


def main() -> int:
    nm, pairs = sys.argv[1], sys.argv[2:]
    if not pairs:
        print("usage: check_isa_symbols.py NM TARGET=OBJECT ...", file=sys.stderr)
        return 2
    problems = 0
    for pair in pairs:
        target, path = pair.split("=", 1)
        namespace = f"nmfkit::detail::isa_{target}"
        out = subprocess.run([nm, "-C", "--defined-only", path], check=True,
                             capture_output=True, text=True).stdout
        checked = 0
        for line in out.splitlines():
            parts = line.split(maxsplit=2)
            if len(parts) < 3:
                continue
            kind, name = parts[1], parts[2]
            # Local symbols (lower case but the weak kinds) cannot be chosen for another object.
            if kind.islower() and kind not in "uvw":
                continue
            if kind in DATA_KINDS:
                continue
            checked += 1
            if namespace in name or name in ALLOWED:
                continue
            print(f"{path}: {kind} {name}: outside {namespace}")
            problems += 1
        if checked == 0:
            print(f"{path}: no global symbols at all (not the kernel object?)")
            problems += 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
