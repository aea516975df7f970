"""Dataset keywords that name the region, its programme or its strategy.

Those names belong to the territory profile, which staff may edit while the site runs: a
keyword written `{region}`, `{programme}` or `{strategy}` is read from the profile each
time the keywords are, in the keyword's language.
"""

from territoria.core import territory
from territoria.opendata.registry import Keywords

PLACEHOLDERS = ("{region}", "{programme}", "{strategy}")


class TerritoryKeywords(Keywords):
    """`Keywords` whose `{region}`, `{programme}` and `{strategy}` are the profile's names."""

    _templates: dict[str, tuple[str, ...]]

    def __init__(
        self,
        fr: tuple[str, ...],
        en: tuple[str, ...] = (),
        nl: tuple[str, ...] = (),
        de: tuple[str, ...] = (),
    ) -> None:
        # Keywords is frozen: the templates are kept beside the fields it reads, which
        # the properties below compute.
        object.__setattr__(self, "_templates", {"fr": fr, "en": en, "nl": nl, "de": de})

    def _texts(self, lang: str) -> tuple[str, ...]:
        templates: tuple[str, ...] = self._templates[lang]
        if not any(placeholder in t for t in templates for placeholder in PLACEHOLDERS):
            return templates
        profile = territory.current()
        names = {
            "region": profile.name(lang),
            "programme": profile.programme(lang),
            "strategy": profile.strategy(lang),
        }
        texts = (template.format(**names) for template in templates)
        return tuple(dict.fromkeys(text for text in texts if text))

    @property
    def fr(self) -> tuple[str, ...]:
        return self._texts("fr")

    @property
    def en(self) -> tuple[str, ...]:
        return self._texts("en")

    @property
    def nl(self) -> tuple[str, ...]:
        return self._texts("nl")

    @property
    def de(self) -> tuple[str, ...]:
        return self._texts("de")

    # Compared and hashed on what was declared: no need to read the profile for that.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, TerritoryKeywords) and self._templates == other._templates

    def __hash__(self) -> int:
        return hash(tuple(self._templates.items()))

    def __repr__(self) -> str:
        return f"TerritoryKeywords({self._templates!r})"
