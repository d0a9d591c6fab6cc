"""CPU seconds spent by the server, its database backends and the load generator.

On a shared machine wall-clock figures say as much about the neighbours as about us; CPU
time per request does not. `run.sh` snapshots before and after a run:

    python -m bench.load.cpu snapshot --server PID --database NAME --out before.json
    python -m bench.load.cpu report before.json after.json --requests N

Linux only (reads /proc). Database backends are found by the database name in their
process title; with persistent connections (DATABASE_CONN_MAX_AGE) they live for the run.
"""

import argparse
import json
import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found.append(int(entry.name))
    return found


def _by_title(text: str, exclude: set[int]) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in exclude:
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in title:
            found.append(int(entry.name))
    return found


def snapshot(server: int, database: str, generator: str) -> dict:
    groups = {
        "server": [server, *_children(server)],
        "database": _by_title(f": postgres {database} ", {os.getpid()}),
        "generator": _by_title(generator, {os.getpid()}) if generator else [],
    }
    result = {}
    for name, pids in groups.items():
        result[name] = {}
        for pid in pids:
            try:
                result[name][str(pid)] = _cpu_seconds(pid)
            except OSError:
                pass
    return result


def report(before: dict, after: dict, requests: int) -> dict:
    used = {}
    for group, now in after.items():
        then = before.get(group, {})
        used[group] = sum(seconds - then.get(pid, 0.0) for pid, seconds in now.items())
    return {
        f"{group} ms/request": round(seconds * 1000 / max(requests, 1), 2)
        for group, seconds in used.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot")
    snap.add_argument("--server", type=int, required=True)
    snap.add_argument("--database", required=True)
    snap.add_argument("--generator", default="locust")
    snap.add_argument("--out", type=Path, required=True)
    rep = sub.add_parser("report")
    rep.add_argument("before", type=Path)
    rep.add_argument("after", type=Path)
    rep.add_argument("--requests", type=int, required=True)
    args = parser.parse_args()
    if args.command == "snapshot":
        data = snapshot(args.server, args.database, args.generator)
        args.out.write_text(json.dumps(data))
        return
    figures = report(
        json.loads(args.before.read_text()), json.loads(args.after.read_text()), args.requests
    )
    total = figures["server ms/request"] + figures["database ms/request"]
    figures["server + database ms/request"] = round(total, 2)
    if total:
        figures["requests/s two dedicated cores could serve"] = round(2000 / total)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
