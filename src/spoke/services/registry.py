"""The services of one registry process, as the composition root (``spoke.runtime``) builds
them on top of opened backends: what the HTTP app hands its routers, and what the in-process
compile worker runs."""

from __future__ import annotations

from dataclasses import dataclass

from spoke.services.compile import CompileService
from spoke.services.deletion import DeletionService
from spoke.services.governance import GovernanceService
from spoke.services.graph import DependencyGraph
from spoke.services.keys import KeyManagement
from spoke.services.modules import ModuleService
from spoke.services.pull import PullService
from spoke.services.push import PushService
from spoke.services.sdk import SdkPackages
from spoke.services.search import SearchService
from spoke.services.sprocket import Sprocket
from spoke.services.versions import VersionReader
from spoke.services.visibility import Visibility


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
    keys: KeyManagement
    visibility: Visibility
    search: SearchService
    #: The compile worker, run in this process when ``Settings.runs_embedded_worker``.
    sprocket: Sprocket
    #: Generated SDKs for package managers (pip, npm, go).
    sdk: SdkPackages
