"""Rules on RPCs: their request and response types, and streaming (UNARY_RPC)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from spoke.domain.lint import walk
from spoke.domain.lint.casing import to_pascal
from spoke.domain.lint.context import Context, Problem, q

EMPTY = ".google.protobuf.Empty"


def rpc_no_client_streaming(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        for _, method in walk.all_methods(file):
            if method.node.client_streaming:
                yield ctx.at(file, method.path, f"RPC {q(method.node.name)} is client streaming.")


def rpc_no_server_streaming(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        for _, method in walk.all_methods(file):
            if method.node.server_streaming:
                yield ctx.at(file, method.path, f"RPC {q(method.node.name)} is server streaming.")


def _simple_name(type_name: str) -> str:
    return type_name.rsplit(".", 1)[-1]


def _standard_name(ctx: Context, kind: str, allow_empty: bool) -> Iterator[Problem]:
    """``<Rpc><Kind>`` or ``<Service><Rpc><Kind>``, on the request or response type."""
    request = kind == "request"
    suffix = kind.capitalize()
    for file in ctx.files:
        for service, method in walk.all_methods(file):
            type_name = method.node.input_type if request else method.node.output_type
            if allow_empty and type_name == EMPTY:
                continue
            name = _simple_name(type_name)
            # Suggested in PascalCase even when the RPC or service is not.
            short = f"{to_pascal(method.node.name)}{suffix}"
            qualified = f"{to_pascal(service.node.name)}{short}"
            if name not in (short, qualified):
                yield ctx.at(
                    file,
                    method.child(walk.METHOD_INPUT if request else walk.METHOD_OUTPUT),
                    f"RPC {kind} type {q(name)} should be named {q(short)} or {q(qualified)}.",
                )


def rpc_request_standard_name(ctx: Context) -> Iterator[Problem]:
    return _standard_name(ctx, "request", ctx.config.rpc_allow_google_protobuf_empty_requests)


def rpc_response_standard_name(ctx: Context) -> Iterator[Problem]:
    return _standard_name(ctx, "response", ctx.config.rpc_allow_google_protobuf_empty_responses)


def rpc_request_response_unique(ctx: Context) -> Iterator[Problem]:
    """Each type serves one RPC, across the whole module. google.protobuf.Empty is not
    counted in the roles the config allows it in; when it is allowed in both, an RPC
    may also take and return it."""
    config = ctx.config
    allow_requests = config.rpc_allow_google_protobuf_empty_requests
    allow_responses = config.rpc_allow_google_protobuf_empty_responses

    def counted(type_name: str, *, request: bool) -> bool:
        allowed = allow_requests if request else allow_responses
        return not (allowed and type_name == EMPTY)

    users: dict[str, set[tuple[str, walk.Path]]] = defaultdict(set)
    for file in ctx.files:
        for _, method in walk.all_methods(file):
            key = (file.name, method.path)
            if counted(method.node.input_type, request=True):
                users[method.node.input_type].add(key)
            if counted(method.node.output_type, request=False):
                users[method.node.output_type].add(key)

    if allow_requests and not allow_responses:
        empty_role = "the response"
    elif allow_responses and not allow_requests:
        empty_role = "the request"
    else:
        empty_role = "the request or response type"

    for file in ctx.files:
        for _, method in walk.all_methods(file):
            request, response = method.node.input_type, method.node.output_type
            if request == response and not config.rpc_allow_same_request_response:
                both_allowed = request == EMPTY and allow_requests and allow_responses
                if not both_allowed:
                    yield ctx.at(
                        file,
                        method.path,
                        f"RPC {q(method.node.name)} has the same type {q(request.lstrip('.'))} "
                        "for the request and response.",
                    )
            used = []
            if counted(request, request=True):
                used.append(request)
            if counted(response, request=False) and response not in used:
                used.append(response)
            for type_name in used:
                if len(users[type_name]) > 1:
                    role = empty_role if type_name == EMPTY else "the request or response type"
                    yield ctx.at(
                        file,
                        method.path,
                        f"{q(type_name.lstrip('.'))} is used as {role} for multiple RPCs.",
                    )
