"""Rules on a service present on both sides (paired by full name): deleted RPCs, and RPCs
whose streaming, request or response type, or idempotency level changed."""

from __future__ import annotations

from google.protobuf.descriptor_pb2 import MethodDescriptorProto, MethodOptions

from spoke.domain.breaking.index import Element
from spoke.domain.breaking.report import Report

_INPUT, _OUTPUT, _OPTIONS, _IDEMPOTENCY = 2, 3, 4, 34


def check_services(report: Report) -> None:
    for full_name, previous in sorted(report.old.services.items()):
        service = report.new.services.get(full_name)
        if service is None:
            continue
        methods = report.new.methods(service)
        for name, previous_method in sorted(report.old.methods(previous).items()):
            method = methods.get(name)
            if method is None:
                if report.wants("RPC_NO_DELETE"):
                    report.add(
                        "RPC_NO_DELETE",
                        service,
                        f'Previously present RPC "{name}" on service '
                        f'"{service.proto.name}" was deleted.',
                        against=previous,
                    )
            else:
                _method_pair(report, service, method, previous_method)


def _method_pair(report: Report, service: Element, method: Element, previous: Element) -> None:
    now: MethodDescriptorProto = method.proto
    before: MethodDescriptorProto = previous.proto
    rpc = f'RPC "{now.name}" on service "{service.proto.name}"'
    for rule, side in (
        ("RPC_SAME_CLIENT_STREAMING", "client"),
        ("RPC_SAME_SERVER_STREAMING", "server"),
    ):
        was, is_ = getattr(before, f"{side}_streaming"), getattr(now, f"{side}_streaming")
        if report.wants(rule) and was != is_:
            states = ("unary", "streaming") if is_ else ("streaming", "unary")
            report.add(
                rule,
                method,
                f"{rpc} changed from {side} {states[0]} to {side} {states[1]}.",
                against=previous,
            )
    for rule, field, step, what in (
        ("RPC_SAME_REQUEST_TYPE", "input_type", _INPUT, "request"),
        ("RPC_SAME_RESPONSE_TYPE", "output_type", _OUTPUT, "response"),
    ):
        was_type = getattr(before, field).lstrip(".")
        now_type = getattr(now, field).lstrip(".")
        if report.wants(rule) and was_type != now_type:
            report.add(
                rule,
                (method.file, (*method.path, step)),
                f'{rpc} changed {what} type from "{was_type}" to "{now_type}".',
                file=method.file,
                against=previous,
            )
    if report.wants("RPC_SAME_IDEMPOTENCY_LEVEL"):
        was_level = MethodOptions.IdempotencyLevel.Name(before.options.idempotency_level)
        now_level = MethodOptions.IdempotencyLevel.Name(now.options.idempotency_level)
        if was_level != now_level:
            where = None
            if now.options.HasField("idempotency_level"):
                where = (method.file, (*method.path, _OPTIONS, _IDEMPOTENCY))
            report.add(
                "RPC_SAME_IDEMPOTENCY_LEVEL",
                where,
                f'{rpc} changed option "idempotency_level" from "{was_level}" to "{now_level}".',
                file=method.file,
                against=previous,
            )
