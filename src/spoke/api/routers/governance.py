"""Governance: a module's policy, breaking-change checks, lint, and version diffs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from spoke.api.deps import CallerScope, ServicesDep, requires
from spoke.api.models.common import error_responses
from spoke.api.models.governance import (
    BreakingIn,
    DiffOut,
    FindingOut,
    FindingsOut,
    LintIn,
    PolicyIO,
)
from spoke.auth import Principal
from spoke.domain.access import Permission
from spoke.domain.errors import InvalidArgument
from spoke.domain.models import Dependency
from spoke.domain.schema import Finding

router = APIRouter(tags=["governance"])
Admin = Annotated[Principal, requires(Permission.ADMIN)]


def _findings(found: list[Finding], against: str | None = None) -> FindingsOut:
    items = [FindingOut(**f.as_json()) for f in found]
    return FindingsOut(against=against, count=len(items), findings=items)


@router.get(
    "/modules/{name}/policy",
    responses=error_responses(400, 401, 403, 404),
    dependencies=[requires(Permission.READ)],
)
async def get_policy(name: str, services: ServicesDep) -> PolicyIO:
    """The module's governance policy (defaults when none was set)."""
    await services.modules.get(name)
    return PolicyIO(**(await services.governance.policy(name)).as_dict())


@router.put("/modules/{name}/policy", responses=error_responses(400, 401, 403, 404, 422))
async def put_policy(
    name: str, body: dict[str, Any], services: ServicesDep, principal: Admin
) -> PolicyIO:
    """Replace the module's policy (admins). Unknown keys, rules or categories are refused."""
    policy = await services.governance.set_policy(name, body, by=principal.subject)
    return PolicyIO(**policy.as_dict())


@router.post(
    "/modules/{name}/breaking",
    responses=error_responses(400, 401, 403, 404, 413, 422),
    dependencies=[requires(Permission.READ)],
)
async def breaking(
    name: str, body: BreakingIn, services: ServicesDep, scope: CallerScope
) -> FindingsOut:
    """Breaking changes of a stored `version`, or of `files`, against `against` (buf's rules;
    the config is a buf.yaml `breaking:` section, by default the module policy's)."""
    governance = services.governance
    if (body.version is None) == (body.files is None):
        raise InvalidArgument("send either `version` or `files`")
    if body.files is not None:
        deps = [Dependency(d.module, d.version) for d in body.dependencies]
        schema = await governance.schema_of_files(
            name,
            [(f.path, f.content) for f in body.files],
            deps,
            scope=scope,
        )
    else:
        assert body.version is not None
        _, schema = await governance.schema_of_version(name, body.version, scope=scope)
    against, found = await governance.breaking(name, schema, body.against, body.config, scope=scope)
    return _findings(found, against.version)


@router.post(
    "/lint",
    responses=error_responses(400, 401, 413, 422),
    dependencies=[requires(Permission.READ, per_module=False)],
)
async def lint(body: LintIn, services: ServicesDep, scope: CallerScope) -> FindingsOut:
    """Lint `files` with buf's lint rules (a buf.yaml `lint:` section; default STANDARD)."""
    deps = [Dependency(d.module, d.version) for d in body.dependencies]
    schema = await services.governance.schema_of_files(
        "lint",
        [(f.path, f.content) for f in body.files],
        deps,
        scope=scope,
    )
    return _findings(await services.governance.lint(schema, body.config))


@router.get(
    "/modules/{name}/versions/{version}/diff",
    responses=error_responses(400, 401, 403, 404, 422),
    dependencies=[requires(Permission.READ)],
)
async def version_diff(
    name: str,
    version: str,
    services: ServicesDep,
    scope: CallerScope,
    against: Annotated[str, Query(description="The version to compare with.")],
) -> DiffOut:
    """What changed from `against` to `version`: added, removed and changed elements, and
    the breaking changes among them (the module policy's `breaking:` rules)."""
    changes, found = await services.governance.diff(name, version, against, scope=scope)
    return DiffOut(
        version=version,
        against=against,
        **changes.as_dict(),
        breaking=[FindingOut(**f.as_json()) for f in found],
    )
