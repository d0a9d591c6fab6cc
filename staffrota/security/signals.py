from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from staffrota.security.twofactor import SESSION_KEY, two_factor_state


@receiver(user_logged_in, dispatch_uid="security_two_factor_state")
def _decide_second_factor(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = two_factor_state(user)
