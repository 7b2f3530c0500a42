"""The costly parts of UI pages, rendered once: a pinned version's documentation, a
``.proto`` file with its type links, and the diff of two versions are functions of
immutable inputs (the versions' digests, their dependency closures' digests, and for a
diff the module's breaking policy), so their rendered HTML (the page body, nothing about
the caller in it) is kept in process, in a bounded LRU, under a key made of exactly those
inputs.

Access is never the cache's business: a page first checks, on every request, that the
caller may read the module and every module of the closures involved
(:func:`readable_closure`), and only then looks in the cache. A private dependency's
content is thus served from here only to a caller who could have computed it.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from fastapi import Request
from markupsafe import Markup

from spoke.api.ui.context import Ui
from spoke.api.ui.rendering import environment
from spoke.domain.errors import DependencyError, TooLarge
from spoke.domain.graph import ResolvedDependency
from spoke.domain.models import ModuleVersion
from spoke.services.visibility import EVERYTHING

#: Characters of rendered HTML kept per process (googleapis' docs page is ~0.5 M; a
#: character takes 1 to 4 bytes in memory, 1 or 2 in the bodies seen here).
MAX_CHARS = 32 * 1024 * 1024
#: A closure larger than this is refused rather than checked in part.
MAX_CLOSURE = 10_000

Key = tuple[str, ...]


class Fragments:
    """Rendered page bodies by key, least recently used out first once their total size
    passes ``max_chars``; a body over a quarter of the bound is not kept."""

    def __init__(self, max_chars: int = MAX_CHARS) -> None:
        self._max = max_chars
        self._size = 0
        self._entries: OrderedDict[Key, Markup] = OrderedDict()

    def get(self, key: Key) -> Markup | None:
        body = self._entries.get(key)
        if body is not None:
            self._entries.move_to_end(key)
        return body

    def put(self, key: Key, body: Markup) -> None:
        if len(body) > self._max // 4:
            return
        if (old := self._entries.pop(key, None)) is not None:
            self._size -= len(old)
        self._entries[key] = body
        self._size += len(body)
        while self._size > self._max:
            _, dropped = self._entries.popitem(last=False)
            self._size -= len(dropped)

    def __len__(self) -> int:
        return len(self._entries)


def fragments_of(request: Request) -> Fragments:
    """The app's fragment cache, made on first use (one per app, not per module import:
    two apps in one process never share entries)."""
    state = request.app.state
    found: Fragments | None = getattr(state, "ui_fragments", None)
    if found is None:
        found = Fragments()
        state.ui_fragments = found
    return found


def render_fragment(template: str, **context: Any) -> Markup:
    """A template rendered on its own (no layout, no caller): a body to keep."""
    html = environment.get_template(template).render(**context)
    return Markup(html)  # noqa: S704 - rendered by the autoescaping environment


async def readable_closure(caller: Ui, version: ModuleVersion) -> list[ResolvedDependency]:
    """``version``'s whole dependency closure, once the caller is known to be allowed to
    read every module of it: a module of the closure outside the caller's scope raises
    the error a missing pin raises (as the services' own check does), so nothing built
    from the closure (a compiled schema, its documentation, a diff) reaches the caller."""
    closure = await caller.services.graph.dependencies(
        version.module,
        version.version,
        scope=EVERYTHING,
        transitive=True,
        after=None,
        limit=MAX_CLOSURE + 1,
    )
    if len(closure) > MAX_CLOSURE:
        raise TooLarge(f"{version.module}@{version.version} has too many dependencies to show")
    for resolved in closure:
        if not await caller.scope.may_read(resolved.module):
            raise DependencyError(
                f"dependency {resolved.module}@{resolved.version} does not exist or is not "
                "readable with your credentials",
                details={"module": resolved.module, "version": resolved.version},
            )
    return closure


def version_key(version: ModuleVersion, closure: list[ResolvedDependency]) -> Key:
    """What a version's compiled form depends on: its digest and its closure's."""
    pins = sorted(f"{r.module}@{r.version}:{r.digest}" for r in closure)
    return (version.module, version.version, version.digest, str(len(pins)), *pins)
