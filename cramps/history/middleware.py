"""Every request runs inside a history origin naming its user, so any version it leaves says who."""

from .recording import history_origin


class HistoryOriginMiddleware:
    """Place after ``AuthenticationMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with history_origin(user=request.user, request=request):
            return self.get_response(request)
