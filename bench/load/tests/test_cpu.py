"""The load test's CPU count: PostgreSQL's share includes the backends that ended."""

import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from bench.load.cpu import report, snapshot


def test_report_takes_whole_server_totals_for_the_database_and_per_process_for_the_rest():
    before = {
        "server": {"10": 5.0},
        "database": {"1": 2.0, "20": 1.0, "21": 4.0},  # 21 ends before the second snapshot
        "machine": {"user": 10.0, "system": 2.0, "idle": 30.0, "softirq": 0.5},
    }
    after = {
        "server": {"10": 6.0, "11": 0.5},  # 11 started meanwhile: all of it counts
        "database": {"1": 2.0 + 4.5, "20": 1.5, "22": 0.2},  # 21 reaped: 4.5 s in cutime
        "machine": {"user": 12.0, "system": 2.5, "idle": 31.0, "softirq": 0.6},
    }
    figures = report(before, after, requests=1000)
    assert figures["server ms/request"] == 1.5
    # 21 used 0.5 s more before it ended, 20 used 0.5 s, 22 0.2 s: 1.2 s in all.
    assert figures["database ms/request"] == 1.2
    assert figures["machine busy ms/request"] == 2.6
    assert figures["machine idle ms/request"] == 1.0


@pytest.mark.django_db
def test_a_backend_that_ends_between_snapshots_still_counts():
    """Django closes its connection after DATABASE_CONN_MAX_AGE; the backend's work must
    not vanish from the count when it does."""
    if connection.vendor != "postgresql" or not Path("/proc/self/stat").exists():
        pytest.skip("needs PostgreSQL on this machine and Linux's /proc")
    connection.ensure_connection()  # a live backend by which the server is found
    database = connection.settings_dict["NAME"]
    params = connection.get_connection_params()
    before = snapshot(server=0, database=database, generator="")
    assert before["database"], f"no PostgreSQL backend of {database} found in /proc"
    with psycopg.connect(**params) as busy:
        pid = busy.execute("select pg_backend_pid()").fetchone()[0]
        busy.execute("select count(*) from generate_series(1, 4000000)").fetchone()
    for _ in range(50):  # the postmaster reaps the ended backend
        if not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.05)
    after = snapshot(server=0, database=database, generator="")
    assert str(pid) not in after["database"]
    used = sum(after["database"].values()) - sum(before["database"].values())
    assert used >= 0.1, f"the ended backend's CPU was lost: {used:.2f} s counted"
