"""When each person of the load test asks for their next page.

Kept apart from the locustfile (importing Locust patches the standard library for gevent)
so the tests can check it. `Beat` is one person's clock; the locustfile asks it how long
to wait after each task.

Modes (LOAD_ARRIVALS):
    poisson   each person asks at random moments, `rate` times a second on average.
              Independent people, so the arrivals at the server are a Poisson stream
              with the bunching that brings: the usual model of real users.
    steady    each person asks every 1/rate seconds from a random moment of their own.
    lockstep  Locust's own constant_throughput, as rounds one to ten of the load test
              measured. Locust starts users in batches (30 at once each second at a spawn
              rate of 30) and counts a user's beat from its start, so all 300 ask at the
              same instant of every second: 300 requests in one burst, then nothing.
              People do not click in step; the mode is kept to repeat the earlier rounds.
"""

import random

MODES = ("poisson", "steady", "lockstep")


def mode_from(raw: str | None) -> str:
    mode = (raw or "poisson").strip()
    if mode not in MODES:
        raise SystemExit(f"LOAD_ARRIVALS must be one of {', '.join(MODES)}, not {raw!r}")
    return mode


def rate_from(raw: str | None) -> float:
    """Requests a second per person from LOAD_PACE (1 when unset)."""
    text = (raw or "1").strip()
    try:
        rate = float(text)
    except ValueError:
        rate = 0.0
    if not rate > 0 or rate == float("inf"):
        raise SystemExit(f"LOAD_PACE must be a number of requests a second above 0, not {raw!r}")
    return rate


class Beat:
    """One person's next moment due, on the clock the caller passes in (seconds)."""

    def __init__(self, mode: str, rate: float, now: float, rng: random.Random) -> None:
        self.mode, self.rate, self.rng = mode, rate, rng
        # The first task: at once in lockstep (as Locust does), else at a random moment of
        # the first interval, so people who start together do not stay together.
        self.due = now if mode == "lockstep" else now + rng.uniform(0, 1 / rate)

    def first_wait(self, now: float) -> float:
        return max(0.0, self.due - now)

    def next_wait(self, now: float) -> float:
        """Seconds to wait after a task: until the next moment due, or none if that has
        passed (a slow answer delays the person rather than bunching their tasks)."""
        gap = self.rng.expovariate(self.rate) if self.mode == "poisson" else 1 / self.rate
        self.due = max(self.due + gap, now)
        return self.due - now
