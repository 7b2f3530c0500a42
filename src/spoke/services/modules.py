"""Creating, reading, listing and describing modules."""

from __future__ import annotations

from spoke.domain.errors import InvalidArgument
from spoke.domain.models import Module
from spoke.domain.names import MAX_MODULE_NAME_LENGTH, validate_module_name
from spoke.domain.text import refuse_unsafe
from spoke.services.visibility import Visibility
from spoke.storage.metadata import MetadataStore

MAX_DESCRIPTION_LENGTH = 4096


def validate_description(description: str) -> str:
    """A description: at most ``MAX_DESCRIPTION_LENGTH`` characters; lines and tabs, but
    no other control characters (no escape sequences, no ``\\r`` overwriting a line)."""
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidArgument(
            f"description is {len(description)} characters long; "
            f"the limit is {MAX_DESCRIPTION_LENGTH}"
        )
    return refuse_unsafe(description, "a description", allow="\n\t")


class ModuleService:
    def __init__(self, metadata: MetadataStore, visibility: Visibility) -> None:
        self._metadata = metadata
        self._visibility = visibility

    async def create(self, name: str, description: str, *, public: bool = True) -> Module:
        return await self._metadata.create_module(
            validate_module_name(name), validate_description(description), public=public
        )

    async def get(self, name: str) -> Module:
        return await self._metadata.get_module(validate_module_name(name))

    async def list(self, *, prefix: str, after: str | None, limit: int) -> list[Module]:
        if len(prefix) > MAX_MODULE_NAME_LENGTH:
            raise InvalidArgument(f"prefix is longer than {MAX_MODULE_NAME_LENGTH} characters")
        return await self._metadata.list_modules(prefix=prefix, after=after, limit=limit)

    async def update(
        self, name: str, *, description: str | None = None, public: bool | None = None
    ) -> Module:
        if description is not None:
            validate_description(description)
        updated = await self._metadata.update_module(
            validate_module_name(name), description=description, public=public
        )
        if public is not None:  # at once here, and on every instance through the broadcast
            await self._visibility.changed(updated.name)
        return updated
