"""300 people using Staff Rota at once: staff on their phones, managers on the grid and
vacancies, senior managers across homes, integrations on the API, and a trivial view
answering in the same run for the ratio. See bench/load/README.md.

Needs LOAD_USERS (the JSON from bench.load.prepare). Refuses any host but this machine.
"""

import json
import os
import random
import re
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlparse

import gevent
from locust import FastHttpUser, events, task
from requests.cookies import create_cookie

from bench.load.arrivals import Beat, mode_from, rate_from
from bench.load.timings import Recorder

# One request a second per person on average: 300 people, 300 requests a second (issue 9).
# Locust's FastHttpUser (geventhttpclient) costs a fraction of the CPU of HttpUser, which
# matters when the load generator shares the server's two cores.
RATE = rate_from(os.environ.get("LOAD_PACE"))
# How people's requests arrive: a Poisson stream by default (see arrivals.py).
ARRIVALS = mode_from(os.environ.get("LOAD_ARRIVALS"))


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WITHDRAW = re.compile(r'action="(/leave/requests/\d+/cancel/)"')
CANDIDATE = re.compile(r'name="staff" value="(\d+)"')
SIGN_IN = "/accounts/login/"

DATA = json.loads(Path(os.environ.get("LOAD_USERS", "var/bench/load/users.json")).read_text())
TODAY = date.fromisoformat(DATA["today"])


@events.test_start.add_listener
def _only_this_machine(environment, **kwargs):
    host = urlparse(environment.host or "").hostname
    if host not in {"127.0.0.1", "localhost"}:
        raise SystemExit(f"The load test only runs against 127.0.0.1, not {host!r}.")


# Every request's time, for the whole-and-warm report (timings.py); written when Locust quits.
TIMINGS = Recorder()


@events.request.add_listener
def _keep_timing(name, response_time, exception, start_time=None, **kwargs):
    TIMINGS.add(start_time or time.time(), name, response_time, exception is None)


@events.quitting.add_listener
def _write_timings(environment, **kwargs):
    if path := os.environ.get("LOAD_TIMINGS"):
        TIMINGS.write(Path(path))


class Person(FastHttpUser):
    """One person of the mix, paced at RATE tasks a second from a moment of their own."""

    abstract = True

    def wait_time(self) -> float:
        return self.beat.next_wait(time.perf_counter())

    def on_start(self):
        self.beat = Beat(ARRIVALS, RATE, time.perf_counter(), random.Random())
        gevent.sleep(self.beat.first_wait(time.perf_counter()))


class SignedIn(Person):
    abstract = True

    def sign_in(self, session_key: str) -> None:
        # The session a login leaves behind; the client's cookie jar keeps it (and the CSRF
        # cookie the first form sets) like a browser does.
        host = urlparse(self.host).hostname
        self.client.cookiejar.set_cookie(create_cookie("sessionid", session_key, domain=host))
        self.last_text = ""

    def get(self, url: str, name: str):
        # No page of the mix redirects a signed-in person: a redirect means the session was
        # lost (sent to sign in), and the small login page must not count as a served page.
        with self.client.get(
            url, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if 300 <= response.status_code < 400:
                response.failure(f"redirected to {response.headers.get('Location')}")
        self.last_text = response.text or ""
        return response

    def post(self, url: str, data: dict, token: str, name: str):
        # A form post as the browser sends it, with the Referer Django's CSRF check wants.
        # Success is a redirect to the next page (not followed); a redirect to sign in is a
        # lost session, a failure.
        with self.client.post(
            url,
            data=urlencode({**data, "csrfmiddlewaretoken": token}),
            headers={
                "Referer": f"{self.host}{url}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if SIGN_IN in (response.headers.get("Location") or ""):
                response.failure("redirected to sign in: the session was lost")
        return response

    def form_token(self, url: str, name: str) -> str:
        self.get(url, name=name)
        match = CSRF.search(self.last_text)
        return match.group(1) if match else ""


class StaffMember(SignedIn):
    """A carer or nurse checking their next four weeks on a phone."""

    weight = 55

    def on_start(self):
        super().on_start()
        self.me = random.choice(DATA["staff"])
        self.sign_in(self.me["session"])

    @task(16)
    def my_shifts(self):
        self.get("/my/shifts/", name="staff: my shifts")

    @task(4)
    def open_shifts(self):
        self.get("/my/open-shifts/", name="staff: open shifts")

    @task(2)
    def swaps(self):
        self.get("/my/swaps/", name="staff: swaps")

    @task(1)
    def request_leave(self):
        """Asks for a day off on a rostered day (short notice: it goes to the manager with
        its impact analysis), then withdraws it, so the run can repeat without drift."""
        if not self.me["rostered"]:
            return
        token = self.form_token("/leave/", name="staff: leave page")
        if not token:
            return
        day = random.choice(self.me["rostered"])
        form = {"leave_type": "annual", "start_date": day, "end_date": day, "comment": "load"}
        self.post("/leave/", form, token, name="staff: request leave")
        self.get("/leave/", name="staff: leave page")
        withdraw = WITHDRAW.search(self.last_text)
        if withdraw:
            self.post(withdraw.group(1), {}, token, name="staff: withdraw leave")


class OperationalManager(SignedIn):
    """Reads a unit's grid for this week or four, the vacancy list and a vacancy's candidates."""

    weight = 20

    def on_start(self):
        super().on_start()
        self.me = random.choice(DATA["managers"])
        self.sign_in(self.me["session"])

    def _unit(self) -> int:
        return random.choice(self.me["units"])

    @task(10)
    def rota_week(self):
        self.get(f"/units/{self._unit()}/rota/", name="om: rota week")

    @task(4)
    def rota_four_weeks(self):
        self.get(f"/units/{self._unit()}/rota/?weeks=4", name="om: rota 4 weeks")

    @task(4)
    def vacancies(self):
        self.get("/vacancies/", name="om: vacancies")

    @task(2)
    def vacancy_candidates(self):
        if self.me["vacancies"]:
            shift = random.choice(self.me["vacancies"])
            self.get(f"/vacancies/{shift}/", name="om: vacancy candidates")

    @task(2)
    def units(self):
        self.get("/units/", name="om: units")

    @task(1)
    def fill_vacancy(self):
        """Fills a vacancy with its cheapest candidate through the rules engine, then makes
        it vacant again (a grid edit), so the next user finds the same vacancies."""
        if not self.me["vacancies"]:
            return
        shift = random.choice(self.me["vacancies"])
        url = f"/vacancies/{shift}/"
        token = self.form_token(url, name="om: vacancy candidates")
        page_candidate = CANDIDATE.search(self.last_text)
        if not token or not page_candidate:
            return
        action = f"/shifts/{shift}/action/"
        # 409 is the rules engine refusing because another manager got there first (the
        # candidate now holds an overlapping shift): a correct answer, not a failure.
        with self.client.post(
            action,
            data=urlencode(
                {
                    "action": "assign",
                    "staff": page_candidate.group(1),
                    "next": "/vacancies/",
                    "csrfmiddlewaretoken": token,
                }
            ),
            headers={
                "Referer": f"{self.host}{action}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            name="om: fill vacancy",
            allow_redirects=False,
            catch_response=True,
        ) as assigned:
            if SIGN_IN in (assigned.headers.get("Location") or ""):
                assigned.failure("redirected to sign in: the session was lost")
            elif assigned.status_code in (302, 409):
                assigned.success()
        if assigned.status_code == 302:
            self.post(
                action,
                {"action": "unassign", "reason": "load test: undo", "next": "/vacancies/"},
                token,
                name="om: make vacant",
            )


class SeniorManager(SignedIn):
    """Service Managers and the Head of Service looking across homes."""

    weight = 5

    def on_start(self):
        super().on_start()
        self.sign_in(random.choice(DATA["seniors"]))

    @task(3)
    def units(self):
        self.get("/units/", name="sm/hos: units")

    @task(2)
    def vacancies(self):
        self.get("/vacancies/", name="sm/hos: vacancies")


class Integration(Person):
    """A payroll or HR system polling the API with its token."""

    weight = 15

    def on_start(self):
        super().on_start()
        self.me = random.choice(DATA["tokens"])
        self.auth = {"Authorization": f"Bearer {self.me['token']}"}

    @task(4)
    def shifts(self):
        start = TODAY + timedelta(days=random.randint(0, 20))
        params = {
            "unit": random.choice(self.me["units"]),
            "date_from": str(start),
            "date_to": str(start + timedelta(days=6)),
        }
        self.client.get(
            f"/api/v1/shifts/?{urlencode(params)}", headers=self.auth, name="api: shifts"
        )

    @task(2)
    def staff(self):
        self.client.get("/api/v1/staff/", headers=self.auth, name="api: staff")

    @task(1)
    def leave(self):
        self.client.get(
            f"/api/v1/leave-requests/?date_from={TODAY}",
            headers=self.auth,
            name="api: leave requests",
        )

    @task(1)
    def homes(self):
        self.client.get("/api/v1/homes/", headers=self.auth, name="api: homes")


class Trivial(Person):
    """The same server answering a view that does nothing: the floor for the ratio."""

    weight = 5

    @task
    def ping(self):
        self.client.get("/api/v1/ping/", name="trivial: ping")
