"""Which languages the page's incidents are written in: its default and its translations.

The default language is the one an update's own text is written in (the composer's required
tab) and the one a reader who names none gets. The other enabled languages are the ones an
update may carry translations into; `Page.languages` None enables every shipped language.
"""

from __future__ import annotations

from collections.abc import Iterable

from statuspage.core.errors import InvalidInput
from statuspage.i18n import DEFAULT_LANGUAGE, LANGUAGES
from statuspage.models import Page


def default_language(page: Page) -> str:
    return page.default_language if page.default_language in LANGUAGES else DEFAULT_LANGUAGE


def enabled_languages(page: Page) -> list[str]:
    """The page's languages in the shipped order, the default first."""
    default = default_language(page)
    chosen = set(page.languages) if page.languages is not None else set(LANGUAGES)
    return [default, *(code for code in LANGUAGES if code in chosen and code != default)]


def translation_languages(page: Page) -> list[str]:
    """The languages an update may be translated into: the enabled ones but the default."""
    return enabled_languages(page)[1:]


def clean_default(value: str) -> str:
    """A shipped language code, or InvalidInput naming the ones there are."""
    if value not in LANGUAGES:
        raise InvalidInput(
            f"{value!r} is not a language Herald ships; choose one of {', '.join(LANGUAGES)}"
        )
    return value


def clean_languages(default: str, languages: Iterable[str] | None) -> list[str] | None:
    """The enabled languages as stored: None when they are every shipped one (so a language
    shipped later is enabled too), else the codes in the shipped order. The default must be
    among them: a reader who names no language gets it."""
    if languages is None:
        return None
    chosen = set()
    for code in languages:
        if not isinstance(code, str) or code not in LANGUAGES:
            raise InvalidInput(
                f"{code!r} is not a language Herald ships; choose among {', '.join(LANGUAGES)}"
            )
        chosen.add(code)
    if default not in chosen:
        raise InvalidInput(
            f"the default language ({LANGUAGES[default]}) must be one of the enabled languages"
        )
    if chosen == set(LANGUAGES):
        return None
    return [code for code in LANGUAGES if code in chosen]
