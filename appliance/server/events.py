"""Resumable SSE streams: the last events of each stream, in memory, bounded.

With an event store the SDK sends each POST stream a priming event (an id and empty data) and
numbers every event, so a client whose stream broke, or that the server closed to make it poll,
reconnects with `Last-Event-ID` and gets what it missed. Event ids are random: the store is shared
by every session, and an id must not let one client guess its way into another's stream.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict, deque

import anyio
from mcp.server.streamable_http import EventCallback, EventId, EventMessage, EventStore, StreamId
from mcp_types import JSONRPCMessage

MAX_EVENTS = 2000  # across all streams; the oldest go first


class MemoryEventStore(EventStore):
    def __init__(self, max_events: int = MAX_EVENTS) -> None:
        self.max_events = max_events
        self._events: OrderedDict[EventId, tuple[StreamId, JSONRPCMessage | None]] = OrderedDict()
        self._streams: dict[StreamId, deque[EventId]] = {}
        self._lock = anyio.Lock()

    @property
    def size(self) -> int:  # not __len__: the SDK tests `if not event_store`, and an empty store must pass
        return len(self._events)

    async def store_event(self, stream_id: StreamId, message: JSONRPCMessage | None) -> EventId:
        event_id = secrets.token_urlsafe(16)
        async with self._lock:
            self._events[event_id] = (stream_id, message)
            self._streams.setdefault(stream_id, deque()).append(event_id)
            while len(self._events) > self.max_events:
                _, (old_stream, _) = self._events.popitem(last=False)
                ids = self._streams[old_stream]
                ids.popleft()  # a stream's oldest event is the oldest of all its events
                if not ids:
                    del self._streams[old_stream]
        return event_id

    async def replay_events_after(
        self, last_event_id: EventId, send_callback: EventCallback
    ) -> StreamId | None:
        async with self._lock:
            found = self._events.get(last_event_id)
            if found is None:
                return None
            stream_id = found[0]
            ids = list(self._streams.get(stream_id, ()))
            after = ids[ids.index(last_event_id) + 1 :]
            missed = [(i, self._events[i][1]) for i in after]
        for event_id, message in missed:
            if message is not None:
                await send_callback(EventMessage(message, event_id))
        return stream_id
