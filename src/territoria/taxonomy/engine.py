"""The magnet engine: which records an expression selects, and facet counts over them.

Kept behind this one small interface (`select`, `count`, `facet_counts`) so that a
bitmap index can answer the same questions at the scale of every Belgian enterprise.
This implementation compiles expressions to SQL subqueries over tags and the
concept closure table, so it runs the same on SQLite and PostgreSQL.
"""

from typing import Any, Protocol

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet

from territoria.taxonomy.containers import Container
from territoria.taxonomy.expressions import All, AnyOf, ConceptRef, Expression, Not, resolve
from territoria.taxonomy.models import Tag


class MagnetEngine(Protocol):
    def select(
        self, container: Container, expression: Expression | None, base: QuerySet[Any] | None = None
    ) -> QuerySet[Any]:
        """The container's public records (narrowed to `base`) that match `expression`."""

    def facet_counts(
        self, container: Container, records: QuerySet[Any], scheme_codes: list[str]
    ) -> dict[int, int]:
        """For each concept of the schemes, how many of `records` it tags, descendants included."""


class SqlMagnetEngine:
    def select(
        self, container: Container, expression: Expression | None, base: QuerySet[Any] | None = None
    ) -> QuerySet[Any]:
        records = base if base is not None else container.queryset()
        if expression is None:
            return records
        concept_ids = resolve(expression)
        content_type = ContentType.objects.get_for_model(container.model)
        return records.filter(self._compile(expression, concept_ids, content_type))

    def _compile(
        self, expression: Expression, concept_ids: dict[str, int], content_type: ContentType
    ) -> Q:
        match expression:
            case ConceptRef(code=code):
                tagged = Tag.objects.filter(
                    content_type=content_type, concept__ancestry__ancestor_id=concept_ids[code]
                ).values("object_id")
                return Q(pk__in=tagged)
            case All(items=items):
                query = Q()
                for item in items:
                    query &= self._compile(item, concept_ids, content_type)
                return query
            case AnyOf(items=items):
                query = self._compile(items[0], concept_ids, content_type)
                for item in items[1:]:
                    query |= self._compile(item, concept_ids, content_type)
                return query
            case Not(item=item):
                return ~self._compile(item, concept_ids, content_type)
        raise TypeError(expression)

    def facet_counts(
        self, container: Container, records: QuerySet[Any], scheme_codes: list[str]
    ) -> dict[int, int]:
        if not scheme_codes:
            return {}
        content_type = ContentType.objects.get_for_model(container.model)
        rows = (
            Tag.objects.filter(
                content_type=content_type,
                object_id__in=records.order_by().values("pk"),
                concept__scheme__code__in=scheme_codes,
            )
            .values_list("concept__ancestry__ancestor_id")
            .annotate(n=Count("object_id", distinct=True))
            .order_by()
        )
        return dict(rows)


engine: MagnetEngine = SqlMagnetEngine()
