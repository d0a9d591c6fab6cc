"""CPU, queries and Python calls of the mix's write paths, over a fixed set of people and
vacancies: the first 40 rostered staff each ask for a day's leave and withdraw it, then
each manager opens up to 8 of their vacancies' candidates, fills one and makes it vacant.

The same requests every run, so the calls column compares two branches exactly; the
writes change the data (an approved leave vacates a shift), so run it on a fresh copy of
the database and an empty cache each time:

    DATABASE_URL=... REDIS_URL=... SESSION_STORE=cache \\
      .venv/bin/python -m bench.load.writes --users var/bench/load/users.json [--calls]
    ONLY="staff: request leave" MATCH=staffrota ...   # cProfile (CPU time) of one request
"""

import argparse
import collections
import cProfile
import json
import os
import pstats
import re
import time
from pathlib import Path

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WITHDRAW = re.compile(r'action="(/leave/requests/\d+/cancel/)"')
CANDIDATE = re.compile(r'name="staff" value="(\d+)"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=Path, default=Path("var/bench/load/users.json"))
    parser.add_argument("--calls", action="store_true", help="count Python calls (slower)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffrota.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    data = json.loads(args.users.read_text())
    only = os.environ.get("ONLY")
    profile = cProfile.Profile(time.process_time) if only else None
    cpu, count = collections.defaultdict(float), collections.Counter()
    queries, calls = collections.Counter(), collections.Counter()

    def signed_in(session):
        client = Client()
        client.cookies["sessionid"] = session
        client.get("/api/v1/ping/")  # a client loads its handler on its first request
        return client

    def timed(name, call):
        connection.force_debug_cursor = True
        reset_queries()
        counting = cProfile.Profile() if args.calls else None
        for running in (counting, profile if only == name else None):
            if running:
                running.enable()
        started = time.process_time()
        response = call()
        cpu[name] += time.process_time() - started
        for running in (counting, profile if only == name else None):
            if running:
                running.disable()
        if counting:
            calls[name] += pstats.Stats(counting).total_calls
        queries[name] += len(connection.queries)
        connection.force_debug_cursor = False
        count[name] += 1
        return response

    staff = [(s, signed_in(s["session"])) for s in data["staff"] if s["rostered"]][:40]
    managers = [(m, signed_in(m["session"])) for m in data["managers"]]
    for turn, (me, client) in enumerate(staff):
        token = CSRF.search(client.get("/leave/").content.decode()).group(1)
        day = me["rostered"][turn % len(me["rostered"])]
        form = {"leave_type": "annual", "start_date": day, "end_date": day, "comment": "load"}
        form["csrfmiddlewaretoken"] = token
        timed("staff: request leave", lambda c=client, f=form: c.post("/leave/", f))
        withdraw = WITHDRAW.search(client.get("/leave/").content.decode())
        if withdraw:
            url = withdraw.group(1)
            timed(
                "staff: withdraw leave",
                lambda c=client, u=url, t=token: c.post(u, {"csrfmiddlewaretoken": t}),
            )
    for manager, client in managers:
        for shift in manager["vacancies"][:8]:
            page = timed(
                "om: vacancy candidates", lambda c=client, s=shift: c.get(f"/vacancies/{s}/")
            ).content.decode()
            person, token = CANDIDATE.search(page), CSRF.search(page)
            if not person:
                continue
            action = f"/shifts/{shift}/action/"
            common = {"next": "/vacancies/", "csrfmiddlewaretoken": token.group(1)}
            assign = {"action": "assign", "staff": person.group(1), **common}
            undo = {"action": "unassign", "reason": "load test: undo", **common}
            filled = timed("om: fill vacancy", lambda c=client, a=action, d=assign: c.post(a, d))
            if filled.status_code == 302:
                timed("om: make vacant", lambda c=client, a=action, d=undo: c.post(a, d))
    print(f"{'request':<26} {'n':>5} {'cpu ms':>8} {'queries':>8} {'calls':>8}")
    for name in count:
        each = f"{calls[name] // count[name]}" if args.calls else ""
        print(
            f"{name:<26} {count[name]:>5} {cpu[name] * 1000 / count[name]:>8.1f} "
            f"{queries[name] / count[name]:>8.1f} {each:>8}"
        )
    if profile:
        stats = pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative"))
        match = [os.environ["MATCH"]] if os.environ.get("MATCH") else []
        stats.print_stats(*match, int(os.environ.get("TOP", "40")))


if __name__ == "__main__":
    main()
