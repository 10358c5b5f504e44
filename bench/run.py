"""Time regc against the goals of its performance issue, with kubectl kustomize measured in the
same run: python -m bench [--runs N] [--quick]. Prints a table of median, min and max."""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEST_KEY = REPO / "tests" / "fixtures" / "age" / "test-only.agekey"
DIFF_UP_TO = 1000  # `regc diff` renders every overlay twice with kustomize: 10,000 would take over half an hour
KAPITAN_REFERENCE = {"1": 1.6, "100": 4.2}  # seconds, measured on these machines (issue 6); not run here

SPEC = """apiVersion: regc/v1
kind: Environment
namespace: {name}
registry:
  image: registry:{tag}
auth:
  htpasswd:
    users: [{users}]
    bcryptCost: {cost}
    generateMissingPasswords: true
"""


def run(args: list[str], cwd: Path, env: dict | None = None, check: bool = True) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if check and done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return elapsed


def timed(label: str, action, runs: int, rows: list, reference: str | None = None, goal: str = "") -> list[float]:
    times = [action() for _ in range(runs)]
    rows.append((label, statistics.median(times), min(times), max(times), reference, goal))
    return times


def make_repo(root: Path, environments: int, users: int, cost: int) -> list[str]:
    (root / "environments").mkdir(parents=True)
    shutil.copy(REPO / ".sops.yaml", root / ".sops.yaml")
    names = [f"env{index:04d}" if environments > 1000 else f"env{index:03d}" for index in range(environments)]
    for name in names:
        user_list = ", ".join(f"user{u:04d}" for u in range(users))
        (root / "environments" / f"{name}.yaml").write_text(
            SPEC.format(name=name, tag="2.8.3", users=user_list, cost=cost)
        )
    return names


def regc(*args: str) -> list[str]:
    return [sys.executable, "-m", "regc", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="runs per case (median, min, max)")
    parser.add_argument("--quick", action="store_true", help="fewer runs, 10 environments instead of 100")
    parser.add_argument("--write-docs", action="store_true", help="put the table into docs/explanation/performance.md")
    parser.add_argument(
        "--fleet",
        action="store_true",
        help="instead: fleets of 100 and 1,000 environments (per-environment cost at each size, no-op, "
        "--check, regc diff after a base change, peak memory)",
    )
    parser.add_argument(
        "--sizes",
        default="100,1000",
        help="the fleets' sizes, comma-separated (with --fleet; 10,000 takes about half an hour, most of it "
        f"the first build; regc diff runs up to {DIFF_UP_TO:,} environments)",
    )
    options = parser.parse_args()
    if options.fleet:
        fleet(options.runs if options.runs != 7 else 3, [int(size) for size in options.sizes.split(",")])
        return
    runs = 3 if options.quick else options.runs
    many = 10 if options.quick else 100
    # As users run regc: an installed package keeps its bytecode (some CI machines turn that off).
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {**clean, "SOPS_AGE_KEY_FILE": str(TEST_KEY)}
    no_key = {**clean, "SOPS_AGE_KEY_FILE": "/nonexistent", "HOME": tempfile.gettempdir()}
    rows: list = []
    heading = f"regc benchmark, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {runs} runs per case"
    print(heading, flush=True)

    with tempfile.TemporaryDirectory() as scratch:
        # One environment: no-op and a re-render next to kustomize of the same overlay.
        one = Path(scratch) / "one"
        [name] = make_repo(one, 1, 1, 10)
        run(regc("build"), one, env)
        overlay = str(one / "overlays" / name)
        kustomize = timed(
            "kubectl kustomize, 1 overlay", lambda: run(["kubectl", "kustomize", overlay], one), runs, rows
        )
        base = statistics.median(kustomize)
        timed(
            "no-op regc build, 1 environment",
            lambda: run(regc("build"), one, env),
            runs,
            rows,
            "kustomize",
            "<= 1.5 x kustomize",
        )
        spec = one / "environments" / f"{name}.yaml"
        tags = iter(["2.8.2", "2.8.3"] * runs)

        def bump() -> float:
            spec.write_text(re.sub(r"registry:2\.8\.\d", f"registry:{next(tags)}", spec.read_text()))
            return run(regc("build", f"environments/{name}.yaml"), one, env)

        timed(
            "re-render 1 environment (image tag), secrets unchanged",
            bump,
            runs,
            rows,
            "kustomize",
            "<= 1.0 x kustomize (issue 14)",
        )
        # What any run of regc pays before it reads a spec: the interpreter, then pydantic and the
        # spec's model classes (whose validators pydantic builds on the first validation).
        nothing = [sys.executable, "-c", "pass"]
        timed("floor: python, nothing imported", lambda: run(nothing, one, env), runs, rows, "kustomize")
        timed(
            "floor: python + the spec model validating an empty spec",
            lambda: run([sys.executable, "-c", FLOOR], one, env),
            runs,
            rows,
            "kustomize",
        )
        timed(
            "regc build --check, 1 environment, no key",
            lambda: run(regc("build", "--check"), one, no_key),
            runs,
            rows,
            "kustomize",
            "as no-op",
        )

        # Many environments in one process.
        wide = Path(scratch) / "wide"
        names = make_repo(wide, many, 1, 10)
        print(f"(setting up {many} environments: CA, certificates and Secrets for each)", flush=True)
        run(regc("build"), wide, env)
        timed(
            f"no-op regc build, {many} environments", lambda: run(regc("build"), wide, env), runs, rows, None, "< 0.5 s"
        )
        timed(
            f"regc build --check, {many} environments, no key",
            lambda: run(regc("build", "--check"), wide, no_key),
            runs,
            rows,
            None,
            "as no-op",
        )

        def invalidate_all() -> float:
            for unit in [wide / "base", *(wide / "overlays" / n for n in names)]:
                manifest = unit / ".regc-manifest"
                manifest.write_text(re.sub(r"# inputs: \S+", "# inputs: sha256:stale", manifest.read_text()))
            return run(regc("build"), wide, env)

        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        timed(
            f"{many} environments re-rendered (as after a base change), secrets unchanged",
            invalidate_all,
            runs,
            rows,
            f"kapitan {many}" if str(many) in KAPITAN_REFERENCE else None,
            "< 0.5 s (issue 14) and >= 2 x faster than Kapitan",
        )
        peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        overlays = [str(wide / "overlays" / n) for n in names[:10]]
        timed(
            "kubectl kustomize, 10 overlays (for scale)",
            lambda: sum(run(["kubectl", "kustomize", o], wide) for o in overlays),
            max(1, runs // 2),
            rows,
        )

        # Users: 1000 new users, then one more.
        crowd = Path(scratch) / "crowd"
        users = 100 if options.quick else 1000
        [crowd_name] = make_repo(crowd, 1, users, 8)
        start_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = run(regc("build"), crowd, env)
        end_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (end_cpu.ru_utime - start_cpu.ru_utime) + (end_cpu.ru_stime - start_cpu.ru_stime)
        rows.append(
            (
                f"{users} new users (bcrypt cost 8), first build",
                wall,
                wall,
                wall,
                None,
                f"bcrypt on all cores: cpu/wall = {cpu / wall:.2f}",
            )
        )
        add = subprocess.run(
            regc("user", "add", crowd_name, "newcomer", "--generate"),
            cwd=crowd,
            env=env,
            capture_output=True,
            text=True,
        )
        assert add.returncode == 0, add.stderr
        counted = subprocess.run(
            [sys.executable, "-c", COUNT_HASHES, str(crowd)], env=env, capture_output=True, text=True
        )
        assert counted.returncode == 0, counted.stderr
        hashes, seconds = counted.stdout.split()
        rows.append(
            (
                f"add 1 user to {users} users",
                float(seconds),
                float(seconds),
                float(seconds),
                None,
                f"bcrypt calls: {hashes} (goal: 1)",
            )
        )

    table = print_table(rows, base, peak)
    if options.write_docs:
        write_docs(table, heading)


def fleet(runs: int, sizes: list[int]) -> None:
    """Fleets of each size side by side (100 and 1,000 by default): the figure to watch is how the
    cost per environment grows with the fleet (a linear compiler keeps it flat)."""
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {**clean, "SOPS_AGE_KEY_FILE": str(TEST_KEY)}
    no_key = {**clean, "SOPS_AGE_KEY_FILE": "/nonexistent", "HOME": tempfile.gettempdir()}
    print(f"regc fleet benchmark, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {runs} runs per case")
    print(f"{'environments':>12} | {'case':<44} | {'median s':>9} | {'per env ms':>10} | {'peak MiB':>8}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as scratch:
            _fleet_of(size, Path(scratch) / "fleet", runs, env, no_key)


def _fleet_of(size: int, root: Path, runs: int, env: dict, no_key: dict) -> None:
    names = make_repo(root, size, 1, 4)

    def line(label: str, commands: list[tuple[list[str], dict]], prepare=None, once: bool = False) -> None:
        """The median wall time of `commands` run in turn, and the largest process's peak memory."""
        times, peaks = [], []
        for _ in range(1 if once else runs):
            if prepare is not None:
                prepare()
            wall = 0.0
            for args, environment in commands:
                seconds, peak = _measured(args, root, environment)
                wall += seconds
                peaks.append(peak)
            times.append(wall)
        median = statistics.median(times)
        print(
            f"{size:>12} | {label:<44} | {median:9.2f} | {median / size * 1000:10.2f} | {max(peaks):8.0f}", flush=True
        )

    line("first build (CA, certificate, secrets)", [(regc("build"), env)], once=True)  # later runs are no-ops
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    for step in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "fleet"]):
        subprocess.run([*git, *step], cwd=root, check=True)
    line("no-op regc build", [(regc("build"), env)])
    line("regc build --check, no key", [(regc("build", "--check"), no_key)])

    def invalidate_all() -> None:
        for unit in [root / "base", *(root / "overlays" / n for n in names)]:
            manifest = unit / ".regc-manifest"
            manifest.write_text(re.sub(r"# inputs: \S+", "# inputs: sha256:stale", manifest.read_text()))

    line("every overlay re-rendered, secrets unchanged", [(regc("build"), env)], invalidate_all)
    rounds = iter(range(1, 1000))

    def relabel_all() -> None:  # every overlay's objects change (a label of every spec)
        label = f"labels: {{team: t{next(rounds)}}}\n"
        for name in names:
            spec = root / "environments" / f"{name}.yaml"
            text = re.sub(r"^labels: .*\n", "", spec.read_text(), flags=re.M)
            spec.write_text(text.replace(f"namespace: {name}\n", f"namespace: {name}\n{label}", 1))

    line("every overlay changed (a label in every spec)", [(regc("build"), env)], relabel_all)
    if size > DIFF_UP_TO:
        return
    # A change of base/ (every overlay's render differs): regc diff renders each overlay twice.
    deployment = root / "base" / "deployment-registry.yaml"
    deployment.write_text(deployment.read_text().replace("revisionHistoryLimit: 5", "revisionHistoryLimit: 6"))
    diff = regc("diff", "--against", "main", "-o", "markdown")
    line("regc diff -o markdown after a base change (once)", [(diff, env)], once=True)  # minutes at 1,000


def _measured(args: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one command (its own process, not its children). Its
    standard error goes to a file: a build of a thousand new environments says more than a pipe holds."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(args)} failed:\n{errors.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


FLOOR = """
import os
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # as regc's console script does
from regc.envspec.model import API_VERSION, Environment
Environment.model_validate({"apiVersion": API_VERSION, "kind": "Environment"})
"""

COUNT_HASHES = """
import sys, time
from pathlib import Path
from regc.compiler import Compiler, disk_world, discover_specs
from regc.secrets import htpasswd
from regc.write.commit import commit
root = Path(sys.argv[1])
start = time.perf_counter()
compiler = Compiler(disk_world(root), may_decrypt=True)
commit(root, compiler.changes(compiler.compile(discover_specs(root)), prune=True))
print(htpasswd.HASHES["count"], round(time.perf_counter() - start, 3))
"""


DOCS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "explanation" / "performance.md"
TABLE_START, TABLE_END = "<!-- bench:start -->\n", "<!-- bench:end -->"


def write_docs(table: str, heading: str) -> None:
    """Put this run's table, under a line saying when and where it ran, into the docs' performance page."""
    page = DOCS_PAGE.read_text(encoding="utf-8")
    before, rest = page.split(TABLE_START, 1)
    _, after = rest.split(TABLE_END, 1)
    DOCS_PAGE.write_text(before + TABLE_START + heading + "\n\n" + table + TABLE_END + after, encoding="utf-8")
    print(f"wrote {DOCS_PAGE.relative_to(DOCS_PAGE.parents[2])}", file=sys.stderr)


def print_table(rows: list, kustomize: float, peak_mb: float) -> str:
    lines = ["| case | median | min | max | ratio | goal |", "|---|---|---|---|---|---|"]
    for label, median, low, high, reference, goal in rows:
        ratio = ""
        if reference == "kustomize":
            ratio = f"{median / kustomize:.2f} x kustomize"
        elif reference and reference.startswith("kapitan"):
            kapitan = KAPITAN_REFERENCE[reference.split()[1]]
            ratio = f"{kapitan / median:.1f} x faster than Kapitan's {kapitan} s (reference figure)"
        lines.append(
            f"| {label} | {median * 1000:.0f} ms | {low * 1000:.0f} ms | {high * 1000:.0f} ms | {ratio} | {goal} |"
        )
    lines.append(f"| peak memory of a build of many environments | {peak_mb:.0f} MB | | | | < 100 MB |")
    table = "\n".join(lines) + "\n"
    print()
    print(table, end="")
    return table


if __name__ == "__main__":
    main()
