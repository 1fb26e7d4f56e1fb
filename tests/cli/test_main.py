"""The command as a user meets it: help, version, and errors without tracebacks."""

from pathlib import Path

from support.cli import brokerlens


def test_help_lists_the_commands() -> None:
    result = brokerlens("--help")
    assert result.returncode == 0
    for command in ("generate", "ingest", "sql", "bench"):
        assert command in result.stdout


def test_version() -> None:
    result = brokerlens("--version")
    assert result.returncode == 0 and result.stdout.startswith("brokerlens ")


def test_bad_setting_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = brokerlens(
        "--home", str(tmp_path), "sql", "select 1", env={"BROKERLENS_QUARANTINE_THRESHOLD": "x"}
    )
    assert result.returncode == 2
    assert "BROKERLENS_QUARANTINE_THRESHOLD" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_bench_suite_is_named(tmp_path: Path) -> None:
    result = brokerlens("--home", str(tmp_path), "bench", "--suite", "nope")
    assert result.returncode == 2
    assert "--suite 'nope' is unknown" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_command_is_documented_in_the_readme() -> None:
    from brokerlens.cli.main import _register, app

    _register()
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    assert names, "no command registered"
    for name in names:
        assert f"brokerlens {name}" in readme, name
