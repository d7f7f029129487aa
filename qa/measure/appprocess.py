"""``qa serve`` started by the load test: on 127.0.0.1 and a free port, in its own process (so that the
clients' threads do not share its interpreter lock), with its log kept to show if it dies.
"""

from __future__ import annotations

import socket
import subprocess
import tempfile
import threading
import time
from collections import deque

from qa import config

__all__ = ["AppProcess", "free_port"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class AppProcess:
    """``qa serve`` (what ``python app.py`` runs) on 127.0.0.1 and a free port, in its own process (so
    the clients' threads do not share its interpreter lock)."""

    def __init__(self, model: str, corpus: str | None, *, cache_size: int | None = None, max_waiting: int | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        cmd = config.python_module("qa.app.serve", "--host", "127.0.0.1", "--port", str(self.port), "--model", model)
        if corpus:
            cmd += ["--corpus", corpus]
        if cache_size is not None:
            cmd += ["--cache-size", str(cache_size)]
        if max_waiting is not None:
            cmd += ["--max-waiting", str(max_waiting)]
        env = config.child_env(PYTHONUNBUFFERED="1")
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if model == "hash" and not env.get("QA_INDEX_DIR"):
            # The test double's index and vectors stay out of the corpus's index folder.
            self._tmp = tempfile.TemporaryDirectory(prefix="qa-loadtest-index-")
            env["QA_INDEX_DIR"] = self._tmp.name
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
        self.lines: deque[str] = deque(maxlen=15)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        """Keep the app's log, to show its last lines if it exits."""
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip())

    def alive(self) -> None:
        if self.proc.poll() is not None:
            time.sleep(0.2)  # let the reader catch the last lines
            tail = "\n".join(self.lines)
            raise RuntimeError(f"the app exited with code {self.proc.returncode}:\n{tail}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._tmp is not None:
            self._tmp.cleanup()
