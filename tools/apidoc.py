"""Renders the API reference (docs/api.md) from the contract's own comments.

Input is the FileDescriptorSet protoc writes with ``--include_source_info``; every service,
method, message, field, enum and value is listed with the comment written above it in
protos/, so the reference says exactly what the contract says. Deterministic: the same protos
give the same bytes. Called by tools/protogen.py (``make proto``; ``--check`` for staleness).
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2

# Paths into FileDescriptorProto (descriptor.proto field numbers).
_MESSAGE, _ENUM, _SERVICE = 4, 5, 6
_FIELD, _NESTED, _NESTED_ENUM, _VALUE, _METHOD = 2, 3, 4, 2, 2

_SCALARS = {
    descriptor_pb2.FieldDescriptorProto.TYPE_DOUBLE: "double",
    descriptor_pb2.FieldDescriptorProto.TYPE_FLOAT: "float",
    descriptor_pb2.FieldDescriptorProto.TYPE_INT64: "int64",
    descriptor_pb2.FieldDescriptorProto.TYPE_UINT64: "uint64",
    descriptor_pb2.FieldDescriptorProto.TYPE_INT32: "int32",
    descriptor_pb2.FieldDescriptorProto.TYPE_FIXED64: "fixed64",
    descriptor_pb2.FieldDescriptorProto.TYPE_FIXED32: "fixed32",
    descriptor_pb2.FieldDescriptorProto.TYPE_BOOL: "bool",
    descriptor_pb2.FieldDescriptorProto.TYPE_STRING: "string",
    descriptor_pb2.FieldDescriptorProto.TYPE_BYTES: "bytes",
    descriptor_pb2.FieldDescriptorProto.TYPE_UINT32: "uint32",
    descriptor_pb2.FieldDescriptorProto.TYPE_SFIXED32: "sfixed32",
    descriptor_pb2.FieldDescriptorProto.TYPE_SFIXED64: "sfixed64",
    descriptor_pb2.FieldDescriptorProto.TYPE_SINT32: "sint32",
    descriptor_pb2.FieldDescriptorProto.TYPE_SINT64: "sint64",
}


def _comments(file: descriptor_pb2.FileDescriptorProto) -> dict[tuple[int, ...], str]:
    found = {}
    for location in file.source_code_info.location:
        text = location.leading_comments.strip()
        if text:
            found[tuple(location.path)] = " ".join(line.strip() for line in text.splitlines())
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|") or " "


def _type(field: descriptor_pb2.FieldDescriptorProto, package: str) -> str:
    if field.type in _SCALARS:
        name = _SCALARS[field.type]
    else:
        name = field.type_name.lstrip(".")
        if name.startswith(package + "."):
            name = name[len(package) + 1:]
    if field.label == descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED:
        return f"repeated {name}"
    return name


def _anchor(name: str) -> str:
    return name.lower().replace(".", "")


def _message(lines: list[str], message, path: tuple[int, ...], prefix: str, package: str,
             comments: dict) -> None:
    name = f"{prefix}{message.name}"
    lines += [f"### {name}", ""]
    if comments.get(path):
        lines += [comments[path], ""]
    if message.field:
        lines += ["| Field | Type | Number | Description |", "|---|---|---|---|"]
        for index, field in enumerate(message.field):
            description = comments.get(path + (_FIELD, index), "")
            if field.HasField("oneof_index") and not field.proto3_optional:
                description = (f"(one of `{message.oneof_decl[field.oneof_index].name}`) "
                               + description)
            lines.append(f"| `{field.name}` | `{_type(field, package)}` | {field.number} | "
                         f"{_cell(description)} |")
        lines.append("")
    for index, nested in enumerate(message.nested_type):
        if nested.options.map_entry:
            continue
        _message(lines, nested, path + (_NESTED, index), f"{name}.", package, comments)
    for index, enum in enumerate(message.enum_type):
        _enum(lines, enum, path + (_NESTED_ENUM, index), f"{name}.", comments)


def _enum(lines: list[str], enum, path: tuple[int, ...], prefix: str, comments: dict) -> None:
    lines += [f"### {prefix}{enum.name} (enum)", ""]
    if comments.get(path):
        lines += [comments[path], ""]
    lines += ["| Value | Number | Description |", "|---|---|---|"]
    for index, value in enumerate(enum.value):
        lines.append(f"| `{value.name}` | {value.number} | "
                     f"{_cell(comments.get(path + (_VALUE, index), ''))} |")
    lines.append("")


def render(descriptors: descriptor_pb2.FileDescriptorSet) -> str:
    """The Markdown reference of every aicmo file in ``descriptors``."""
    files = sorted((f for f in descriptors.file if f.package.startswith("aicmo.")),
                   key=lambda f: f.name)
    lines = ["# aicmo API reference", "",
             "Generated from `protos/` by `make proto` (tools/apidoc.py); do not edit. "
             "`make lint` fails when it is stale.", ""]
    for file in files:
        lines.append(f"- [`{file.package}`](#{_anchor(file.package)}) ({file.name})")
    lines.append("")
    for file in files:
        comments = _comments(file)
        lines += [f"## {file.package}", ""]
        header = comments.get((2,), "")  # the comment above `package`
        if header:
            lines += [header, ""]
        for s_index, service in enumerate(file.service):
            path = (_SERVICE, s_index)
            lines += [f"### {service.name} (service)", ""]
            if comments.get(path):
                lines += [comments[path], ""]
            lines += ["| Method | Request | Response | Description |", "|---|---|---|---|"]
            for m_index, method in enumerate(service.method):
                request = method.input_type.rsplit(".", 1)[-1]
                response = method.output_type.rsplit(".", 1)[-1]
                if method.client_streaming:
                    request = f"stream {request}"
                if method.server_streaming:
                    response = f"stream {response}"
                lines.append(f"| `{method.name}` | `{request}` | `{response}` | "
                             f"{_cell(comments.get(path + (_METHOD, m_index), ''))} |")
            lines.append("")
        for index, enum in enumerate(file.enum_type):
            _enum(lines, enum, (_ENUM, index), "", comments)
        for index, message in enumerate(file.message_type):
            _message(lines, message, (_MESSAGE, index), "", file.package, comments)
    return "\n".join(lines).rstrip() + "\n"
