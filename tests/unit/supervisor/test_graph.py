"""Dependency ordering: After=/Before= order, Requires=/Wants= pull in, errors for cycles and
missing required units."""

from __future__ import annotations

import itertools
import logging

import pytest

from appliance.errors import ConfigError
from appliance.supervisor.graph import Graph
from appliance.supervisor.model import Command, Unit


def unit(name: str, **deps: tuple[str, ...]) -> Unit:
    return Unit(name=f"{name}.service", path=f"units/{name}.service", exec_start=(Command(("/x",)),), **deps)


def test_start_order_is_topological_and_stop_order_reverse() -> None:
    graph = Graph([
        unit("grafana", after=("prometheus.service",)),
        unit("prometheus", after=("alertmanager.service", "appliance-server.service")),
        unit("alertmanager"),
        unit("appliance-server", after=("appliance-indexer.service",)),
        unit("appliance-indexer"),
    ])
    order = graph.start_order()
    for first, then in [
        ("alertmanager", "prometheus"),
        ("appliance-server", "prometheus"),
        ("appliance-indexer", "appliance-server"),
        ("prometheus", "grafana"),
    ]:
        assert order.index(f"{first}.service") < order.index(f"{then}.service")
    assert graph.stop_order() == order[::-1]


def test_ties_are_broken_by_name() -> None:
    assert Graph([unit("c"), unit("a"), unit("b")]).start_order() == ["a.service", "b.service", "c.service"]


def test_before_orders_like_after_the_other_way() -> None:
    graph = Graph([unit("a"), unit("b", before=("a.service",))])
    assert graph.start_order() == ["b.service", "a.service"]
    assert graph.after("a.service") == {"b.service"}
    assert graph.before("b.service") == {"a.service"}


def test_requires_and_wants_do_not_order() -> None:
    graph = Graph([unit("a", requires=("b.service",), wants=("c.service",)), unit("b"), unit("c")])
    assert graph.start_order() == ["a.service", "b.service", "c.service"]
    assert graph.after("a.service") == set()


def test_after_a_missing_unit_is_ignored() -> None:
    assert Graph([unit("a", after=("network.target",))]).start_order() == ["a.service"]


def test_wants_a_missing_unit_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        Graph([unit("a", wants=("gone.service",))])
    assert "units/a.service: Wants=gone.service: no such unit, ignored" in caplog.messages


def test_requires_a_missing_unit_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"^units/a.service: Requires=gone.service: no such unit$"):
        Graph([unit("a", requires=("gone.service",))])


def test_a_cycle_is_an_error_naming_it() -> None:
    units = [
        unit("a", after=("c.service",)),
        unit("b", after=("a.service",)),
        unit("c", after=("b.service",)),
        unit("d", after=("a.service",)),
    ]
    with pytest.raises(ConfigError) as caught:
        Graph(units)
    message = str(caught.value)
    assert "ordering cycle" in message
    cycle = message.split("ordering cycle: ")[1].split(" -> ")
    assert cycle[0] == cycle[-1]
    assert sorted(cycle[:-1]) == ["a.service", "b.service", "c.service"]
    # each step of the cycle is an ordering: the next unit is After= the previous one
    by_name = {u.name: u for u in units}
    for first, then in itertools.pairwise(cycle):
        assert first in by_name[then].after


def test_a_unit_after_itself_is_a_cycle() -> None:
    with pytest.raises(ConfigError, match=r"ordering cycle: a\.service -> a\.service"):
        Graph([unit("a", after=("a.service",))])


def test_duplicate_names_are_an_error() -> None:
    with pytest.raises(ConfigError, match="defined twice"):
        Graph([unit("a"), unit("a")])


def test_pulled_in_and_required_by_are_transitive() -> None:
    graph = Graph([
        unit("web", requires=("db.service",), wants=("cache.service",), after=("db.service",)),
        unit("db", requires=("disk.service",), after=("disk.service",)),
        unit("disk"),
        unit("cache"),
        unit("other"),
    ])
    assert graph.pulled_in("web.service") == ["cache.service", "disk.service", "db.service", "web.service"]
    assert graph.required_by("disk.service") == ["web.service", "db.service", "disk.service"]
    assert graph.required_by("cache.service") == ["cache.service"]
