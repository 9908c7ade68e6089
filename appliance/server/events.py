"""Resumable SSE streams: the last events of each stream, in memory, bounded.

With an event store the SDK sends each POST stream a priming event (an id and empty data) and
numbers every event, so a client whose stream broke, or that the server closed to make it poll,
reconnects with `Last-Event-ID` and gets what it missed. Event ids are random: the store is shared
by every session, and an id must not let one client guess its way into another's stream.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from mcp.server.streamable_http import EventCallback, EventId, EventMessage, EventStore, StreamId
from mcp_types import JSONRPCMessage

MAX_EVENTS = 1000  # across all streams; the oldest go first
MAX_AGE = 60.0  # seconds: a client resumes within its retry interval (1 s) or not at all


class MemoryEventStore(EventStore):
    """Bounded by count and by age, so that memory stays flat however many answers flow through.

    Every method runs on the event loop and never awaits while it changes the store, so no lock is
    needed."""

    def __init__(
        self,
        max_events: int = MAX_EVENTS,
        max_age: float = MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_events = max_events
        self.max_age = max_age
        self.clock = clock
        self._events: OrderedDict[EventId, tuple[float, StreamId, JSONRPCMessage | None]] = OrderedDict()
        self._streams: dict[StreamId, deque[EventId]] = {}

    @property
    def size(self) -> int:  # not __len__: the SDK tests `if not event_store`, and an empty store must pass
        return len(self._events)

    async def store_event(self, stream_id: StreamId, message: JSONRPCMessage | None) -> EventId:
        event_id = secrets.token_urlsafe(16)
        now = self.clock()
        self._events[event_id] = (now, stream_id, message)
        self._streams.setdefault(stream_id, deque()).append(event_id)
        while self._events and (
            len(self._events) > self.max_events or next(iter(self._events.values()))[0] < now - self.max_age
        ):
            self._drop_oldest()
        return event_id

    async def replay_events_after(
        self, last_event_id: EventId, send_callback: EventCallback
    ) -> StreamId | None:
        found = self._events.get(last_event_id)
        if found is None:
            return None
        stream_id = found[1]
        ids = list(self._streams.get(stream_id, ()))
        missed = [(i, self._events[i][2]) for i in ids[ids.index(last_event_id) + 1 :]]
        for event_id, message in missed:
            if message is not None:
                await send_callback(EventMessage(message, event_id))
        return stream_id

    def _drop_oldest(self) -> None:
        _, (_, stream, _) = self._events.popitem(last=False)
        ids = self._streams[stream]
        ids.popleft()  # a stream's oldest event is the oldest of all its events
        if not ids:
            del self._streams[stream]
