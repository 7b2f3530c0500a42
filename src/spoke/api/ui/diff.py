"""``…/diff?against=``: what changed between two versions: a text diff per file, and the
structural changes, the breaking ones marked with their buf rule ID."""

from __future__ import annotations

import difflib
import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from spoke.api.ui.context import Ui, ui
from spoke.api.ui.fragments import fragments_of, readable_closure, render_fragment, version_key
from spoke.api.ui.rendering import page, render
from spoke.domain.errors import InvalidArgument
from spoke.domain.models import ModuleVersion
from spoke.domain.policy import Policy

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
    new = await services.pull.version(module, version)
    old = await services.pull.version(module, against)
    # Checked on every request, before the cache is looked at: both closures readable.
    new_closure = await readable_closure(caller, new)
    old_closure = await readable_closure(caller, old)
    policy = _policy_key(await services.governance.policy(module))
    cache = fragments_of(request)
    key = ("diff", policy, *version_key(new, new_closure), "|", *version_key(old, old_closure))
    body = cache.get(key)
    if body is None:
        body = await _render(caller, new, old)
        if _policy_key(await services.governance.policy(module)) == policy:
            cache.put(key, body)
    return render(
        request, "page_body.html", title=f"{module}: {old.version} → {new.version}", body=body
    )


def _policy_key(policy: Policy) -> str:
    """The part of a policy a diff shows (its breaking findings follow the config)."""
    return json.dumps(policy.breaking, sort_keys=True, default=str)


async def _render(caller: Ui, new: ModuleVersion, old: ModuleVersion) -> Markup:
    services = caller.services
    changes, breaking = await services.governance.diff(
        new.module, new.version, old.version, scope=caller.scope
    )
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
                f"{old.version}/{path}",
                f"{new.version}/{path}",
                n=_CONTEXT,
                lineterm="",
            )
        )
        texts.append((path, lines))
    return render_fragment(
        "diff_body.html",
        module=new.module,
        version=new.version,
        against=old.version,
        changes=changes,
        breaking=breaking,
        texts=texts,
    )
