"""A progress bar for long commands, drawn on stderr (plain lines when it is not a terminal)."""

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(
        self, label: str, total: int, stream: TextIO | None = None, width: int = 30
    ) -> None:
        self.label, self.total, self.width = label, max(total, 1), width
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.last_draw = 0.0
        self.tty = self.stream.isatty()
        self.last_percent = -1

    def update(self, done: int, total: int | None = None, note: str = "") -> None:
        if total is not None:
            self.total = max(total, 1)
        percent = min(100, done * 100 // self.total)
        now = time.monotonic()
        if self.tty:
            if now - self.last_draw < 0.1 and done < self.total:
                return
            filled = self.width * percent // 100
            bar = "█" * filled + "░" * (self.width - filled)
            elapsed = now - self.started
            self.stream.write(
                f"\r{self.label:<24} {bar} {percent:3d}% {note or f'{done:,}/{self.total:,}'} "
                f"{elapsed:5.1f}s\x1b[K"
            )
            self.stream.flush()
        elif percent // 25 != self.last_percent // 25 or done >= self.total:
            self.stream.write(f"{self.label}: {percent}% ({note or f'{done:,}/{self.total:,}'})\n")
        self.last_draw, self.last_percent = now, percent

    def finish(self) -> None:
        if self.last_percent < 100:
            self.update(self.total)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
