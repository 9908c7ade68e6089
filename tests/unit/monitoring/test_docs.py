"""docs/metrics.md keeps up with appliance/metrics.py and the rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_metric_family_is_documented(doc: str, metric_families: dict[str, frozenset[str]]) -> None:
    # As `code`: the family (histograms) or one of its series (`_total`, `_info`, gauges).
    missing = sorted(
        f for f, series in metric_families.items() if not any(f"`{n}`" in doc for n in {f, *series})
    )
    assert missing == []


def test_every_rule_is_documented(doc: str, rules: list[dict[str, Any]]) -> None:
    names = [rule.get("alert") or rule["record"] for rule in rules]
    assert [name for name in names if name not in doc] == []
