"""Bodies of ``/modules`` (``routers/modules.py``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from spoke.domain import models


class ModuleCreate(BaseModel):
    name: str = Field(examples=["acme.payments"])
    description: str = ""
    public: bool = Field(default=True, description="Private modules need a read grant.")


class ModuleUpdate(BaseModel):
    description: str | None = None
    public: bool | None = None


class ModuleOut(BaseModel):
    name: str
    description: str
    public: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, module: models.Module) -> ModuleOut:
        return cls(
            name=module.name,
            description=module.description,
            public=module.public,
            created_at=module.created_at,
            updated_at=module.updated_at,
        )
