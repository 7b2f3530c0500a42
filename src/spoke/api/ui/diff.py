"""``…/diff?against=``: what changed between two versions: a text diff per file, and the
structural changes, the breaking ones marked with their buf rule ID."""

from __future__ import annotations

import difflib
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from spoke.api.ui.context import ui
from spoke.api.ui.rendering import page, render
from spoke.domain.errors import InvalidArgument

router = APIRouter(prefix="/ui", include_in_schema=False)
#: Lines of context around each change in the text diff.
_CONTEXT = 3


@router.get("/modules/{module}/versions/{version}/diff")
@page
async def diff_page(
    request: Request,
    module: str,
    version: str,
    against: Annotated[str, Query(max_length=128)] = "",
) -> Response:
    caller = await ui(request, module)
    services = caller.services
    if not against:
        raise InvalidArgument("choose a version to compare with: ?against=VERSION")
    changes, breaking = await services.governance.diff(module, version, against, scope=caller.scope)
    new = await services.pull.version(module, version)
    old = await services.pull.version(module, against)
    texts = []
    paths = sorted({e.path for e in new.files} | {e.path for e in old.files})
    for path in paths:
        before, after = old.file(path), new.file(path)
        if before is not None and after is not None and before.sha256 == after.sha256:
            continue
        a = (
            (await services.pull.read_file(old, before)).decode("utf-8", "replace")
            if before
            else ""
        )
        b = (await services.pull.read_file(new, after)).decode("utf-8", "replace") if after else ""
        lines = list(
            difflib.unified_diff(
                a.splitlines(),
                b.splitlines(),
                f"{against}/{path}",
                f"{version}/{path}",
                n=_CONTEXT,
                lineterm="",
            )
        )
        texts.append((path, lines))
    return render(
        request,
        "diff.html",
        title=f"{module}: {against} → {version}",
        module=module,
        version=new.version,
        against=old.version,
        changes=changes,
        breaking=breaking,
        texts=texts,
    )
