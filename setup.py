"""Builds the Python package nmfkit: the extension nmfkit._core through CMake, plus python/nmfkit.

    /usr/bin/python3 -m pip install --no-build-isolation .            # offline, Debian's tools

The extension is the CMake target ``nmfkit_python`` (python/CMakeLists.txt). setup.py configures
a CMake build directory with -DNMFKIT_BUILD_PYTHON=ON for the running interpreter, builds that one
target and copies the module into the wheel. Environment:

NMFKIT_CMAKE_BUILD_DIR
    The CMake build directory to use (default: build-python/cmake in the source tree). An
    existing, configured build tree is reused: only -DNMFKIT_BUILD_PYTHON=ON and the interpreter
    are added to its cache, and only the extension is built (scripts/test.sh passes its ``build``).
NMFKIT_CMAKE_ARGS
    Extra arguments for a new build directory's configure step (split on spaces).
CMAKE_BUILD_PARALLEL_LEVEL
    Parallel compile jobs (default: the number of CPUs).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeExtension(Extension):
    """An extension built by CMake's target ``target``; no sources for setuptools to compile."""

    def __init__(self, name: str, target: str) -> None:
        super().__init__(name, sources=[])
        self.target = target


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        if not isinstance(ext, CMakeExtension):
            super().build_extension(ext)
            return
        build_dir = Path(os.environ.get("NMFKIT_CMAKE_BUILD_DIR", ROOT / "build-python" / "cmake"))
        build_dir = build_dir if build_dir.is_absolute() else ROOT / build_dir
        configured = (build_dir / "CMakeCache.txt").exists()
        args = ["-DNMFKIT_BUILD_PYTHON=ON", f"-DPython_EXECUTABLE={sys.executable}"]
        if not configured:
            args += [
                "-DCMAKE_BUILD_TYPE=Release",
                "-DNMFKIT_BUILD_TESTS=OFF",
                "-DNMFKIT_BUILD_CLI=OFF",
                "-DNMFKIT_BUILD_BENCH=OFF",
            ]
            if shutil.which("ninja"):
                args += ["-G", "Ninja"]
            args += shlex.split(os.environ.get("NMFKIT_CMAKE_ARGS", ""))
        self._run(["cmake", "-S", str(ROOT), "-B", str(build_dir), *args])
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        self._run(["cmake", "--build", str(build_dir), "--target", ext.target, "--parallel", jobs])

        built = sorted((build_dir / "python" / "nmfkit").glob("_core*.so"))
        if not built:
            raise RuntimeError(f"CMake built no nmfkit/_core*.so under {build_dir}/python")
        # The module CMake names for this interpreter (…cpython-311-x86_64-linux-gnu.so).
        suffix = self.get_ext_filename(ext.name).split("_core", 1)[1]
        module = next((p for p in built if p.name == "_core" + suffix), built[0])
        destination = Path(self.get_ext_fullpath(ext.name))
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(module, destination)
        shutil.copymode(module, destination)
        # The CUDA plugin of a CUDA build, beside the module: dlopened from there on device="cuda"
        # or build_info() (docs/design.md, "Device"), never loaded by `import nmfkit`.
        plugin = build_dir / "python" / "nmfkit" / "libnmfkit_cuda.so"
        if plugin.exists():
            shutil.copyfile(plugin, destination.parent / plugin.name)
            shutil.copymode(plugin, destination.parent / plugin.name)

    def _run(self, command: list) -> None:
        print("setup.py:", " ".join(shlex.quote(c) for c in command), flush=True)
        subprocess.run(command, check=True)


setup(
    ext_modules=[CMakeExtension("nmfkit._core", target="nmfkit_python")],
    cmdclass={"build_ext": CMakeBuild},
    # setuptools' own build directory; "build/" is the CMake tree of scripts/build.sh.
    # egg_info's metadata goes there too, not into python/.
    options={
        "build": {"build_base": str(Path("build-python") / "setuptools")},
        "egg_info": {"egg_base": "build-python"},
    },
)
