"""The argument parser of the user-facing commands (``qa …`` and ``python app.py``): a usage mistake is one
line naming the command and where its options are listed, and exit code 2 — never the usage block."""

from __future__ import annotations

import argparse
from typing import NoReturn

__all__ = ["Parser"]


class Parser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose errors are one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")
