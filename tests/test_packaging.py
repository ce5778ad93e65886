"""carewire installs as one namespace: the repository's folders (connectors/, routing/, ...)
become carewire.connectors, carewire.routing, ..., and nothing generic lands in
site-packages, where it could shadow or be shadowed by another project's `routing`."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def setup_options() -> configparser.SectionProxy:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return config["options"]


def listed(option: str) -> list[str]:
    return [line.strip() for line in setup_options()[option].splitlines() if line.strip()]


def test_every_package_folder_is_listed_under_the_carewire_namespace():
    folders = dict(line.split(" = ") for line in listed("package_dir"))
    found = {".".join((name, *init.parent.relative_to(ROOT / folder).parts))
             for name, folder in folders.items() for init in (ROOT / folder).rglob("__init__.py")}
    assert sorted(listed("packages")) == sorted(found)
    assert all(name == "carewire" or name.startswith("carewire.") for name in folders)


LOCAL = ("build", "dist", "*.egg-info", ".venv", "data", "airflow_home", ".git",
         "__pycache__", ".pytest_cache")
"""What a checkout holds beside its sources: a setuptools `build/` left by an earlier
build would put files in the wheel that the package data no longer names."""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of this checkout's sources with the installed
    setuptools (no download)."""
    source = tmp_path_factory.mktemp("source") / "carewire"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*LOCAL))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(out), str(source)],
                   check=True, capture_output=True)
    [built] = out.glob("carewire-*.whl")
    return built


def test_the_wheel_installs_one_top_level_name_with_its_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {"carewire"}
    for data in ("carewire/warehouse/migrations/0001_landing_and_mentions.sql",
                 "carewire/warehouse/migrations/ducklake/0011_failures_name_their_rows.sql",
                 "carewire/desk/templates/queue.html",
                 "carewire/desk/static/desk.css",
                 "carewire/desk/migrations/env.py",
                 "carewire/desk/migrations/versions/0001_desk_store_of_carewire_0_1.py",
                 "carewire/routing/default_policy.yaml",
                 "carewire/sample/carewire.yaml",
                 "carewire/sample/cassettes/x.json",
                 "carewire/dag_tasks/common.py"):
        assert data in names
    assert any(name.startswith("carewire/enrichment/models/") and name.endswith(".npz")
               for name in names)
    assert "carewire/enrichment/models/sentiment_layers.safetensors" in names
    assert "carewire/enrichment/models/issue_layer.safetensors" in names


def test_in_a_clean_environment_only_the_carewire_names_import(wheel, tmp_path):
    """A fresh venv holding the wheel, with this environment's dependencies on its path but
    not its editable install; run from a folder outside the repository."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # A path entry, not a site dir: the editable install's .pth finder is not run there.
    Path(site, "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True)

    def imports(module: str) -> subprocess.CompletedProcess:
        return subprocess.run([python, "-c", f"import {module}; print({module}.__file__)"],
                              cwd=tmp_path, capture_output=True, text=True)

    for generic in ("alerts", "connectors", "desk", "enrichment", "maintenance", "quality",
                    "routing", "warehouse", "_common"):
        assert "ModuleNotFoundError" in imports(generic).stderr, generic
    for module in ("carewire.routing", "carewire.enrichment", "carewire.connectors.x",
                   "carewire.warehouse.migrate"):
        done = imports(module)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(site), done.stdout
    hooks = subprocess.run(
        [python, "-c", "from carewire.enrichment import score_texts, same_issue; "
                       "from carewire.routing import decide"], cwd=tmp_path,
        capture_output=True, text=True)
    assert hooks.returncode == 0, hooks.stderr
    assert (venv / "bin" / "carewire").exists()
