"""A registry client in a loop, run on a node while the cluster changes: each round pushes a new
image (new blobs, so every push uploads) and pulls the one pushed before, with the real skopeo,
and records every operation as a JSON line until the stop file appears."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.e2e.oci import write_image


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--certs", required=True)
    parser.add_argument("--results", required=True, type=Path)
    parser.add_argument("--stop", required=True, type=Path)
    args = parser.parse_args()
    skopeo = ["skopeo", "--insecure-policy", "--command-timeout", "30s"]
    with tempfile.TemporaryDirectory() as work, args.results.open("a") as results:
        layout, rounds, pushed = Path(work) / "layout", 0, 0
        while not args.stop.exists():
            rounds += 1
            write_image(layout, f"r{rounds}", f"round {rounds} at {time.time()}")
            image = f"docker://{args.host}/loop:r{rounds}"
            operations = [("push", ["copy", "--dest-cert-dir", args.certs, f"oci:{layout}:r{rounds}", image])]
            if pushed:  # the last image pushed (a failed push leaves nothing to pull)
                target = Path(work) / f"pulled-{rounds}"
                source = f"docker://{args.host}/loop:r{pushed}"
                operations.append(("pull", ["copy", "--src-cert-dir", args.certs, source, f"dir:{target}"]))
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


if __name__ == "__main__":
    main()
