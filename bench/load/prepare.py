"""Logged-in sessions and API tokens for the load test, written to a JSON file.

The load test measures people using the rota, not the password hash: every virtual user
starts already signed in (a real session row, exactly what a login leaves behind).

    DATABASE_URL=... .venv/bin/python -m bench.load.prepare --out var/bench/load/users.json
"""

import argparse
import json
import os
import random
from datetime import timedelta
from importlib import import_module
from pathlib import Path


def _session(user, store_class) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = store_class()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "staffrota.accounts.backends.AccountBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--staff", type=int, default=400)
    parser.add_argument("--tokens", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffrota.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from staffrota.accounts.models import Role, User
    from staffrota.api.models import TokenKind, TokenScope
    from staffrota.api.tokens import api_token_create
    from staffrota.rota.models import VACANT, Shift

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    rng = random.Random(args.seed)
    today = timezone.localdate()
    with scopes_disabled():
        staff_users = list(
            User.objects.filter(role=Role.STAFF, is_active=True, staff_member__isnull=False)
        )
        staff = rng.sample(staff_users, min(args.staff, len(staff_users)))
        oms = list(User.objects.filter(role=Role.OPERATIONAL_MANAGER, is_active=True))
        seniors = list(
            User.objects.filter(
                role__in=[Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE], is_active=True
            )
        )
        managers = []
        for om in oms:
            units = list(om.managed_units.values_list("pk", flat=True))
            vacancies = list(
                Shift.objects.filter(unit_id__in=units, date__gte=today)
                .filter(VACANT)
                .values_list("pk", flat=True)[:20]
            )
            managers.append(
                {"session": _session(om, store_class), "units": units, "vacancies": vacancies}
            )
        tokens = []
        for n in range(args.tokens):
            owner = rng.choice(oms)
            _, raw = api_token_create(
                user=owner,
                name=f"load test {n}",
                kind=TokenKind.INTEGRATION,
                scope=TokenScope.READ,
            )
            tokens.append(
                {"token": raw, "units": list(owner.managed_units.values_list("pk", flat=True))}
            )
        # Each person's rostered days in the coming four weeks (from tomorrow): the days a
        # virtual carer asks for leave on, so the request meets the real engine.
        rostered: dict[int, list[str]] = {}
        for staff_user_id, day in Shift.objects.filter(
            staff__user__in=staff, date__gt=today, date__lte=today + timedelta(days=28)
        ).values_list("staff__user_id", "date"):
            rostered.setdefault(staff_user_id, []).append(day.isoformat())
        data = {
            "staff": [
                {"session": _session(user, store_class), "rostered": rostered.get(user.pk, [])}
                for user in staff
            ],
            "managers": managers,
            "seniors": [_session(user, store_class) for user in seniors],
            "tokens": tokens,
            "today": today.isoformat(),
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data))
    print(
        f"{len(data['staff'])} staff, {len(managers)} OMs, {len(data['seniors'])} SM/HOS "
        f"sessions and {len(tokens)} API tokens in {args.out}"
    )


if __name__ == "__main__":
    main()
