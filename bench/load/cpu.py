"""CPU seconds spent by the server, its database backends and the load generator.

On a shared machine wall-clock figures say as much about the neighbours as about us; CPU
time per request does not. `run.sh` snapshots before and after a run:

    python -m bench.load.cpu snapshot --server PID --database NAME --out before.json
    python -m bench.load.cpu report before.json after.json --requests N

Linux only (reads /proc). The database is the whole PostgreSQL server: its postmaster,
every live child (backends, WAL writer, autovacuum...) and the children that ended, which
the kernel adds to the postmaster's `cutime` when it reaps them. Counting live backends of
the database alone (sessions 1-9) lost every backend that ended between the snapshots:
Django closes a connection after DATABASE_CONN_MAX_AGE (60 s), so each thread's backend is
replaced about once a minute and its CPU vanished from the count. On a quiet machine the
server's processes work for the run alone; `--database` names a backend to find the server.
"""

import argparse
import contextlib
import json
import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    # After the ")" closing the command name: state is field 0, utime 11, stime 12, cutime
    # 13, cstime 14 (proc(5) numbers them 3, 14, 15, 16, 17).
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _cpu_seconds(pid: int) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _reaped_children_seconds(pid: int) -> float:
    fields = _stat(pid)
    return (int(fields[13]) + int(fields[14])) / TICKS  # cutime + cstime


def _parent(pid: int) -> int:
    return int(_stat(pid)[1])


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


def _title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:  # the process ended meanwhile
        return ""


def _by_title(text: str, exclude: set[int]) -> list[int]:
    pids = (int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit())
    return [pid for pid in pids if pid not in exclude and text in _title(pid)]


def _machine() -> dict:
    """The whole machine's CPU seconds by kind, from the first line of /proc/stat.

    Work no process is charged with (the kernel's network receive path, softirq) and idle
    time show here only: the difference between the machine's busy time and the groups'
    is what the run cost outside the processes we name.
    """
    names = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    ticks = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    return {name: int(value) / TICKS for name, value in zip(names, ticks, strict=False)}


def _postgresql(database: str) -> dict:
    """CPU seconds of the PostgreSQL server that serves `database`, ended children included."""
    # A backend's title: "postgres: 15/main: USER DATABASE HOST(PORT) STATE".
    backends = [
        pid
        for pid in _by_title(f" {database} ", {os.getpid()})
        if _title(pid).startswith("postgres:")
    ]
    if not backends:
        return {}
    postmaster = _parent(backends[0])
    seconds = {}
    for pid in _children(postmaster):
        with contextlib.suppress(OSError):  # ended meanwhile: counted in cutime from now on
            seconds[str(pid)] = _cpu_seconds(pid)
    seconds[str(postmaster)] = _cpu_seconds(postmaster) + _reaped_children_seconds(postmaster)
    return seconds


def snapshot(server: int, database: str, generator: str) -> dict:
    groups = {
        "server": [server, *_children(server)],
        "generator": _by_title(generator, {os.getpid()}) if generator else [],
        "redis": _by_title("redis-server", {os.getpid()}),
    }
    result = {}
    for name, pids in groups.items():
        result[name] = {}
        for pid in pids:
            with contextlib.suppress(OSError):  # the process ended meanwhile
                result[name][str(pid)] = _cpu_seconds(pid)
    result["database"] = _postgresql(database)
    result["machine"] = _machine()
    return result


def report(before: dict, after: dict, requests: int) -> dict:
    used = {}
    machine_now, machine_then = after.get("machine"), before.get("machine")
    for group, now in after.items():
        if group == "machine":
            continue
        then = before.get(group, {})
        if group == "database":
            # Whole-server totals: a child that ended moved its seconds into the
            # postmaster's cutime, so the sum only grows.
            used[group] = sum(now.values()) - sum(then.values())
        else:
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
