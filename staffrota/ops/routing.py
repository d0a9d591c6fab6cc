"""URL resolution remembered per process (issue 9).

Django resolves every request's path by trying the project's patterns in order, each a
regular expression, and builds a ResolverMatch: some 200 Python calls of a small page, the
largest single piece of what every request pays. The answer depends only on the path (the
project's converters are Django's own: int, str, slug, path), so a process keeps it.

The hook is a resolver in the tree rather than in a handler, so the real server (Granian's
WSGIHandler), the test client and `django.urls.resolve` all use it: the project's root
patterns sit under one `include("")`-like resolver that keeps its matches. Django's root
resolver still builds a fresh ResolverMatch from the kept one on every request (fresh args,
kwargs, namespaces and tried lists), so a view or middleware changing
request.resolver_match cannot reach the kept one or another thread's request; the kept
match itself is only read. A path that matches nothing raises Resolver404 as before and is
not kept, nor is anything for another urlconf (each urlconf has its own root resolver).
"""

from django.urls import URLResolver
from django.urls.resolvers import RoutePattern

from staffrota.ops.memo import ProcessMemo

# Paths carry ids and dates: at most this many kept, then the memo starts again.
KEPT_PATHS = 2000


class KeptResolver(URLResolver):
    """`path("", include(patterns))`, with each matched path's answer kept."""

    def __init__(self, patterns, *, most: int = KEPT_PATHS):
        super().__init__(RoutePattern("", is_endpoint=False), patterns)
        self.kept = ProcessMemo(most=most)

    def resolve(self, path):
        match = self.kept.get(path)
        if match is None:
            match = self.kept.keep(path, super().resolve(path))
        return match
