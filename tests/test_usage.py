"""Usage mistakes on the user-facing commands are one line and exit code 2 (qa/usage.py)."""

from __future__ import annotations

import pytest

from qa.usage import Parser


def test_an_error_is_one_line_naming_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = Parser(prog="qa thing")
    parser.add_argument("--n", type=int)
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["--n", "x"])
    assert exited.value.code == 2
    assert capsys.readouterr().err == "qa thing: error: argument --n: invalid int value: 'x' (see qa thing --help)\n"


def test_app_py_mistakes_are_one_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from app import parse_args

    with pytest.raises(SystemExit) as exited:
        parse_args(["--port", "abc"])
    assert exited.value.code == 2
    assert capsys.readouterr().err == "python app.py: error: argument --port: 'abc' is not a port number (0–65535) (see python app.py --help)\n"
    monkeypatch.setenv("QA_PORT", "99999")
    with pytest.raises(SystemExit):
        parse_args([])
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("python app.py: error: QA_PORT:")
