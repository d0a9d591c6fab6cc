#!/usr/bin/env python3
"""The two commands of the README, with nothing but Python 3.11 installed.

    python3 dev.py run    # set up, build demo data if the database is empty, serve
    python3 dev.py test   # set up and run the whole test suite

Both create `.venv` and install the locked dependencies the first time (and again when
requirements.lock changes). Only the standard library is used here, since this script runs
before anything else is installed.
"""

import argparse
import hashlib
import os
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".requirements.sha256"


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def ensure_environment() -> None:
    """Create the virtualenv and install the lock file if it changed since last time."""
    if sys.version_info < (3, 11):
        sys.exit(f"Staff Rota needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        say("Creating the virtual environment in .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    say("Installing the locked dependencies (first run takes a minute or two)")
    subprocess.run(
        [
            str(PYTHON),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--require-hashes",
            "-r",
            str(LOCK),
        ],
        check=True,
    )
    STAMP.write_text(wanted)


def manage(*args: str, env: dict | None = None) -> None:
    subprocess.run([str(PYTHON), str(ROOT / "manage.py"), *args], check=True, env=env)


def database_is_empty() -> bool:
    probe = (
        "from django_scopes import scopes_disabled\n"
        "from staffrota.organisation.models import CareHome\n"
        "with scopes_disabled(): print(CareHome.objects.exists())"
    )
    result = subprocess.run(
        [str(PYTHON), str(ROOT / "manage.py"), "shell", "-c", probe],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().endswith("False")


def run(args: argparse.Namespace) -> None:
    ensure_environment()
    say("Preparing the database")
    manage("migrate", "--no-input", "-v", "0")
    manage("collectstatic", "--no-input", "-v", "0")
    if database_is_empty():
        say("Building the demo care group (5 homes, 42 units, 821 staff, a year of shifts)")
        manage("demo_data")
    address = f"http://{args.host}:{args.port}/"
    worker = subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "staffrota",
            "worker",
            "--beat",
            "--loglevel",
            "WARNING",
            "--concurrency",
            "2",
            "--schedule",
            str(ROOT / "var" / "celerybeat-schedule"),
        ],
        cwd=ROOT,
    )
    environment = {}
    if os.name == "nt":
        web_command = [
            str(PYTHON),
            str(ROOT / "manage.py"),
            "runserver",
            f"{args.host}:{args.port}",
            "--noreload",
        ]
    else:
        web_command = [str(PYTHON), str(ROOT / "deploy" / "serve.py")]
        environment = {"WEB_BIND": f"{args.host}:{args.port}", "WEB_ACCESS_LOG": "0"}
    web = subprocess.Popen(web_command, cwd=ROOT, env={**os.environ, **environment})
    time.sleep(2)
    say(f"Staff Rota is running at {address}  (Ctrl-C stops it)")
    manage("demo_logins")
    processes = [web, worker]

    def stop(*_):
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while all(process.poll() is None for process in processes):
        time.sleep(1)
    say("A process stopped unexpectedly; shutting down.")
    stop()


def test(args: argparse.Namespace) -> None:
    ensure_environment()
    command = [str(PYTHON), "-m", "pytest", *args.pytest_args]
    database = os.environ.get("DATABASE_URL", "SQLite (embedded default)")
    say(f"Running the test suite on {database.split('@')[-1]}")
    sys.exit(subprocess.run(command, cwd=ROOT).returncode)


def lint(args: argparse.Namespace) -> None:
    ensure_environment()
    ruff = str(BIN / "ruff")
    subprocess.run([ruff, "check", "."], check=True, cwd=ROOT)
    subprocess.run([ruff, "format", "--check", "."], check=True, cwd=ROOT)
    manage("makemigrations", "--check", "--dry-run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="serve the product with demo data")
    run_parser.add_argument("--host", default="127.0.0.1")
    run_parser.add_argument("--port", type=int, default=8000)
    run_parser.set_defaults(handler=run)
    test_parser = commands.add_parser("test", help="run the test suite")
    test_parser.add_argument("pytest_args", nargs=argparse.REMAINDER)
    test_parser.set_defaults(handler=test)
    commands.add_parser("lint", help="ruff and the migrations check").set_defaults(handler=lint)
    commands.add_parser("setup", help="create .venv only").set_defaults(
        handler=lambda _: ensure_environment()
    )
    # argparse's REMAINDER only takes what follows a first positional word, so
    # `dev.py test -k leave` would be refused: pytest's own options are passed on instead.
    args, extra = parser.parse_known_args()
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "test":
        args.pytest_args = [*extra, *args.pytest_args]
    args.handler(args)


if __name__ == "__main__":
    main()
