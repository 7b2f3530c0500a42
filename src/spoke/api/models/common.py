"""Bodies shared by several routers: pages, files and dependencies sent, and the one
error shape (as ``spoke.api.errors`` answers it)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_page_token: str | None = Field(
        default=None, description="Pass as `page_token` to get the next page; null on the last."
    )


class FileIn(BaseModel):
    path: str = Field(examples=["acme/payments/v1/payments.proto"])
    content: str = Field(description="The file's text (UTF-8).")


class DependencyIO(BaseModel):
    module: str
    version: str = Field(examples=["v1.0.0"])


class ErrorDetail(BaseModel):
    code: str = Field(examples=["version_conflict"])
    message: str
    details: Any = None


class ErrorOut(BaseModel):
    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer (any route may also be
    refused with 429 by the rate limits and 431 for oversized headers)."""
    return {status: {"model": ErrorOut} for status in (*statuses, 429, 431)}
