"""Walking a List call's pages (AIP-158) up to a limit the user chose."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from google.protobuf.message import Message

PAGE_SIZE = 200


def every_item(call: Callable[[Message], Message], request: Message, items_field: str,
               limit: int | None = None) -> Iterator[Message]:
    """Yields the items of every page until the last page or ``limit`` items."""
    given = 0
    while True:
        if hasattr(request, "page_size"):
            request.page_size = PAGE_SIZE if limit is None else min(PAGE_SIZE, limit - given)
        response = call(request)
        for item in getattr(response, items_field):
            yield item
            given += 1
            if limit is not None and given >= limit:
                return
        token = getattr(response, "next_page_token", "")
        if not token:
            return
        request.page_token = token
