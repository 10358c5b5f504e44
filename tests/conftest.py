"""Shared fixtures: a temporary repository holding the example environments, and runners."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.memory import MemoryRepo

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "environments"
EXAMPLE_SPECS = sorted(p for p in EXAMPLES.glob("*.yaml") if not p.name.endswith(".secrets.yaml"))
TEST_KEY = REPO / "tests" / "fixtures" / "age" / "test-only.agekey"


@pytest.fixture(autouse=True)
def test_only_key(monkeypatch, tmp_path_factory):
    """Every test runs with the test-only age key, and no other (a clean HOME hides any of yours)."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(TEST_KEY))
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.delenv("SOPS_AGE_KEY", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)


def without_key(monkeypatch) -> None:
    """No private key at all, as in CI's `regc check`."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", "/nonexistent/keys.txt")


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def run_console(*args: str, cwd: Path, stdin: str | None = None) -> Result:
    """Run the real console script in its own process, as a user would, in `cwd`: the contract tests
    of the command line (exit codes, help, what a fresh process prints)."""
    done = subprocess.run(
        [sys.executable, "-m", "regc", *args], cwd=cwd, capture_output=True, text=True, input=stdin, timeout=120
    )
    return Result(done.returncode, done.stdout, done.stderr)


def run_regc(*args: str, cwd: Path, stdin: str | None = None) -> Result:
    """Run the command line in this process, as the console script does (`regc.console.main` with
    these arguments), in `cwd`: what it prints and its exit status. An exception that escapes is
    printed as the traceback a person would see."""
    import contextlib
    import io
    import os
    import traceback

    from regc import console
    from regc.tools.sops import sops_binary

    sops_binary.cache_clear()  # a test may point REGC_SOPS elsewhere
    out, err = io.StringIO(), io.StringIO()
    code = 0
    saved = os.getcwd(), sys.argv, sys.stdin
    os.chdir(cwd)
    sys.argv, sys.stdin = ["regc", *args], io.StringIO(stdin or "")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                console.main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:
                traceback.print_exc(file=err)
                code = 1
    finally:
        os.chdir(saved[0])
        sys.argv, sys.stdin = saved[1], saved[2]
        sops_binary.cache_clear()
    return Result(code, out.getvalue(), err.getvalue())


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under base/, overlays/ and argocd/, by relative path."""
    files = {}
    for folder in ("base", "overlays", "argocd"):
        for path in sorted((root / folder).rglob("*")) if (root / folder).exists() else []:
            if path.is_file():
                files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


@pytest.fixture
def memory() -> MemoryRepo:
    """The example repository in memory (tests/memory.py): the specs a test writes compile beside the
    examples, with the in-memory world and a test sealer."""
    from tests.memory import MemoryRepo  # tests.memory reads this module's constants

    return MemoryRepo()


@pytest.fixture
def empty() -> MemoryRepo:
    """A repository in memory with nothing in it but .sops.yaml's recipient (the fake sealer's)."""
    from tests.memory import MemoryRepo

    return MemoryRepo(examples=False)


@pytest.fixture
def built_memory() -> MemoryRepo:
    """The example repository in memory, compiled (tests/memory.py)."""
    from tests.memory import built_repo

    return built_repo()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A fresh repository with the example environments and nothing compiled."""
    return example_repository(tmp_path)


def example_repository(root: Path) -> Path:
    """The example environments and .sops.yaml copied to `root`, nothing compiled."""
    shutil.copytree(EXAMPLES, root / "environments")
    shutil.copy(REPO / ".sops.yaml", root / ".sops.yaml")
    return root


@pytest.fixture(scope="session")
def built_once(tmp_path_factory) -> Path:
    """The example repository compiled once per session (with the real sops and the test-only key)."""
    root = tmp_path_factory.mktemp("built-once")
    shutil.copytree(EXAMPLES, root / "environments")
    shutil.copy(REPO / ".sops.yaml", root / ".sops.yaml")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOPS_AGE_KEY_FILE", str(TEST_KEY))
        env.setenv("HOME", str(tmp_path_factory.mktemp("home")))
        result = run_regc("build", cwd=root)
    assert result.code == 0, result.stderr
    (root / ".regc.lock").unlink(missing_ok=True)
    return root


@pytest.fixture(scope="session")
def variants(tmp_path_factory):
    """The examples and every variant spec of tests/variants.py, compiled once per session (read only:
    copy it before changing anything)."""
    from tests.variants import build_variants

    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOME", str(tmp_path_factory.mktemp("home")))
        return build_variants(tmp_path_factory.mktemp("variants"))


@pytest.fixture
def built(tmp_path: Path, built_once: Path) -> Path:
    """The example repository, compiled: a copy of the session's build (in the test's tmp_path)."""
    shutil.copytree(built_once, tmp_path, dirs_exist_ok=True)
    return tmp_path


def write_spec(root: Path, name: str, body: str) -> Path:
    """Write environments/NAME.yaml with the required header and `body` after it."""
    path = root / "environments" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("apiVersion: regc/v1\nkind: Environment\n" + body)
    return path


def kustomize(directory: Path) -> list[dict]:
    """The objects that the real `kubectl kustomize` builds from `directory` (a KSOPS overlay with
    its generator's files as resources: what KSOPS yields, before decryption)."""
    from regc.tools.kubectl import render_overlay

    assert shutil.which("kubectl"), "kubectl is required (the real kustomize); .ci/run installs it"
    return render_overlay(directory)


def decrypt_object(obj: dict) -> dict:
    """A SOPS-encrypted object decrypted by the real sops, as Flux or KSOPS would (through a pipe)."""
    import io

    from ruamel.yaml import YAML

    from regc.tools.sops import sops_binary

    if "sops" not in obj:
        return obj
    yaml = YAML(typ="safe", pure=True)
    buffer = io.StringIO()
    yaml.dump(obj, buffer)
    done = subprocess.run(
        [sops_binary(), "decrypt", "--input-type", "yaml", "--output-type", "yaml"],
        input=buffer.getvalue().encode(),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    return yaml.load(done.stdout)


def load_yaml_file(path: Path) -> dict:
    """One YAML document from a file, as plain data."""
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(path.read_text())


# A test on a repository on disk (a folder of its own, or the examples built there) is a contract test:
# it holds the real sops, git, kustomize, the console script or the journaled commit to what the
# in-memory feature tests assume. Modules that run a real program over this repository's own files
# say so themselves (`pytestmark = pytest.mark.contract`). `pytest -m "not e2e and not contract"`
# runs the feature tests, in memory.
DISK_FIXTURES = {"tmp_path", "built_once", "variants"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """With pytest-xdist (`-n 3`), every end-to-end test runs on one worker, in order: they share the
    control plane, Ceph's ports and the tool cache. The tests on real nodes (tests/nodes/) share
    their cluster, in namespaces of its own, so they run as a group of their own on another worker
    (one cluster: two at once, one a worker, loaded two cores enough to slow kube-proxy past a
    stopping pod's preStop sleep, and a drain failed a request once). The nodes mostly wait on
    probes and rollouts, so the other tests spread over all three workers keep both cores busy."""
    for item in items:
        if DISK_FIXTURES & set(getattr(item, "fixturenames", ())) and not item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.contract)
        if item.get_closest_marker("e2e"):
            group = "nodes" if "tests/nodes/" in item.nodeid else "e2e"
            item.add_marker(pytest.mark.xdist_group(group))
    # The nodes first, then the end-to-end tests: with `--no-loadscope-reorder` the first two workers
    # start on them at once (they are the run's longest), and the queue is empty before they end.
    items.sort(key=lambda item: 0 if "tests/nodes/" in item.nodeid else 1 if item.get_closest_marker("e2e") else 2)


def pytest_configure(config):
    """pytest 9.2 drops pytest-xdist's group suffix (pytest-xdist#1386): every group would be spread
    over both workers (the e2e tests fighting over Ceph's ports). Stop with the reason instead."""
    version = tuple(int(part) for part in pytest.__version__.split(".")[:2] if part.isdigit())
    if getattr(config.option, "dist", "no") == "loadgroup" and version >= (9, 2):
        raise pytest.UsageError(
            f"pytest {pytest.__version__} breaks pytest-xdist's --dist loadgroup (pytest-xdist#1386): "
            "install the pytest that pyproject.toml allows (pip install -e '.[test]')"
        )


def pytest_sessionfinish(session, exitstatus):
    """The control plane, if a test started one (tests/cluster/apiserver.py), ends with the session."""
    from tests.cluster.apiserver import stop_shared_cluster

    stop_shared_cluster()
