"""The load test's mix replayed in-process, writes included: CPU per request by name.

`profile` times each page alone, always with warm caches; under the real mix the writes
(leave asked for and withdrawn, vacancies filled and undone) keep replacing cache versions,
so some reads rebuild. This replays the locustfile's tasks and weights with the same
identities (one staff member per virtual person, 165 of them as at 300 users) through
Django's test client, warms up first, then reports where this process's CPU went:

    DATABASE_URL=... REDIS_URL=... SESSION_STORE=cache \\
      .venv/bin/python -m bench.load.replay --warm 3000 --tasks 3000

No HTTP and no database CPU: add the web server's share, about 0.2-0.5 ms a request
(bench/load/README.md).
"""

import argparse
import collections
import cProfile
import json
import os
import random
import re
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WITHDRAW = re.compile(r'action="(/leave/requests/\d+/cancel/)"')
CANDIDATE = re.compile(r'name="staff" value="(\d+)"')


class Mix:
    """The locustfile's people and tasks, each request timed in CPU seconds by name."""

    def __init__(self, data: dict, rng: random.Random, staff_people: int, calls: bool = False):
        from django.test import Client

        def signed_in(session):
            client = Client()
            client.cookies["sessionid"] = session
            return client

        self.rng = rng
        self.today = date.fromisoformat(data["today"])
        staff = [(s, signed_in(s["session"])) for s in data["staff"]]
        self.staff = rng.sample(staff, min(staff_people, len(staff)))
        self.managers = [(m, signed_in(m["session"])) for m in data["managers"]]
        self.seniors = [signed_in(s) for s in data["seniors"]]
        self.tokens = [
            (t, Client(HTTP_AUTHORIZATION=f"Bearer {t['token']}")) for t in data["tokens"]
        ]
        self.anonymous = Client()
        self.cpu = collections.defaultdict(float)
        self.count = collections.Counter()
        # Python calls by request: the same on every run from the same database copy, empty
        # Redis database and seed, so two branches compare exactly on a busy machine.
        self.calls = collections.Counter() if calls else None

    def timed(self, name, call):
        counting = cProfile.Profile() if self.calls is not None else None
        if counting:
            counting.enable()
        started = time.process_time()
        response = call()
        self.cpu[name] += time.process_time() - started
        if counting:
            counting.disable()
            self.calls[name] += sum(entry.callcount for entry in counting.getstats())
        self.count[name] += 1
        return response

    def task(self):
        kinds = [self.staff_task, self.manager_task, self.senior_task, self.api_task, self.ping]
        self.rng.choices(kinds, [55, 20, 5, 15, 5])[0]()

    def staff_task(self):
        me, c = self.rng.choice(self.staff)
        task = self.rng.choices(["mine", "open", "swaps", "leave"], [16, 4, 2, 1])[0]
        if task == "mine":
            self.timed("staff: my shifts", lambda: c.get("/my/shifts/"))
        elif task == "open":
            self.timed("staff: open shifts", lambda: c.get("/my/open-shifts/"))
        elif task == "swaps":
            self.timed("staff: swaps", lambda: c.get("/my/swaps/"))
        elif me["rostered"]:
            page = self.timed("staff: leave page", lambda: c.get("/leave/")).content.decode()
            token = CSRF.search(page).group(1)
            day = self.rng.choice(me["rostered"])
            form = {"leave_type": "annual", "start_date": day, "end_date": day, "comment": "load"}
            self.timed(
                "staff: request leave",
                lambda: c.post("/leave/", {**form, "csrfmiddlewaretoken": token}),
            )
            page = self.timed("staff: leave page", lambda: c.get("/leave/")).content.decode()
            withdraw = WITHDRAW.search(page)
            if withdraw:
                self.timed(
                    "staff: withdraw leave",
                    lambda: c.post(withdraw.group(1), {"csrfmiddlewaretoken": token}),
                )

    def manager_task(self):
        me, c = self.rng.choice(self.managers)
        unit = self.rng.choice(me["units"])
        task = self.rng.choices(
            ["week", "four", "vacancies", "candidates", "units", "fill"], [10, 4, 4, 2, 2, 1]
        )[0]
        if task == "week":
            self.timed("om: rota week", lambda: c.get(f"/units/{unit}/rota/"))
        elif task == "four":
            self.timed("om: rota 4 weeks", lambda: c.get(f"/units/{unit}/rota/?weeks=4"))
        elif task == "vacancies":
            self.timed("om: vacancies", lambda: c.get("/vacancies/"))
        elif task == "units":
            self.timed("om: units", lambda: c.get("/units/"))
        elif me["vacancies"]:
            shift = self.rng.choice(me["vacancies"])
            page = self.timed(
                "om: vacancy candidates", lambda: c.get(f"/vacancies/{shift}/")
            ).content.decode()
            if task == "fill":
                self.fill(c, shift, page)

    def fill(self, c, shift: int, page: str):
        person, token = CANDIDATE.search(page), CSRF.search(page)
        if not person or not token:
            return
        action = f"/shifts/{shift}/action/"
        common = {"next": "/vacancies/", "csrfmiddlewaretoken": token.group(1)}
        assigned = self.timed(
            "om: fill vacancy",
            lambda: c.post(action, {"action": "assign", "staff": person.group(1), **common}),
        )
        if assigned.status_code == 302:
            self.timed(
                "om: make vacant",
                lambda: c.post(
                    action, {"action": "unassign", "reason": "load test: undo", **common}
                ),
            )

    def senior_task(self):
        c = self.rng.choice(self.seniors)
        if self.rng.random() < 0.6:
            self.timed("sm/hos: units", lambda: c.get("/units/"))
        else:
            self.timed("sm/hos: vacancies", lambda: c.get("/vacancies/"))

    def api_task(self):
        me, c = self.rng.choice(self.tokens)
        task = self.rng.choices(["shifts", "staff", "leave", "homes"], [4, 2, 1, 1])[0]
        if task == "shifts":
            start = self.today + timedelta(days=self.rng.randint(0, 20))
            query = urlencode(
                {
                    "unit": self.rng.choice(me["units"]),
                    "date_from": str(start),
                    "date_to": str(start + timedelta(days=6)),
                }
            )
            self.timed("api: shifts", lambda: c.get(f"/api/v1/shifts/?{query}"))
        elif task == "staff":
            self.timed("api: staff", lambda: c.get("/api/v1/staff/"))
        elif task == "leave":
            self.timed(
                "api: leave requests",
                lambda: c.get(f"/api/v1/leave-requests/?date_from={self.today}"),
            )
        else:
            self.timed("api: homes", lambda: c.get("/api/v1/homes/"))

    def ping(self):
        self.timed("trivial: ping", lambda: self.anonymous.get("/api/v1/ping/"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=Path, default=Path("var/bench/load/users.json"))
    parser.add_argument("--warm", type=int, default=3000, help="tasks run before measuring")
    parser.add_argument("--tasks", type=int, default=3000, help="tasks measured")
    parser.add_argument("--staff-people", type=int, default=165, help="55 %% of 300 users")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--calls", action="store_true", help="count Python calls (slower)")
    parser.add_argument(
        "--profile",
        type=Path,
        help="write one cProfile of the measured stretch here (pstats), to see by function "
        "where the whole mix's CPU goes; not with --calls",
    )
    args = parser.parse_args()
    if args.profile and args.calls:
        parser.error("--profile and --calls each run a profiler; choose one")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffrota.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    mix = Mix(
        json.loads(args.users.read_text()), random.Random(args.seed), args.staff_people, args.calls
    )
    for _ in range(args.warm):
        mix.task()
    mix.cpu.clear()
    mix.count.clear()
    if mix.calls is not None:
        mix.calls.clear()
    whole = cProfile.Profile() if args.profile else None
    if whole:
        whole.enable()
    for _ in range(args.tasks):
        mix.task()
    if whole:
        whole.disable()
        whole.dump_stats(args.profile)
    total, requests = sum(mix.cpu.values()), sum(mix.count.values())
    print(f"{requests} requests, {total * 1000 / requests:.2f} ms of CPU a request in-process")
    if mix.calls is not None:
        print(f"{sum(mix.calls.values()) / requests:,.0f} Python calls a request")
    print(f"{'request':<26} {'n':>6} {'ms each':>8} {'share':>7} {'calls each':>11}")
    for name, seconds in sorted(mix.cpu.items(), key=lambda item: -item[1]):
        each = f"{mix.calls[name] // mix.count[name]:,}" if mix.calls is not None else ""
        print(
            f"{name:<26} {mix.count[name]:>6} {seconds * 1000 / mix.count[name]:>8.1f} "
            f"{100 * seconds / total:>6.1f}% {each:>11}"
        )


if __name__ == "__main__":
    main()
