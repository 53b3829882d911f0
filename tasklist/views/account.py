"""The signed-in user's own settings: the language switch."""

from django.conf import settings
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

_LANGUAGES = {code for code, _name in settings.LANGUAGES}


@require_POST
def language_switch(request):
    """Remember the chosen language on the user (signed in) and in the cookie (everyone)."""
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and language in _LANGUAGES and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return set_language(request)
