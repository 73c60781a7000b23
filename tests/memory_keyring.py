"""A stand-in for the OS secret store (this Linux box has none), through keyring's backend interface."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


class MemoryKeyring:
    def __init__(self) -> None:
        import keyring.backend

        class Backend(keyring.backend.KeyringBackend):
            priority = 1
            store: dict[tuple[str, str], str] = {}  # noqa: RUF012 - a test double's shared table

            def get_password(self, service: str, username: str) -> str | None:
                return self.store.get((service, username))

            def set_password(self, service: str, username: str, password: str) -> None:
                self.store[(service, username)] = password

            def delete_password(self, service: str, username: str) -> None:
                from keyring.errors import PasswordDeleteError

                if self.store.pop((service, username), None) is None:
                    raise PasswordDeleteError(username)

        self.backend = Backend()  # type: ignore[no-untyped-call]  # keyring's __init__ is untyped
        self.backend.store = {}  # each stand-in starts empty


@pytest.fixture
def memory_keyring() -> Iterator[dict[tuple[str, str], str]]:
    """The OS secret store replaced by an empty in-memory one for this test; its table is yielded."""
    import keyring

    previous = keyring.get_keyring()  # first: keyring's own choice would pick the stand-in's class up too
    fake = MemoryKeyring().backend
    keyring.set_keyring(fake)
    try:
        yield fake.store
    finally:
        keyring.set_keyring(previous)
