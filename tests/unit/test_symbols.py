"""``spoke.domain.symbols``: the elements of a schema, and the words search uses."""

from __future__ import annotations

from google.protobuf import descriptor_pb2

from spoke.domain.schema import Schema
from spoke.domain.symbols import (
    Kind,
    clean_comment,
    name_words,
    query_terms,
    snippet,
    symbols,
)


def test_name_words() -> None:
    assert name_words("google.type.LatLng") == "google type latlng lat lng"
    assert name_words("acme.HTTPRule.body_field") == "acme httprule http rule body_field body field"
    assert name_words("p.DAY_OF_WEEK") == "p day_of_week day of week"


def test_query_terms_keep_only_words() -> None:
    assert query_terms('Lat"Lng* OR NEAR(x) -y') == ["lat", "lng", "or", "near", "x", "y"]
    assert query_terms("google.type.Date") == ["google", "type", "date"]
    assert query_terms("*:()&|!'") == []
    assert len(query_terms(" ".join("w" * 3 for _ in range(50)))) == 8


def test_comments_and_snippets() -> None:
    assert clean_comment(" Line one.\n   indented\n\n") == "Line one.\n  indented"
    assert snippet("First\nparagraph.\n\nSecond.") == "First paragraph."
    long = snippet("word " * 100)
    assert len(long) == 200 and long.endswith("…")


def test_symbols_of_a_file() -> None:
    file = descriptor_pb2.FileDescriptorProto(name="a/b.proto", package="a.v1")
    message = file.message_type.add(name="Outer")
    message.field.add(name="id", number=1)
    entry = message.nested_type.add(name="TagsEntry")
    entry.options.map_entry = True
    enum = message.enum_type.add(name="State")
    enum.value.add(name="STATE_UNSPECIFIED", number=0)
    service = file.service.add(name="Svc")
    service.method.add(name="Get")
    location = file.source_code_info.location.add(path=[4, 0], span=[4, 0, 9, 1])
    location.leading_comments = " An <outer> message.\n"
    file_set = descriptor_pb2.FileDescriptorSet(file=[file])
    found = symbols(Schema(file_set.SerializeToString()))
    assert [(s.kind, s.full_name) for s in found] == [
        (Kind.PACKAGE, "a.v1"),
        (Kind.MESSAGE, "a.v1.Outer"),
        (Kind.FIELD, "a.v1.Outer.id"),
        (Kind.ENUM, "a.v1.Outer.State"),
        (Kind.ENUM_VALUE, "a.v1.Outer.State.STATE_UNSPECIFIED"),
        (Kind.SERVICE, "a.v1.Svc"),
        (Kind.RPC, "a.v1.Svc.Get"),
    ]
    outer = found[1]
    assert (outer.line, outer.comment, outer.file, outer.name) == (
        5,
        "An <outer> message.",
        "a/b.proto",
        "Outer",
    )
