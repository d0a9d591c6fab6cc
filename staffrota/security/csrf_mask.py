"""The CSRF token's mask, made with string operations that run in C.

Every page with a form (the menu's log-out button is on every page) carries the CSRF
secret masked with 32 fresh random characters, so the token differs on each response
(Django's defence against BREACH). Django draws the mask one character at a time through
`secrets.choice` and adds it with generator expressions: about 490 Python calls, an
eighth of a cached page's whole cost in the load test (bench/load/README.md). This does
the same with the same source of randomness: the token has Django's format and alphabet,
each mask character is uniform over the 62 allowed, and Django unmasks and checks it as
before (`django.middleware.csrf._unmask_cipher_token`, unchanged).
"""

import os
from operator import add

from django.middleware import csrf

_CHARS = csrf.CSRF_ALLOWED_CHARS
_INDEX = {char: n for n, char in enumerate(_CHARS)}.__getitem__
# Index x + y of this string is _CHARS[(x + y) % 62] for any two positions x, y.
_WRAPPED = (_CHARS * 2).__getitem__
# A random byte below 248 (4 x 62) names one of the 62 characters, each exactly four ways;
# bytes from 248 up are dropped, so no character is likelier than another.
_UNIFORM = 4 * len(_CHARS)
_TO_CHAR = bytes(ord(_CHARS[b % len(_CHARS)]) if b < _UNIFORM else 0 for b in range(256))
_DROPPED = bytes(range(_UNIFORM, 256))


def random_chars(length: int) -> str:
    """`length` characters drawn uniformly from the CSRF alphabet (os.urandom, as
    Django's `secrets.choice`)."""
    drawn = b""
    while len(drawn) < length:
        drawn += os.urandom(length + 8).translate(_TO_CHAR, _DROPPED)
    return drawn[:length].decode("ascii")


def mask_cipher_secret(secret: str) -> str:
    """Django's `_mask_cipher_secret`: a fresh mask, then the secret shifted by it."""
    mask = random_chars(csrf.CSRF_SECRET_LENGTH)
    return mask + "".join(map(_WRAPPED, map(add, map(_INDEX, secret), map(_INDEX, mask))))


def install() -> None:
    csrf._mask_cipher_secret = mask_cipher_secret
