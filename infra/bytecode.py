"""Compiled bytecode in the Lambda deployment package.

`chalice package` zips sources only (wheels carry no `.pyc`), and Lambda's `/var/task` is
read-only, so Python cannot cache what it compiles: every cold start compiled each module it
imported, botocore's among them. Unzipped here, with nothing cached: `import boto3` ~300 ms
instead of ~105, the tap function +50 ms instead of +17 (docs/performance.md). Each `.py` of the
package gets its `__pycache__/<name>.cpython-311.pyc` beside it, compiled for the functions'
runtime and validated by nothing (unchecked hash): unzipping does not keep the sources' mtimes,
which the default validation compares, and the package never changes once built.

`python -m infra.bytecode build/package/deployment.zip` adds it to a package `make package` built;
the CDK stack adds it to the package its Chalice construct builds (`infra/stack.py`).
"""
from __future__ import annotations

import py_compile
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

RUNTIME = (3, 11)  # the functions' runtime, lambda_.Runtime.PYTHON_3_11 in infra/stack.py
CACHE_TAG = f"cpython-{RUNTIME[0]}{RUNTIME[1]}"
LAMBDA_TASK_ROOT = "/var/task"  # where Lambda unzips the package: named in tracebacks
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # as Chalice writes its entries: the same package, the same zip


class BytecodeError(RuntimeError):
    """The package cannot get bytecode its runtime would use."""


def add_bytecode(package: Path) -> int:
    """Compile every module of the zip at `package` into it; the number of modules compiled.

    Bytecode the package already holds for its modules is replaced: `chalice package` copies the
    project's own `__pycache__`, compiled on the developer's machine against timestamps that the
    zip does not keep, so Lambda would ignore it and compile again."""
    if sys.version_info[:2] != RUNTIME:
        raise BytecodeError(
            f"the package's bytecode must be compiled by Python {RUNTIME[0]}.{RUNTIME[1]} (the functions' "
            f"runtime), not {sys.version_info[0]}.{sys.version_info[1]}: run it from the project's .venv"
        )
    with tempfile.TemporaryDirectory(prefix="affilink-bytecode-") as scratch:
        root = Path(scratch) / "package"
        with zipfile.ZipFile(package) as archive:
            entries = archive.infolist()
            sources = [entry for entry in entries if entry.filename.endswith(".py")]
            for entry in sources:
                archive.extract(entry, root)
        compiled = []
        for entry in sources:
            folder, _, file = entry.filename.rpartition("/")
            name = f"{folder + '/' if folder else ''}__pycache__/{file[:-3]}.{CACHE_TAG}.pyc"
            try:
                # Written where named (whatever PYTHONPYCACHEPREFIX says), never optimized (Lambda
                # runs without -O, which would look for .opt-1.pyc).
                py_compile.compile(str(root / entry.filename), cfile=str(root / name), doraise=True,
                                   dfile=f"{LAMBDA_TASK_ROOT}/{entry.filename}", optimize=0,
                                   invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            except py_compile.PyCompileError:
                continue  # not this Python's (a template, another interpreter's shim): nothing imports it
            compiled.append(name)
        if len(compiled) < len(sources) / 2:
            raise BytecodeError(f"only {len(compiled)} of the package's {len(sources)} modules compiled")
        rebuilt = Path(scratch) / "deployment.zip"
        with zipfile.ZipFile(package) as original, zipfile.ZipFile(rebuilt, "w") as archive:
            replaced = set(compiled)
            for entry in entries:
                if entry.filename not in replaced:
                    archive.writestr(entry, original.read(entry))
            for name in compiled:
                entry = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = 0o644 << 16
                archive.writestr(entry, (root / name).read_bytes())
        shutil.copyfile(rebuilt, package)
    return len(compiled)


def main(arguments: list[str]) -> None:
    if len(arguments) != 1:
        sys.exit("usage: python -m infra.bytecode <deployment.zip>")
    try:
        added = add_bytecode(Path(arguments[0]))
    except (BytecodeError, OSError, zipfile.BadZipFile) as error:
        sys.exit(f"affilink: {error}")
    print(f"{arguments[0]}: {added} modules compiled into it")


if __name__ == "__main__":
    main(sys.argv[1:])
