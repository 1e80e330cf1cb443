"""The deployment package the stack uploads: every module with its compiled bytecode, so that a
cold start in Lambda (whose /var/task is read-only, nothing compiled there is kept) compiles
nothing."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra.bytecode import CACHE_TAG, add_bytecode

# In a fresh interpreter with the package alone on its path (and writing no bytecode itself):
# which of the package's modules it imported had no compiled bytecode to load.
PROBE = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
import {module}
loaded = [module for module in list(sys.modules.values())
          if (getattr(module, "__file__", None) or "").startswith(sys.argv[1] + os.sep)]
from_source = sorted(module.__name__ for module in loaded
                     if module.__file__.endswith(".py") and not os.path.exists(module.__cached__ or ""))
print(json.dumps({{"from_source": from_source, "loaded": len(loaded)}}))
"""


def _package(outdir: Path) -> Path:
    for asset in sorted(outdir.glob("asset.*.zip")):
        with zipfile.ZipFile(asset) as archive:
            if "app.py" in archive.namelist():
                return asset
    raise AssertionError(f"no deployment package among the assets of {outdir}")


@pytest.fixture(scope="module")
def unzipped(synthesized, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("package")
    with zipfile.ZipFile(_package(synthesized["dev"])) as archive:
        archive.extractall(folder)
    return folder


def test_every_module_of_the_package_has_bytecode_that_is_never_checked_against_its_source(synthesized):
    with zipfile.ZipFile(_package(synthesized["dev"])) as archive:
        names = set(archive.namelist())
        modules = [name for name in names if name.endswith(".py")]
        missing = []
        for name in modules:
            folder, _, file = name.rpartition("/")
            compiled = f"{folder + '/' if folder else ''}__pycache__/{file[:-3]}.{CACHE_TAG}.pyc"
            if compiled not in names:
                missing.append(name)
        # A few files are not Python 3.11 (templates, other interpreters' shims); none is imported (below).
        assert len(missing) < len(modules) / 50, missing[:20]
        for name in ("app.py", "chalicelib/tap/redirect.py", "botocore/session.py", "pynamodb/models.py"):
            assert name not in missing
        pyc = archive.read(f"chalicelib/tap/__pycache__/redirect.{CACHE_TAG}.pyc")
    # PEP 552: flags 0b01 = hash-based, not checked (a timestamp would not survive the unzip)
    assert int.from_bytes(pyc[4:8], "little") == 0b01


@pytest.mark.parametrize("module", ["chalicelib.web.tap_function", "app"])
def test_a_cold_start_from_the_package_compiles_none_of_the_modules_it_imports(unzipped, module):
    result = subprocess.run(
        [sys.executable, "-B", "-I", "-c", PROBE.format(module=module), str(unzipped)],
        capture_output=True, text=True, timeout=120,
        env={"AFFILINK_ADMIN_KEY": "x", "AFFILINK_SECRET": "x", "AWS_DEFAULT_REGION": "eu-west-3"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["loaded"] > 100  # botocore, PynamoDB, ... came from the package
    assert probe["from_source"] == []


def test_bytecode_replaces_what_the_package_held_and_the_same_package_gives_the_same_zip(tmp_path):
    package = tmp_path / "deployment.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("app.py", "VALUE = 1\n")
        archive.writestr(f"__pycache__/app.{CACHE_TAG}.pyc", b"stale, from a developer's machine")
        archive.writestr("chalicelib/__init__.py", "")
        archive.writestr("chalicelib/templates/page.py", "{% if not python %}\n")
        archive.writestr("chalicelib/templates/page.html", "<p>kept</p>")
    assert add_bytecode(package) == 2
    first = package.read_bytes()
    assert add_bytecode(package) == 2
    assert package.read_bytes() == first  # deterministic: the asset's hash moves only with the code
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        assert names.count(f"__pycache__/app.{CACHE_TAG}.pyc") == 1
        assert archive.read(f"__pycache__/app.{CACHE_TAG}.pyc")[4:8] == b"\x01\x00\x00\x00"
        assert archive.read("chalicelib/templates/page.html") == b"<p>kept</p>"
        assert archive.testzip() is None


def test_bytecode_lands_in_the_package_whatever_the_environment_says_about_bytecode(tmp_path, monkeypatch):
    # (PYTHONPYCACHEPREFIX, as sys.pycache_prefix): compileall followed it and the package got nothing
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "elsewhere"))
    package = tmp_path / "deployment.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("app.py", "VALUE = 1\n")
    assert add_bytecode(package) == 1
    with zipfile.ZipFile(package) as archive:
        assert archive.namelist() == ["app.py", f"__pycache__/app.{CACHE_TAG}.pyc"]
    assert not (tmp_path / "elsewhere").exists()
