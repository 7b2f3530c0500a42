"""Governance use-cases: breaking-change checks between versions (or files and a version),
the structural diff, module policies, and the policy check of a push."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spoke.domain.breaking import BreakingConfig, check_breaking
from spoke.domain.compiler_differences import annotate
from spoke.domain.diff import Diff, diff
from spoke.domain.errors import CompileFailed, InvalidArgument, NotFound, Unprocessable
from spoke.domain.models import Dependency, ModuleVersion
from spoke.domain.names import validate_module_name
from spoke.domain.policy import Policy
from spoke.domain.schema import Finding, Schema
from spoke.domain.versions import Version
from spoke.services.files import FileLimits, read_tree
from spoke.services.schemas import SchemaCompiler
from spoke.services.visibility import EVERYTHING, ReadScope
from spoke.storage.metadata import MetadataStore
from spoke.storage.policies import PolicyStore


class PolicyViolation(Unprocessable):
    """A push the module's policy refuses; ``details.findings`` lists why."""

    code = "policy_violation"


class CompilerDifference(CompileFailed):
    """protoc refused files that buf's compiler accepts (a known difference between the
    two compilers, ``domain/compiler_differences.py``): ``buf lint`` would lint them, we
    cannot. ``details`` lists protoc's diagnostics, each with ``compiler``, ``buf``,
    ``difference`` and ``buf_says``."""

    code = "compiler_difference"


def explain_compile_failure(exc: CompileFailed) -> CompileFailed:
    """``exc`` as it is when none of protoc's diagnostics is a known difference; else
    with each diagnostic naming its compiler and, where it is a known difference, what
    buf's compiler does: a ``CompilerDifference`` when buf's compiler would accept the
    files (every diagnostic is a known difference)."""
    details = exc.details
    if not isinstance(details, list) or not all(isinstance(d, dict) for d in details):
        return exc
    annotated, buf_accepts = annotate(details)
    if not any("difference" in d for d in annotated):
        return exc  # both compilers refuse it, as far as we know: protoc's own words
    if not buf_accepts:
        return CompileFailed(exc.message, details=annotated)
    first = annotated[0]
    where = ":".join(str(first[k]) for k in ("file", "line", "column") if first.get(k))
    return CompilerDifference(
        f"protoc refuses what buf's compiler accepts: protoc says {where}: "
        f"{first['message']}; {first['buf_says']}. Spoke compiles with protoc (buf would "
        f"check these files): change them so that both compilers accept them",
        details=annotated,
    )


@dataclass(frozen=True)
class PolicyCheck:
    """What a policy says of a push: the version compared with, and the findings."""

    against: str | None
    breaking: list[Finding]
    lint: list[Finding]
    breaking_enforced: bool
    lint_enforced: bool

    @property
    def refused(self) -> bool:
        return (self.breaking_enforced and bool(self.breaking)) or (
            self.lint_enforced and bool(self.lint)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "against": self.against,
            "breaking": [f.as_json() for f in self.breaking],
            "lint": [f.as_json() for f in self.lint],
            "breaking_enforced": self.breaking_enforced,
            "lint_enforced": self.lint_enforced,
        }


def lint_findings(schema: Schema, section: Mapping[str, Any]) -> list[Finding]:
    from spoke.domain.lint import lint, parse_lint_config

    found: list[Finding] = lint(schema, parse_lint_config(section))
    return found


class GovernanceService:
    def __init__(
        self,
        metadata: MetadataStore,
        policies: PolicyStore,
        schemas: SchemaCompiler,
        limits: FileLimits,
    ) -> None:
        self._metadata = metadata
        self._policies = policies
        self._schemas = schemas
        self._limits = limits

    # -- policies --------------------------------------------------------------------
    async def policy(self, module: str) -> Policy:
        document = await self._policies.get(validate_module_name(module))
        return Policy() if document is None else Policy.parse(document)

    async def set_policy(self, module: str, document: Mapping[str, Any], *, by: str) -> Policy:
        policy = Policy.parse(document)
        await self._policies.put(validate_module_name(module), policy.as_dict(), by=by)
        return policy

    # -- checks ----------------------------------------------------------------------
    async def schema_of_files(
        self,
        module: str,
        files: Sequence[tuple[str, str]],
        deps: Sequence[Dependency],
        *,
        scope: ReadScope,
    ) -> Schema:
        """Files sent with a request (not stored), compiled with their dependencies (each
        of them in ``scope``), within the limits of a push's files."""
        contents = read_tree(files, self._limits)
        pinned = [
            Dependency(validate_module_name(d.module), str(Version.parse(d.version))) for d in deps
        ]
        try:
            return await self._schemas.of_files(module, contents, pinned, scope=scope)
        except CompileFailed as exc:
            raise explain_compile_failure(exc) from None

    async def schema_of_version(
        self, module: str, ref: str, *, scope: ReadScope
    ) -> tuple[ModuleVersion, Schema]:
        """A stored version (``latest`` allowed) compiled, its sources included; every
        module of its closure in ``scope``."""
        return await self._schemas.of_version(module, ref, scope=scope)

    async def version_stored(self, version: ModuleVersion, descriptor_set: bytes) -> None:
        """A push stored ``version``, compiled to ``descriptor_set``: kept for the policy
        check of the module's next push, which compares with it."""
        await self._schemas.remember(version, descriptor_set)

    async def breaking(
        self,
        module: str,
        new: Schema,
        against: str,
        config: Mapping[str, Any] | None,
        *,
        scope: ReadScope,
    ) -> tuple[ModuleVersion, list[Finding]]:
        """Findings of ``new`` against the stored ``module@against``; ``config`` is a
        ``breaking:`` section (None: the module's policy's)."""
        if config is None:
            config = (await self.policy(module)).breaking
        old_version, old = await self._schemas.of_version(
            module, against, scope=scope, sources=False
        )
        return old_version, check_breaking(new, old, _breaking_config(config))

    async def lint(self, schema: Schema, config: Mapping[str, Any] | None) -> list[Finding]:
        try:
            return lint_findings(schema, config or {})
        except ValueError as exc:
            raise InvalidArgument(f"lint config: {exc}") from None

    async def diff(
        self, module: str, version: str, against: str, *, scope: ReadScope
    ) -> tuple[Diff, list[Finding]]:
        policy = await self.policy(module)
        _, new = await self._schemas.of_version(module, version, scope=scope)
        _, old = await self._schemas.of_version(module, against, scope=scope, sources=False)
        return diff(new, old), check_breaking(new, old, _breaking_config(policy.breaking))

    async def check_push(
        self, module: str, version: str, new: Schema, *, dry_run: bool
    ) -> PolicyCheck | None:
        """What the module's policy says of pushing ``new`` as ``version`` (None: the
        policy checks nothing and this is not a dry run). Raises ``PolicyViolation`` when
        an enforced check finds something (not on a dry run)."""
        try:
            policy = await self.policy(module)
        except NotFound:
            policy = Policy()  # a new module: nothing to compare with
        if not (policy.checks_breaking or policy.checks_lint or dry_run):
            return None
        previous = await self._metadata.previous_version(module, version)
        breaking: list[Finding] = []
        breaking_enforced = policy.enforce_breaking
        if previous is not None and (policy.checks_breaking or dry_run):
            if (
                policy.allow_breaking_on_major
                and Version.parse(version).major > Version.parse(previous).major
            ):
                breaking_enforced = False
            # The module's own history, compared for its own policy: not the caller's read.
            _, old = await self._schemas.of_version(
                module, previous, scope=EVERYTHING, sources=False
            )
            breaking = check_breaking(new, old, _breaking_config(policy.breaking))
        lint = lint_findings(new, policy.lint) if (policy.checks_lint or dry_run) else []
        check = PolicyCheck(previous, breaking, lint, breaking_enforced, policy.enforce_lint)
        if check.refused and not dry_run:
            raise PolicyViolation(
                f"{module}@{version} violates the module's policy: "
                f"{len(check.breaking) if check.breaking_enforced else 0} breaking change(s), "
                f"{len(check.lint) if check.lint_enforced else 0} lint finding(s)",
                details=check.as_dict(),
            )
        return check


def _breaking_config(section: Mapping[str, Any]) -> BreakingConfig:
    try:
        return BreakingConfig.parse(section)
    except ValueError as exc:
        raise InvalidArgument(f"breaking config: {exc}") from None


__all__ = ["CompilerDifference", "GovernanceService", "PolicyCheck", "PolicyViolation"]
