"""Static files: whitenoise's compressed, hashed storage, with each address worked out once.

Every page asks for the addresses of its stylesheets and scripts; the manifest storage
looks the hashed name up and joins and quotes it into a URL each time (about 3 % of a
signed-in page's CPU in the load test's profile, bench/load/README.md). The manifest is
read once when the process starts and never changes under it, so neither does an address.
"""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._addresses: dict[str, str] = {}

    def url(self, name, force=False):
        # In DEBUG the files (and so their hashes) change under a running server.
        if force or settings.DEBUG:
            return super().url(name, force)
        address = self._addresses.get(name)
        if address is None:
            address = self._addresses[name] = super().url(name)
        return address
