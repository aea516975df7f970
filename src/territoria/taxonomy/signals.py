from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save


def mark_index_stale(sender: type[models.Model], **kwargs: Any) -> None:
    from territoria.taxonomy import index

    if kwargs.get("raw"):
        return
    index.bump()


def watch(model: type[models.Model]) -> None:
    """Any saved or deleted instance of `model` makes the bitmap indexes stale."""
    uid = f"taxonomy-index-{model._meta.label_lower}"
    post_save.connect(mark_index_stale, sender=model, dispatch_uid=uid + "-save")
    post_delete.connect(mark_index_stale, sender=model, dispatch_uid=uid + "-delete")
