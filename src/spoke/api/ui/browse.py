"""``/ui/``: modules, a module, a version, one file (highlighted), the archive, search."""

from __future__ import annotations

from typing import Annotated

import nh3
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from spoke.api.routers.search import MAX_SEARCH_LIMIT, search_page
from spoke.api.ui import highlight
from spoke.api.ui.context import ui
from spoke.api.ui.links import TypeLinks
from spoke.api.ui.rendering import page, render
from spoke.domain.errors import SpokeError
from spoke.domain.symbols import Kind
from spoke.services.search import SearchRequest

router = APIRouter(prefix="/ui", include_in_schema=False)
_PAGE = 50
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def readme_html(text: str) -> Markup:
    """A README rendered from Markdown (raw HTML off) and then sanitised with nh3: no
    script, no event handler, no javascript: link survives."""
    return Markup(nh3.clean(_markdown.render(text)))  # noqa: S704 - sanitised just now


@router.get("/")
@page
async def index(
    request: Request,
    prefix: Annotated[str, Query(max_length=100)] = "",
    after: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    caller = await ui(request)
    found = await caller.services.modules.list(prefix=prefix, after=after, limit=_PAGE + 1)
    more = len(found) > _PAGE
    shown = [m for m in found[:_PAGE] if caller.may_read(m.name, m.public)]
    latest: dict[str, str | None] = {}
    for module in shown:
        try:
            latest[module.name] = (await caller.services.reader.get(module.name, "latest")).version
        except SpokeError:
            latest[module.name] = None
    return render(
        request,
        "index.html",
        title="Modules",
        modules=shown,
        latest=latest,
        prefix=prefix,
        next_after=found[_PAGE - 1].name if more else None,
    )


@router.get("/modules/{module}")
@page
async def module_page(request: Request, module: str) -> Response:
    caller = await ui(request, module)
    services = caller.services
    found = await services.modules.get(module)
    versions = await services.pull.versions(module, after=None, limit=100)
    policy = await services.governance.policy(module)
    latest = versions[0].version if versions else None
    dependencies = []
    dependents = []
    if latest is not None:
        dependencies = await services.graph.dependencies(
            module, latest, scope=caller.scope, transitive=False, after=None, limit=100
        )
        dependents = [
            d
            for d in await services.graph.dependents(module, latest, after=None, limit=100)
            if caller.may_read(d.module, d.public)
        ]
    return render(
        request,
        "module.html",
        title=module,
        module=found,
        versions=versions,
        latest=latest,
        policy=policy,
        dependencies=dependencies,
        dependents=dependents,
    )


@router.get("/modules/{module}/versions/{version}")
@page
async def version_page(request: Request, module: str, version: str) -> Response:
    caller = await ui(request, module)
    services = caller.services
    stored = await services.pull.version(module, version)
    readme = None
    entry = stored.file("README.md")
    if entry is not None:
        text = (await services.pull.read_file(stored, entry)).decode("utf-8", "replace")
        readme = readme_html(text)
    _, jobs = await services.compile.jobs(module, stored.version, scope=caller.scope)
    others = await services.pull.versions(module, after=None, limit=20)
    return render(
        request,
        "version.html",
        title=f"{module}@{stored.version}",
        version=stored,
        readme=readme,
        jobs=jobs,
        others=[v.version for v in others if v.version != stored.version],
    )


@router.get("/modules/{module}/versions/{version}/files/{path:path}")
@page
async def file_page(request: Request, module: str, version: str, path: str) -> Response:
    caller = await ui(request, module)
    services = caller.services
    stored, entry = await services.pull.file_entry(module, version, path)
    data = await services.pull.read_file(stored, entry)
    if path.endswith(".proto"):
        _, schema = await services.governance.schema_of_version(
            module, stored.version, scope=caller.scope
        )
        closure = await services.graph.dependencies(
            module, stored.version, scope=caller.scope, transitive=True, after=None, limit=10_000
        )
        types = TypeLinks(schema, stored, closure)
        links = types.by_written_name(highlight.written_type_names(schema, path))
    else:
        links = {}
    return render(
        request,
        "file.html",
        title=f"{path} — {module}@{stored.version}",
        version=stored,
        path=path,
        lines=highlight.lines(path, data.decode("utf-8", "replace"), links),
    )


@router.get("/search")
@page
async def search(
    request: Request,
    q: Annotated[str, Query(max_length=400)] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
    page_token: Annotated[str | None, Query(max_length=1024)] = None,
) -> Response:
    caller = await ui(request)
    results = None
    if q.strip():
        results = await search_page(
            SearchRequest(q=q, kind=kind or None),
            access=caller.access,
            principal=caller.principal,
            services=caller.services,
            scope=caller.scope,
            tokens=caller.tokens,
            limit=min(MAX_SEARCH_LIMIT, 50),
            page_token=page_token,
        )
    return render(
        request,
        "search.html",
        title=f"Search: {q}" if q else "Search",
        q=q,
        kind=kind,
        kinds=[k.value for k in Kind],
        results=results,
    )
