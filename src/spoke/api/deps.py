"""Thin route dependencies: the services the app factory built, taken from app state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from spoke.services.compile import CompileService
from spoke.services.deletion import DeletionService
from spoke.services.governance import GovernanceService
from spoke.services.graph import DependencyGraph
from spoke.services.modules import ModuleService
from spoke.services.pull import PullService
from spoke.services.push import PushService
from spoke.services.versions import VersionReader


@dataclass(frozen=True)
class Services:
    modules: ModuleService
    push: PushService
    pull: PullService
    compile: CompileService
    deletion: DeletionService
    reader: VersionReader
    governance: GovernanceService
    graph: DependencyGraph


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]
