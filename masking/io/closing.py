"""The context-manager rule every writer follows: close on success, abort (leave nothing) on failure."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self


class ClosingWriter(ABC):
    """``with Writer(...) as w:`` closes ``w`` when the block succeeds and aborts it when it raises."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    @abstractmethod
    def close(self) -> None:
        """Finish the file."""

    @abstractmethod
    def abort(self) -> None:
        """Give up: release everything and leave no scratch data behind."""
