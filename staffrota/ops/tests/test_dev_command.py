"""The README's test command passes pytest's own options on (`dev.py test -k leave`)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def dev(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(ROOT / "dev.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_test_command_passes_pytest_options_on():
    done = dev("test", "--collect-only", "-q", "-k", "login", "staffrota/ops/tests/test_routing.py")
    assert done.returncode in (0, 5), done.stderr  # 5: pytest collected nothing
    assert "unrecognized arguments" not in done.stderr
    assert "deselected" in done.stdout or "no tests ran" in done.stdout


def test_other_commands_still_refuse_unknown_options():
    done = dev("lint", "--no-such-option")
    assert done.returncode == 2
    assert "unrecognized arguments: --no-such-option" in done.stderr
