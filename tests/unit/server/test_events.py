"""The event store behind resumable streams: replay after an id, per stream, within its bound."""

from __future__ import annotations

import pytest
from mcp.server.streamable_http import EventMessage
from mcp_types import JSONRPCNotification

from appliance.server.events import MemoryEventStore

pytestmark = pytest.mark.anyio


def note(n: int) -> JSONRPCNotification:
    return JSONRPCNotification(jsonrpc="2.0", method="notifications/progress", params={"n": n})


async def replay(store: MemoryEventStore, after: str) -> tuple[str | None, list[int]]:
    seen: list[EventMessage] = []

    async def send(event: EventMessage) -> None:
        seen.append(event)

    stream = await store.replay_events_after(after, send)
    return stream, [e.message.params["n"] for e in seen]  # type: ignore[union-attr,index]


async def test_replays_what_followed_in_the_same_stream_only() -> None:
    store = MemoryEventStore()
    assert store  # an empty store is still a store (the SDK tests its truth)
    priming = await store.store_event("a", None)
    ids = [await store.store_event("a", note(n)) for n in range(3)]
    await store.store_event("b", note(99))
    assert await replay(store, priming) == ("a", [0, 1, 2])
    assert await replay(store, ids[1]) == ("a", [2])
    assert await replay(store, ids[2]) == ("a", [])
    assert await replay(store, "not-an-id") == (None, [])
    assert len(set(ids)) == 3 and all(len(i) >= 20 for i in ids)  # unguessable


async def test_oldest_events_go_first_when_full() -> None:
    store = MemoryEventStore(max_events=4)
    first = await store.store_event("a", note(0))
    ids = [await store.store_event(s, note(n)) for n, s in enumerate("abab", start=1)]
    assert store.size == 4
    assert await replay(store, first) == (None, [])
    assert await replay(store, ids[0]) == ("a", [3])
    for n in range(10):
        await store.store_event("c", note(n))
    assert store.size == 4


async def test_events_older_than_a_minute_go() -> None:
    now = [0.0]
    store = MemoryEventStore(max_age=60, clock=lambda: now[0])
    old = await store.store_event("a", note(0))
    now[0] = 30.0
    recent = await store.store_event("b", note(1))
    now[0] = 61.0
    await store.store_event("b", note(2))
    assert store.size == 2
    assert await replay(store, old) == (None, [])
    assert await replay(store, recent) == ("b", [2])
