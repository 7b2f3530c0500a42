"""``/ui/``: modules, a module, a version, one file (highlighted), the archive, search."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated
from urllib.parse import urlencode

import nh3
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from spoke.api.pagination import MAX_LIMIT
from spoke.api.routers.search import MAX_SEARCH_LIMIT, search_page
from spoke.api.ui import highlight
from spoke.api.ui.context import ui
from spoke.api.ui.fragments import fragments_of, readable_closure, render_fragment, version_key
from spoke.api.ui.links import TypeLinks
from spoke.api.ui.paging import MAX_TOKEN, UiPages
from spoke.api.ui.paging import Page as PagingPage
from spoke.api.ui.rendering import page, render
from spoke.domain.errors import SpokeError
from spoke.domain.graph import Dependent, ResolvedDependency, label
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
    modules: Annotated[str | None, Query(max_length=MAX_TOKEN)] = None,
) -> Response:
    caller = await ui(request)
    pages = UiPages(caller.tokens, f"modules:{prefix}")
    found = await caller.services.modules.list(
        prefix=prefix, after=pages.after(modules), limit=_PAGE + 1
    )
    # The token seals the last row listed, which may be a module this caller cannot see.
    listed = pages.page(modules, found, _PAGE, lambda m: m.name)
    shown = [m for m in listed.items if caller.may_read(m.name, m.public)]
    latest: dict[str, str | None] = {}
    for module in shown:
        try:
            latest[module.name] = (await caller.services.reader.get(module.name, "latest")).version
        except SpokeError:
            latest[module.name] = None

    def link(**tokens: str | None) -> str:
        query = {"prefix": prefix, "modules": modules, **tokens}
        kept = urlencode({k: v for k, v in query.items() if v})
        return f"?{kept}" if kept else "?"

    return render(
        request,
        "index.html",
        title="Modules",
        modules=replace(listed, items=shown),
        latest=latest,
        prefix=prefix,
        link=link,
    )


@router.get("/modules/{module}")
@page
async def module_page(
    request: Request,
    module: str,
    versions: Annotated[str | None, Query(max_length=MAX_TOKEN)] = None,
    dependents: Annotated[str | None, Query(max_length=MAX_TOKEN)] = None,
) -> Response:
    """The module; its versions and the latest version's dependents a page at a time
    (``versions`` and ``dependents``: each list's page token, independent of the other)."""
    caller = await ui(request, module)
    services = caller.services
    found = await services.modules.get(module)
    version_pages = UiPages(caller.tokens, f"versions:{module}")
    listed = await services.pull.versions(
        module, after=version_pages.after(versions), limit=_PAGE + 1
    )
    version_page = version_pages.page(versions, listed, _PAGE, lambda v: v.version)
    policy = await services.governance.policy(module)
    newest = (
        listed if versions is None else await services.pull.versions(module, after=None, limit=1)
    )
    latest = newest[0].version if newest else None
    dependencies: list[ResolvedDependency] = []
    dependent_page: PagingPage[Dependent] = PagingPage([], None, None, True)
    if latest is not None:
        dependencies = await services.graph.dependencies(
            module, latest, scope=caller.scope, transitive=False, after=None, limit=MAX_LIMIT
        )
        dependent_pages = UiPages(caller.tokens, f"dependents:{module}@{latest}")
        pinning = await services.graph.dependents(
            module, latest, after=dependent_pages.after(dependents), limit=_PAGE + 1
        )
        # Keyset pages stay right when filtered: a page may just show fewer.
        dependent_page = dependent_pages.page(
            dependents, pinning, _PAGE, lambda d: label(d.module, d.version)
        )
        readable = [d for d in dependent_page.items if caller.may_read(d.module, d.public)]
        dependent_page = replace(dependent_page, items=readable)

    def link(**tokens: str | None) -> str:
        query = {"versions": versions, "dependents": dependents, **tokens}
        kept = urlencode({k: v for k, v in query.items() if v})
        return f"?{kept}" if kept else "?"

    return render(
        request,
        "module.html",
        title=module,
        module=found,
        versions=version_page,
        latest=latest,
        policy=policy,
        dependencies=dependencies,
        dependents=dependent_page,
        link=link,
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
    title = f"{path} — {module}@{stored.version}"
    if not path.endswith(".proto"):
        text = (await services.pull.read_file(stored, entry)).decode("utf-8", "replace")
        plain = render_fragment(
            "file_body.html", version=stored, path=path, lines=highlight.lines(path, text, {})
        )
        return render(request, "page_body.html", title=title, body=plain)
    # Types link into the closure: checked on every request, before the cache.
    closure = await readable_closure(caller, stored)
    cache = fragments_of(request)
    key = ("file", *version_key(stored, closure), path)
    if (body := cache.get(key)) is None:
        data = await services.pull.read_file(stored, entry)
        compiled, schema = await services.governance.schema_of_version(
            module, stored.version, scope=caller.scope
        )
        types = TypeLinks(schema, compiled, closure)
        links = types.by_written_name(highlight.written_type_names(schema, path))
        lines = highlight.lines(path, data.decode("utf-8", "replace"), links)
        body = render_fragment("file_body.html", version=stored, path=path, lines=lines)
        if compiled.digest == stored.digest:  # not deleted and pushed again meanwhile
            cache.put(key, body)
    return render(request, "page_body.html", title=title, body=body)


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
