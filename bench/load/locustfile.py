"""300 people using Staff Rota at once: staff on their phones, managers on the grid and
vacancies, senior managers across homes, integrations on the API, and a trivial view
answering in the same run for the ratio. See bench/load/README.md.

Needs LOAD_USERS (the JSON from bench.load.prepare). Refuses any host but this machine.
"""

import json
import os
import random
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

from locust import HttpUser, between, events, task

DATA = json.loads(Path(os.environ.get("LOAD_USERS", "var/bench/load/users.json")).read_text())
TODAY = date.fromisoformat(DATA["today"])


@events.test_start.add_listener
def _only_this_machine(environment, **kwargs):
    host = urlparse(environment.host or "").hostname
    if host not in {"127.0.0.1", "localhost"}:
        raise SystemExit(f"The load test only runs against 127.0.0.1, not {host!r}.")


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(0.5, 1.5)  # a person reading a page, then the next click

    def sign_in(self, session_key: str) -> None:
        self.client.cookies.set("sessionid", session_key)


class StaffMember(SignedIn):
    """A carer or nurse checking their next four weeks on a phone."""

    weight = 55

    def on_start(self):
        self.sign_in(random.choice(DATA["staff"]))

    @task(8)
    def my_shifts(self):
        self.client.get("/my/shifts/", name="staff: my shifts")

    @task(2)
    def open_shifts(self):
        self.client.get("/my/open-shifts/", name="staff: open shifts")

    @task(1)
    def swaps(self):
        self.client.get("/my/swaps/", name="staff: swaps")


class OperationalManager(SignedIn):
    """Reads a unit's grid for this week or four, the vacancy list and a vacancy's candidates."""

    weight = 20

    def on_start(self):
        self.me = random.choice(DATA["managers"])
        self.sign_in(self.me["session"])

    def _unit(self) -> int:
        return random.choice(self.me["units"])

    @task(5)
    def rota_week(self):
        self.client.get(f"/units/{self._unit()}/rota/", name="om: rota week")

    @task(2)
    def rota_four_weeks(self):
        self.client.get(f"/units/{self._unit()}/rota/?weeks=4", name="om: rota 4 weeks")

    @task(2)
    def vacancies(self):
        self.client.get("/vacancies/", name="om: vacancies")

    @task(1)
    def vacancy_candidates(self):
        if self.me["vacancies"]:
            shift = random.choice(self.me["vacancies"])
            self.client.get(f"/vacancies/{shift}/", name="om: vacancy candidates")

    @task(1)
    def units(self):
        self.client.get("/units/", name="om: units")


class SeniorManager(SignedIn):
    """Service Managers and the Head of Service looking across homes."""

    weight = 5

    def on_start(self):
        self.sign_in(random.choice(DATA["seniors"]))

    @task(3)
    def units(self):
        self.client.get("/units/", name="sm/hos: units")

    @task(2)
    def vacancies(self):
        self.client.get("/vacancies/", name="sm/hos: vacancies")


class Integration(HttpUser):
    """A payroll or HR system polling the API with its token."""

    weight = 15
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.me = random.choice(DATA["tokens"])
        self.client.headers["Authorization"] = f"Bearer {self.me['token']}"

    @task(4)
    def shifts(self):
        start = TODAY + timedelta(days=random.randint(0, 20))
        params = {
            "unit": random.choice(self.me["units"]),
            "date_from": str(start),
            "date_to": str(start + timedelta(days=6)),
        }
        self.client.get("/api/v1/shifts/", params=params, name="api: shifts")

    @task(2)
    def staff(self):
        self.client.get("/api/v1/staff/", name="api: staff")

    @task(1)
    def leave(self):
        self.client.get(
            "/api/v1/leave-requests/", params={"date_from": str(TODAY)}, name="api: leave requests"
        )

    @task(1)
    def homes(self):
        self.client.get("/api/v1/homes/", name="api: homes")


class Trivial(HttpUser):
    """The same server answering a view that does nothing: the floor for the ratio."""

    weight = 5
    wait_time = between(0.5, 1.5)

    @task
    def ping(self):
        self.client.get("/api/v1/ping/", name="trivial: ping")
