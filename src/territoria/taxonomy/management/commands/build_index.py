import time
from typing import Any

from django.core.management.base import BaseCommand

from territoria.taxonomy import containers, index, snapshot


class Command(BaseCommand):
    help = (
        "Load each container's bitmap index from its snapshot, or build it from the database "
        "and write the snapshot: `territoria serve` does it before starting the web workers, "
        "which then load it in a moment."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for container in containers.all_containers():
            started = time.perf_counter()
            built = index.for_container(container)
            self.stdout.write(
                f"{container.code}: {len(built.universe):,} public records, "
                f"{len(built.by_concept):,} concepts, {time.perf_counter() - started:.1f} s "
                f"({snapshot.path_of(container)})"
            )
