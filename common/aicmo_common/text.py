"""Text that no database of this system can hold: NUL characters.

PostgreSQL refuses U+0000 in text and in JSON, so a request carrying one would fail deep in a
service with an internal error (and SQLite would store what PostgreSQL cannot). The server
interceptor refuses such a request up front, naming every field that holds one.
"""

from __future__ import annotations

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

NUL = "\x00"
MAX_REPORTED = 20


def nul_fields(message: Message, prefix: str = "") -> list[str]:
    """The paths (``capture.email``, ``events[3].context.note``) of every string in
    ``message`` that holds a NUL character, at most ``MAX_REPORTED``."""
    found: list[str] = []
    _walk(message, prefix, found)
    return found


def _walk(message: Message, prefix: str, found: list[str]) -> None:
    for field, value in message.ListFields():
        if len(found) >= MAX_REPORTED:
            return
        path = prefix + field.name
        if field.type == FieldDescriptor.TYPE_STRING:
            if field.is_repeated:
                found.extend(f"{path}[{index}]" for index, item in enumerate(value)
                             if NUL in item)
            elif NUL in value:
                found.append(path)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.message_type.GetOptions().map_entry:
                _walk_map(field, value, path, found)
            elif field.is_repeated:
                for index, item in enumerate(value):
                    _walk(item, f"{path}[{index}].", found)
            else:
                _walk(value, path + ".", found)


def _walk_map(field: FieldDescriptor, value, path: str, found: list[str]) -> None:
    value_field = field.message_type.fields_by_name["value"]
    for key, item in value.items():
        if isinstance(key, str) and NUL in key:
            found.append(f"{path}[{key!r}]")
        elif value_field.type == FieldDescriptor.TYPE_STRING and NUL in item:
            found.append(f"{path}[{key!r}]")
        elif value_field.type == FieldDescriptor.TYPE_MESSAGE:
            _walk(item, f"{path}[{key!r}].", found)
