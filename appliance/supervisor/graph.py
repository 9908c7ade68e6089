"""Dependencies between units: ordering from After=/Before=, pulling in from Requires=/Wants=.

As in systemd, only After= and Before= order; Requires= and Wants= say which units go together.
A unit After= a unit that does not exist is not ordered (systemd ignores it too); a Requires= on a
missing unit, or an ordering cycle, is a ConfigError.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterable

from appliance.errors import ConfigError
from appliance.supervisor.model import Unit

log = logging.getLogger(__name__)


class Graph:
    def __init__(self, units: Iterable[Unit]) -> None:
        self.units: dict[str, Unit] = {}
        for unit in units:
            if unit.name in self.units:
                raise ConfigError(f"{unit.path}: unit {unit.name} is defined twice")
            self.units[unit.name] = unit
        # before[a] = units that wait for a (After=a, or a says Before= them)
        self._before: dict[str, set[str]] = {name: set() for name in self.units}
        self._after: dict[str, set[str]] = {name: set() for name in self.units}
        for unit in self.units.values():
            for dep in unit.requires:
                if dep not in self.units:
                    raise ConfigError(f"{unit.path}: Requires={dep}: no such unit")
            for dep in unit.wants:
                if dep not in self.units:
                    log.warning("%s: Wants=%s: no such unit, ignored", unit.path, dep)
            for dep in unit.after:
                self._order(dep, unit.name)
            for dep in unit.before:
                self._order(unit.name, dep)
        self._start_order = self._sort()

    def _order(self, first: str, then: str) -> None:
        if first in self.units and then in self.units:
            self._before[first].add(then)
            self._after[then].add(first)

    def _sort(self) -> list[str]:
        """Kahn's algorithm; ties go by name so the order is the same on every run."""
        waiting = {name: len(deps) for name, deps in self._after.items()}
        ready = [name for name, count in waiting.items() if count == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            name = heapq.heappop(ready)
            order.append(name)
            for then in self._before[name]:
                waiting[then] -= 1
                if waiting[then] == 0:
                    heapq.heappush(ready, then)
        if len(order) < len(self.units):
            cycle = self._find_cycle({name for name, count in waiting.items() if count > 0})
            unit = self.units[cycle[0]]
            raise ConfigError(f"{unit.path}: ordering cycle: {' -> '.join(cycle)}")
        return order

    def _find_cycle(self, stuck: set[str]) -> list[str]:
        # Every unit left over waits for another left-over unit: walk back until a name repeats.
        path = [min(stuck)]
        while True:
            previous = min(self._after[path[-1]] & stuck)
            if previous in path:
                cycle = [*path[path.index(previous) :], previous]
                return cycle[::-1]
            path.append(previous)

    def start_order(self) -> list[str]:
        return list(self._start_order)

    def stop_order(self) -> list[str]:
        return self._start_order[::-1]

    def after(self, name: str) -> set[str]:
        """The units `name` waits for when both start."""
        return set(self._after[name])

    def before(self, name: str) -> set[str]:
        """The units that wait for `name` when both start; they stop before it."""
        return set(self._before[name])

    def pulled_in(self, name: str) -> list[str]:
        """`name` and what it Requires= or Wants=, transitively, in start order."""
        seen = {name}
        todo = [name]
        while todo:
            unit = self.units[todo.pop()]
            for dep in (*unit.requires, *unit.wants):
                if dep in self.units and dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        return [n for n in self._start_order if n in seen]

    def required_by(self, name: str) -> list[str]:
        """`name` and the units that Require= it, transitively, in stop order (they stop with it)."""
        seen = {name}
        todo = [name]
        while todo:
            dep = todo.pop()
            for unit in self.units.values():
                if dep in unit.requires and unit.name not in seen:
                    seen.add(unit.name)
                    todo.append(unit.name)
        return [n for n in self.stop_order() if n in seen]
