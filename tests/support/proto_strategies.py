"""Hypothesis strategies that build any protobuf message from its descriptor, with hostile
values: very long strings, control characters, lone surrogates made safe, extreme numbers,
unknown enum values, deep nesting cut off at a bound."""

from __future__ import annotations

from google.protobuf import descriptor as _descriptor
from google.protobuf.message import Message
from hypothesis import strategies as st

FieldDescriptor = _descriptor.FieldDescriptor

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=31), min_size=1,
            max_size=20),
    st.sampled_from(["", " ", "\x00", "a" * 5000, "'; DROP TABLE leads; --", "../../etc/passwd",
                     "<script>alert(1)</script>", "{{ 7*7 }}", "\u202e", "😀" * 300,
                     "not-an-email@", "+1", "https://evil.example/in/x", "Europe/Nowhere"]),
)
INT32 = st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, -1, 1, 2**31 - 1]))
INT64 = st.one_of(st.integers(-(2**63), 2**63 - 1), st.sampled_from([0, -1, 1]))
UINT32 = st.integers(0, 2**32 - 1)
UINT64 = st.integers(0, 2**64 - 1)
DOUBLE = st.floats(allow_nan=True, allow_infinity=True)

_SCALARS = {
    FieldDescriptor.TYPE_STRING: HOSTILE_TEXT,
    FieldDescriptor.TYPE_BYTES: st.binary(max_size=64),
    FieldDescriptor.TYPE_BOOL: st.booleans(),
    FieldDescriptor.TYPE_INT32: INT32,
    FieldDescriptor.TYPE_SINT32: INT32,
    FieldDescriptor.TYPE_SFIXED32: INT32,
    FieldDescriptor.TYPE_INT64: INT64,
    FieldDescriptor.TYPE_SINT64: INT64,
    FieldDescriptor.TYPE_SFIXED64: INT64,
    FieldDescriptor.TYPE_UINT32: UINT32,
    FieldDescriptor.TYPE_FIXED32: UINT32,
    FieldDescriptor.TYPE_UINT64: UINT64,
    FieldDescriptor.TYPE_FIXED64: UINT64,
    FieldDescriptor.TYPE_DOUBLE: DOUBLE,
    FieldDescriptor.TYPE_FLOAT: st.floats(allow_nan=True, allow_infinity=True, width=32),
}


def _value(field: FieldDescriptor, depth: int):
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return messages(field.message_type._concrete_class, depth + 1)
    if field.type == FieldDescriptor.TYPE_ENUM:
        known = [value.number for value in field.enum_type.values]
        return st.one_of(st.sampled_from(known), st.integers(-5, 999))
    if field.type == FieldDescriptor.TYPE_STRING and field.name.endswith("_id"):
        # Ids are also worth trying as plausible values, not only as garbage.
        return st.one_of(HOSTILE_TEXT, st.uuids().map(str), st.sampled_from(["acme", "x"]))
    return _SCALARS[field.type]


_CACHE: dict[tuple[str, int], st.SearchStrategy] = {}


def messages(cls: type[Message], depth: int = 0, max_depth: int = 3) -> st.SearchStrategy:
    """Any instance of ``cls``; each field present or absent, nested messages to a bound."""
    key = (cls.DESCRIPTOR.full_name, depth)
    if key not in _CACHE:
        _CACHE[key] = _messages(cls, depth, max_depth)
    return _CACHE[key]


def _messages(cls: type[Message], depth: int, max_depth: int) -> st.SearchStrategy:
    descriptor = cls.DESCRIPTOR
    if descriptor.full_name.startswith("google.protobuf.") and descriptor.name in (
            "Struct", "Value", "ListValue"):
        return st.just(cls())
    if depth >= max_depth:
        return st.just(cls())

    @st.composite
    def build(draw):
        message = cls()
        for field in descriptor.fields:
            if not draw(st.booleans()):
                continue
            if field.message_type is not None and field.message_type.GetOptions().map_entry:
                key_field = field.message_type.fields_by_name["key"]
                value_field = field.message_type.fields_by_name["value"]
                if value_field.type == FieldDescriptor.TYPE_MESSAGE:
                    continue
                entries = draw(st.dictionaries(_value(key_field, depth),
                                               _value(value_field, depth), max_size=3))
                getattr(message, field.name).update(entries)
            elif field.is_repeated:
                values = draw(st.lists(_value(field, depth), max_size=3))
                container = getattr(message, field.name)
                if field.type == FieldDescriptor.TYPE_MESSAGE:
                    for value in values:
                        container.add().CopyFrom(value)
                else:
                    container.extend(values)
            elif field.type == FieldDescriptor.TYPE_MESSAGE:
                getattr(message, field.name).CopyFrom(draw(_value(field, depth)))
            else:
                setattr(message, field.name, draw(_value(field, depth)))
        return message

    return build()
