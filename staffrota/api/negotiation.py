from rest_framework.negotiation import DefaultContentNegotiation


class JsonOnlyNegotiation(DefaultContentNegotiation):
    """The API speaks JSON (and CSV on the export's own address) whatever Accept says,
    so an odd Accept header gets an answer rather than a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
