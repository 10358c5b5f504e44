"""Bare Git repositories served over smart HTTP on loopback by the real `git http-backend` (CGI), as a
Git host serves them to Flux's source-controller: clone and fetch; pushes go to the bare repository
on disk."""

from __future__ import annotations

import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class GitServer:
    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        handler = type("Handler", (_Handler,), {"root": root})
        self.http = ThreadingHTTPServer((host, port), handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self.http.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.http.shutdown()


class _Handler(BaseHTTPRequestHandler):
    root: Path

    def do_GET(self) -> None:
        self._backend()

    def do_POST(self) -> None:
        self._backend()

    def log_message(self, *args) -> None:
        pass

    def _backend(self) -> None:
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = {
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_METHOD": self.command,
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "GIT_HTTP_MAX_REQUEST_BUFFER": "100M",
            "PATH": "/usr/bin:/bin",
        }
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        done = subprocess.run(
            [shutil.which("git"), "http-backend"], input=body, env=env, capture_output=True, timeout=120
        )
        head, _, content = done.stdout.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(": ")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)


def publish(work_tree: Path, bare: Path, message: str) -> str:
    """Commit everything in `work_tree` and push it to the bare repository; the commit's SHA."""

    def git(*args: str, cwd: Path = work_tree) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
            env={
                "PATH": "/usr/bin:/bin",
                "HOME": str(work_tree),
                "GIT_AUTHOR_NAME": "regc test",
                "GIT_AUTHOR_EMAIL": "test@regc.invalid",
                "GIT_COMMITTER_NAME": "regc test",
                "GIT_COMMITTER_EMAIL": "test@regc.invalid",
            },
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    if not bare.exists():
        git("init", "--bare", "--initial-branch=main", str(bare))
    if not (work_tree / ".git").exists():
        git("init", "--initial-branch=main")
    git("add", "-A")
    git("commit", "--allow-empty", "-m", message)
    git("push", "--force", str(bare), "HEAD:main")
    return git("rev-parse", "HEAD")


if __name__ == "__main__":  # served from inside a network namespace: python -m tests.cluster.git_server ROOT HOST PORT
    import sys

    server = GitServer(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
    threading.Event().wait()
