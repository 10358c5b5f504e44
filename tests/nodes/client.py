"""A registry client in a loop, run on a node while the cluster changes: each round pushes a new
image (new blobs, so every push uploads) and pulls the one pushed before, with the real skopeo,
and records every operation as a JSON line until the stop file appears."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.e2e.oci import write_image

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--certs", required=True)
    parser.add_argument("--results", required=True, type=Path)
    parser.add_argument("--stop", required=True, type=Path)
    args = parser.parse_args()
    creds = os.environ.get("REGISTRY_CREDS")  # user:password, from the environment (not a file on disk)
    skopeo = ["skopeo", "--insecure-policy", "--command-timeout", "30s"]
    with tempfile.TemporaryDirectory() as work, args.results.open("a") as results:
        layout, rounds, pushed = Path(work) / "layout", 0, 0
        while not args.stop.exists():
            rounds += 1
            write_image(layout, f"r{rounds}", f"round {rounds} at {time.time()}")
            image = f"docker://{args.host}/loop:r{rounds}"
            push = ["copy", "--dest-cert-dir", args.certs, *(["--dest-creds", creds] if creds else [])]
            operations = [("push", [*push, f"oci:{layout}:r{rounds}", image])]
            if pushed:  # the last image pushed (a failed push leaves nothing to pull)
                target = Path(work) / f"pulled-{rounds}"
                source = f"docker://{args.host}/loop:r{pushed}"
                pull = ["copy", "--src-cert-dir", args.certs, *(["--src-creds", creds] if creds else [])]
                operations.append(("pull", [*pull, source, f"dir:{target}"]))
            for operation, command in operations:
                started = time.time()
                done = subprocess.run([*skopeo, *command], capture_output=True, text=True, timeout=120)
                line = {"op": operation, "round": rounds, "ok": done.returncode == 0, "start": started}
                line["seconds"] = round(time.time() - started, 3)
                if done.returncode:
                    line["error"] = done.stderr.strip()[-400:]
                if operation == "push" and done.returncode == 0:
                    pushed = rounds
                results.write(json.dumps(line) + "\n")
                results.flush()
            shutil.rmtree(Path(work) / f"pulled-{rounds}", ignore_errors=True)


class ClientLoop:
    """The client above, run on a node of the cluster as a process of its own; its results read
    from here."""

    def __init__(self, cluster: Any, node: int, host: str, certs: Path, work: Path, creds: str | None = None) -> None:
        self.results, self.stop_file = work / "client.jsonl", work / "client.stop"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        if creds:
            env["REGISTRY_CREDS"] = creds
        command = ["--host", host, "--certs", str(certs), "--results", str(self.results), "--stop", str(self.stop_file)]
        self.process = subprocess.Popen(
            cluster.on(cluster.nodes[node], sys.executable, "-m", "tests.nodes.client", *command),
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(work / "client.log").open("w"),
        )

    def done(self) -> list[dict[str, Any]]:
        text = self.results.read_text() if self.results.exists() else ""
        return [json.loads(line) for line in text.splitlines()]

    def wait_for(self, count: int, after: float = 0, timeout: float = 120) -> None:
        """Until `count` operations that started after `after` are done (failed or not)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if len([r for r in self.done() if r["start"] >= after]) >= count:
                return
            if self.process.poll() is not None:
                raise AssertionError(f"the client exited: {(self.results.parent / 'client.log').read_text()[-2000:]}")
            time.sleep(0.5)
        raise AssertionError(f"the client made no progress for {timeout:.0f} s: {self.done()[-5:]}")

    def stop(self) -> list[dict[str, Any]]:
        self.stop_file.touch()
        try:
            self.process.wait(timeout=150)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        return self.done()


if __name__ == "__main__":
    main()
