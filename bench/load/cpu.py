"""CPU seconds spent by the server, its database backends and the load generator.

On a shared machine wall-clock figures say as much about the neighbours as about us; CPU
time per request does not. `run.sh` snapshots before and after a run:

    python -m bench.load.cpu snapshot --server PID --database NAME --out before.json
    python -m bench.load.cpu report before.json after.json --requests N

Linux only (reads /proc). Database backends are found by the database name in their
process title; with persistent connections (DATABASE_CONN_MAX_AGE) they live for the run.
"""

import argparse
import contextlib
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


def _machine() -> dict:
    """The whole machine's CPU seconds by kind, from the first line of /proc/stat.

    Work no process is charged with (the kernel's network receive path, softirq) and idle
    time show here only: the difference between the machine's busy time and the groups'
    is what the run cost outside the processes we name.
    """
    names = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    ticks = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    return {name: int(value) / TICKS for name, value in zip(names, ticks, strict=False)}


def snapshot(server: int, database: str, generator: str) -> dict:
    groups = {
        "server": [server, *_children(server)],
        "database": _by_title(f": postgres {database} ", {os.getpid()}),
        "generator": _by_title(generator, {os.getpid()}) if generator else [],
        "redis": _by_title("redis-server", {os.getpid()}),
    }
    result = {}
    for name, pids in groups.items():
        result[name] = {}
        for pid in pids:
            with contextlib.suppress(OSError):  # the process ended meanwhile
                result[name][str(pid)] = _cpu_seconds(pid)
    result["machine"] = _machine()
    return result


def report(before: dict, after: dict, requests: int) -> dict:
    used = {}
    machine_now, machine_then = after.get("machine"), before.get("machine")
    for group, now in after.items():
        if group == "machine":
            continue
        then = before.get(group, {})
        used[group] = sum(seconds - then.get(pid, 0.0) for pid, seconds in now.items())
    if machine_now and machine_then:
        spent = {kind: machine_now[kind] - machine_then.get(kind, 0.0) for kind in machine_now}
        busy = sum(seconds for kind, seconds in spent.items() if kind not in ("idle", "iowait"))
        used["machine busy"] = busy
        used["machine softirq"] = spent.get("softirq", 0.0)
        used["machine idle"] = spent.get("idle", 0.0) + spent.get("iowait", 0.0)
        # Busy time not charged to the server, its database, Locust or Redis: the kernel's
        # own work and everything else that ran.
        used["elsewhere"] = busy - sum(
            used.get(group, 0.0) for group in ("server", "database", "generator", "redis")
        )
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
