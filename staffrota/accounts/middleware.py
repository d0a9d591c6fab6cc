"""Opens the tenancy scope for every request.

Each request runs inside `scope(care_home=<the homes this user may see>)`, so a view that
forgets to filter still cannot read another home's rows, and a lookup of another home's
object by id finds nothing and answers 404. Anonymous users see no home at all.
"""

from staffrota.accounts.access import access_for
from staffrota.tenancy import home_scope


class TenancyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.access = access_for(request.user)
        with home_scope(request.access.home_ids):
            return self.get_response(request)
