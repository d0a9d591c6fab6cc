"""Server time and queries of each page in the load mix, in-process (no network, no Locust).

Shows where a request's CPU goes before the load test does:

    DATABASE_URL=... REDIS_URL=... SESSION_STORE=cache \
      .venv/bin/python -m bench.load.profile --users var/bench/load/users.json --repeat 20
    ... --cprofile "om: rota 4 weeks"     # cProfile of one page, top 25 by cumulative time
    ... --cprofile "staff: request leave"  # the leave POST alone (page and withdraw untimed)
    ... --cprofile "om: rota 4 weeks, filled week 2"  # after a fill and undo (untimed)
    MATCH=staffrota TOP=40 ... --cprofile ...  # only our own functions
    TIMER=cpu SORT=tottime ... --cprofile ...  # where this process's CPU goes
"""

import argparse
import cProfile
import json
import os
import pstats
import random
import re
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WITHDRAW = re.compile(r'action="(/leave/requests/\d+/cancel/)"')


class LeaveAsked:
    """The mix's leave request as a "page": each call posts a short-notice request for a
    rostered day of the next of five staff members in turn (it goes to the manager with
    the impact analysis), so 5 or 20 calls weigh each of them the same. Reading the form
    before and withdrawing after are not timed."""

    def __init__(self, data: dict, client_for):
        people = [s for s in data["staff"] if s["rostered"]][:5]
        self.people = [(s, client_for(s["session"])) for s in people]
        self.turn = 0
        self.pending = None

    def get(self, _url=None):
        if self.pending:
            self.pending()
        me, client = self.people[self.turn % len(self.people)]
        self.turn += 1
        token = CSRF.search(client.get("/leave/").content.decode()).group(1)
        day = me["rostered"][0]
        form = {"leave_type": "annual", "start_date": day, "end_date": day, "comment": "load"}
        self.pending = lambda: self._withdraw(client, token)
        return _Timed(lambda: client.post("/leave/", {**form, "csrfmiddlewaretoken": token}))

    @staticmethod
    def _withdraw(client, token):
        withdraw = WITHDRAW.search(client.get("/leave/").content.decode())
        if withdraw:
            client.post(withdraw.group(1), {"csrfmiddlewaretoken": token})


class AfterLeave:
    """A page of a unit's rota right after someone on the unit asked for or withdrew leave
    (its absence version replaced, untimed), as most rota views under the mix find it."""

    def __init__(self, client, unit_id: int):
        self.client, self.unit_id = client, unit_id

    def get(self, url):
        from staffrota.rota.grid_cache import rota_changed

        rota_changed(absence_unit_ids=[self.unit_id])
        return _Timed(lambda: self.client.get(url))


class AfterFill:
    """A page of a unit's rota right after a vacancy of the unit in week `week` of this
    period (0 the first) was filled and made vacant again (both untimed, saved directly:
    the rules are not the point here), as the rota views under the mix find the unit after
    a manager's fill."""

    def __init__(self, client, unit_id: int, today: date, week: int):
        from django_scopes import scopes_disabled

        from staffrota.organisation.models import StaffMember
        from staffrota.rota.models import Shift

        self.client = client
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=week)
        with scopes_disabled():
            self.shift = (
                Shift.objects.filter(
                    unit_id=unit_id,
                    staff__isnull=True,
                    status="published",
                    date__range=(monday, monday + timedelta(days=6)),
                )
                .order_by("pk")
                .first()
            )
            # Someone of the unit free that day and either side (no overlap to refuse).
            busy = (
                Shift.objects.filter(
                    staff__isnull=False,
                    date__range=(
                        self.shift.date - timedelta(days=1),
                        self.shift.date + timedelta(days=1),
                    ),
                ).values("staff_id")
                if self.shift
                else []
            )
            self.person = (
                StaffMember.objects.filter(home_unit_id=unit_id)
                .exclude(pk__in=busy)
                .order_by("pk")
                .first()
            )

    def get(self, url):
        from django_scopes import scopes_disabled

        if self.shift is not None:
            with scopes_disabled():
                self.shift.staff = self.person
                self.shift.save()
                self.shift.staff = None
                self.shift.save()
        return _Timed(lambda: self.client.get(url))


class _Timed:
    def __init__(self, call):
        self.call = call


def _fetch(client, url):
    """GET a page, or for `LeaveAsked`, `AfterLeave` and `AfterFill` do the untimed part
    and return the timed call."""
    if isinstance(client, LeaveAsked | AfterLeave | AfterFill):
        return client.get(url).call
    return lambda: client.get(url)


def _pages(data: dict, rng: random.Random) -> dict:
    today = date.fromisoformat(data["today"])
    om = data["managers"][0]
    token = data["tokens"][0]
    start = today + timedelta(days=3)
    return {
        "trivial: ping": ("anon", "/api/v1/ping/"),
        "staff: my shifts": ("staff", "/my/shifts/"),
        "staff: open shifts": ("staff", "/my/open-shifts/"),
        "staff: swaps": ("staff", "/my/swaps/"),
        "staff: leave page": ("staff", "/leave/"),
        "om: rota week": ("om", f"/units/{om['units'][0]}/rota/"),
        "om: rota 4 weeks": ("om", f"/units/{om['units'][0]}/rota/?weeks=4"),
        "om: rota week, leave changed": ("om-leave", f"/units/{om['units'][0]}/rota/"),
        "om: rota 4 weeks, leave changed": ("om-leave", f"/units/{om['units'][0]}/rota/?weeks=4"),
        "om: rota week, filled this week": ("om-fill-0", f"/units/{om['units'][0]}/rota/"),
        "om: rota 4 weeks, filled week 2": (
            "om-fill-1",
            f"/units/{om['units'][0]}/rota/?weeks=4",
        ),
        "om: vacancies": ("om", "/vacancies/"),
        "om: vacancy candidates": (
            "om",
            f"/vacancies/{om['vacancies'][0]}/" if om["vacancies"] else "/vacancies/",
        ),
        "om: units": ("om", "/units/"),
        "sm/hos: units": ("senior", "/units/"),
        "sm/hos: vacancies": ("senior", "/vacancies/"),
        "api: shifts": (
            "api",
            f"/api/v1/shifts/?unit={token['units'][0]}&date_from={start}"
            f"&date_to={start + timedelta(days=6)}",
        ),
        "api: staff": ("api", "/api/v1/staff/"),
        "api: leave requests": ("api", f"/api/v1/leave-requests/?date_from={today}"),
        "api: homes": ("api", "/api/v1/homes/"),
        "staff: request leave": ("leave", "/leave/"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=Path, default=Path("var/bench/load/users.json"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--cprofile", default="", help="name of one page to profile")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffrota.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    data = json.loads(args.users.read_text())
    rng = random.Random(1)
    clients = {"anon": Client(), "staff": Client(), "om": Client(), "senior": Client()}
    clients["staff"].cookies["sessionid"] = data["staff"][0]["session"]
    clients["om"].cookies["sessionid"] = data["managers"][0]["session"]
    clients["senior"].cookies["sessionid"] = data["seniors"][-1]
    clients["api"] = Client(HTTP_AUTHORIZATION=f"Bearer {data['tokens'][0]['token']}")

    def signed_in(session):
        client = Client()
        client.cookies["sessionid"] = session
        return client

    clients["leave"] = LeaveAsked(data, signed_in)
    clients["om-leave"] = AfterLeave(clients["om"], data["managers"][0]["units"][0])
    today = date.fromisoformat(data["today"])
    for week in (0, 1):
        clients[f"om-fill-{week}"] = AfterFill(
            clients["om"], data["managers"][0]["units"][0], today, week
        )

    pages = _pages(data, rng)
    if args.cprofile:
        who, url = pages[args.cprofile]
        _fetch(clients[who], url)()
        # TIMER=cpu counts this process's CPU, not wall time (which waiting on Redis or the
        # database and other work on the machine inflate).
        timer = time.process_time if os.environ.get("TIMER") == "cpu" else time.perf_counter
        profile = cProfile.Profile(timer)
        for _ in range(args.repeat):
            call = _fetch(clients[who], url)
            profile.enable()
            call()
            profile.disable()
        if os.environ.get("DUMP"):
            profile.dump_stats(os.environ["DUMP"])  # for pstats, snakeviz or an aggregation
        # MATCH narrows the listing to matching paths (e.g. MATCH=staffrota for our code).
        restrictions = [os.environ["MATCH"]] if os.environ.get("MATCH") else []
        pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
            *restrictions, int(os.environ.get("TOP", "25"))
        )
        return

    # CPU of this process (Python: middleware, view, template), which other work on the
    # machine does not inflate the way it inflates wall-clock time; the database's own CPU
    # is in its process and not counted here.
    # Python function calls per request: exact and repeatable whatever the machine is doing,
    # so it shows a change's effect when the CPU figures are noisy.
    print(f"{'page':<32} {'status':>6} {'p50 ms':>8} {'cpu ms':>8} {'queries':>8} {'calls':>8}")
    total_cpu = 0.0
    for name, (who, url) in pages.items():
        client = clients[who]
        response = _fetch(client, url)()  # warm caches and imports
        times = []
        cpu = 0.0
        for _ in range(args.repeat):
            call = _fetch(client, url)
            connection.force_debug_cursor = True
            reset_queries()
            cpu_started, started = time.process_time(), time.perf_counter()
            response = call()
            times.append((time.perf_counter() - started) * 1000)
            cpu += (time.process_time() - cpu_started) * 1000 / args.repeat
            queries = len(connection.queries)
            connection.force_debug_cursor = False
        total_cpu += cpu
        profile = cProfile.Profile()
        for _ in range(5):
            call = _fetch(client, url)
            profile.enable()
            call()
            profile.disable()
        calls = pstats.Stats(profile).total_calls // 5
        print(
            f"{name:<32} {response.status_code:>6} {statistics.median(times):>8.1f} "
            f"{cpu:>8.1f} {queries:>8} {calls:>8}"
        )
    if clients["leave"].pending:
        clients["leave"].pending()


if __name__ == "__main__":
    main()
