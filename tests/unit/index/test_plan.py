"""The planner: which trigrams a file must hold. A plan may be loose, never strict.

The property tests check exactly that: whenever RE2 (compiled as the searcher compiles it) matches
a line, the line's own trigrams satisfy the plan.
"""

from __future__ import annotations

import re
import warnings

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from appliance.errors import UsageError
from appliance.index.plan import ALL, UNICODE_FOLDS, Plan, conj, disj, plan_literal, plan_regex
from appliance.index.search import SearchQuery, compile_pattern
from appliance.index.trigrams import file_trigrams, key


def satisfied(plan: Plan, trigrams: set[bytes]) -> bool:
    """Whether a file holding exactly `trigrams` is a candidate under `plan`."""
    if plan.op == "all":
        return True
    if plan.op == "tri":
        return plan.trigram in trigrams
    if plan.op == "and":
        return all(satisfied(a, trigrams) for a in plan.args)
    assert plan.op == "or", plan
    return any(satisfied(a, trigrams) for a in plan.args)


def trigrams_of(text: str | bytes) -> set[bytes]:
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    return {key(int(c)) for c in file_trigrams(data)}


def tri(t: str) -> Plan:
    return Plan("tri", t.encode())


# Plans of known shape.


def test_literal_plan_is_the_and_of_its_folded_trigrams() -> None:
    assert plan_literal("Hello", ignore_case=False) == conj(tri("ell"), tri("hel"), tri("llo"))
    assert plan_literal("hello", ignore_case=True) == plan_literal("HELLO", ignore_case=False)


def test_short_literals_plan_to_all() -> None:
    assert plan_literal("ab", ignore_case=False) == ALL
    assert plan_regex("ab", ignore_case=False) == ALL


def test_ignore_case_splits_at_letters_with_non_ascii_case_variants() -> None:
    # "k" also matches the Kelvin sign, "s" the long s: no trigram may hold them under -i.
    plan = plan_literal("Make_the_rules", ignore_case=True)
    assert plan == plan_literal("e_the_rule", ignore_case=False)  # the run between "k" and "s"
    assert plan_literal("makes_sense", ignore_case=True) == ALL  # no run of three
    # Without -i the whole literal is planned.
    assert tri("mak") in _leaves(plan_literal("makes_sense", ignore_case=False))


def test_non_ascii_literal_is_planned_by_its_utf8_bytes() -> None:
    plan = plan_literal("café", ignore_case=False)
    assert Plan("tri", "afé".encode()[:3]) in _leaves(plan)
    assert plan_literal("café", ignore_case=True) == conj(tri("caf"))


def test_alternation_plans_to_or() -> None:
    plan = plan_regex("hello|world", ignore_case=False)
    assert plan.op == "or"
    assert satisfied(plan, trigrams_of("say hello"))
    assert satisfied(plan, trigrams_of("the world"))
    assert not satisfied(plan, trigrams_of("nothing"))


def test_class_expansion_and_concatenation() -> None:
    plan = plan_regex("ab[cd]ef", ignore_case=False)
    assert satisfied(plan, trigrams_of("abcef")) and satisfied(plan, trigrams_of("abdef"))
    assert not satisfied(plan, trigrams_of("abxef"))


def test_required_pieces_around_wildcards_are_kept() -> None:
    plan = plan_regex(r"foo\w+bar", ignore_case=False)
    assert satisfied(plan, trigrams_of("fooXbar"))
    assert not satisfied(plan, trigrams_of("foo only"))
    assert not satisfied(plan, trigrams_of("only bar"))


@pytest.mark.parametrize(
    "pattern",
    [".*", "a*", "(abc)?", "abc|.", r"\w+", "[^a]bc", r"\pL+", "[[:alpha:]]+", r"\Qa.b\E", "(?U)abc+"],
)
def test_patterns_that_require_nothing_plan_to_all(pattern: str) -> None:
    assert plan_regex(pattern, ignore_case=False) == ALL


@pytest.mark.parametrize("pattern", ["[[a]bcd", "abc[a--]", "x[&&]yz", "[||]abc"])
def test_classes_python_warns_about_plan_to_all_without_a_warning(pattern: str) -> None:
    """Python's parser warns (FutureWarning, an error under -W error) where RE2 sees characters."""
    assert plan_regex(pattern, ignore_case=False) == ALL


def test_unparseable_pattern_plans_to_all() -> None:
    assert plan_regex("(?<name>abc)(", ignore_case=False) == ALL


def test_conj_and_disj_simplify() -> None:
    a, b = tri("abc"), tri("bcd")
    assert conj() == ALL and conj(ALL, a) == a and conj(a, conj(a, b)) == conj(a, b)
    assert disj(a, ALL) == ALL and disj(a, a) == a and disj() == ALL


def _leaves(plan: Plan) -> list[Plan]:
    if plan.op == "tri":
        return [plan]
    return [leaf for a in plan.args for leaf in _leaves(a)]


# The property: never stricter than the regex.

# Letters with non-ASCII case partners (K: Kelvin sign, ſ: long s), dotted and dotless i, Latin letters.
LINE_ALPHABET = "abcksABCKS_ 019.-ſKİıéÉßẞ\t"


def _literal_char() -> st.SearchStrategy[str]:
    return st.sampled_from("abcksABCKSéÉſK_ 01.-").map(lambda ch: "\\" + ch if ch in ".-" else ch)


ATOMS = st.one_of(
    _literal_char(),
    _literal_char(),
    _literal_char(),
    st.sampled_from(
        [
            ".",
            r"\w",
            r"\W",
            r"\d",
            r"\s",
            r"\S",
            "[a-c]",
            "[^a]",
            "[kK]",
            "[a-z]",
            "[0-9]",
            "[ab_]",
            "[s-u]",
            r"\b",
            "^",
            "$",
            "[é]",
            "[ſs]",
            r"\x41",
            r"\.",
            # Classes Python's parser warns about (future set syntax); plain characters to RE2.
            "[[a]",
            "[a&&b]",
            "[~~k]",
            "[a||b]",
            "[+--]",
            "[]a]",
            "[^]a]",
            "[-a]",
            "[a-]",
        ]
    ),
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(children, min_size=2, max_size=4).map("".join),
        st.lists(children, min_size=2, max_size=3).map("|".join),
        children.map(lambda r: f"({r})"),
        children.map(lambda r: f"(?:{r})"),
        children.map(lambda r: f"(?i:{r})"),
        st.tuples(children, st.sampled_from(["*", "+", "?", "{2}", "{1,3}", "{0,2}", "*?", "+?"])).map(
            lambda t: f"(?:{t[0]}){t[1]}"
        ),
    )


REGEXES = st.recursive(ATOMS, _combine, max_leaves=12)
PATTERNS = st.one_of(REGEXES, REGEXES.map(lambda r: "(?i)" + r))


def _lines_for(pattern_text: str) -> st.SearchStrategy[str]:
    """Random lines, lines of the pattern's own letters, and strings Python's `re` says match."""
    letters = "".join(ch for ch in pattern_text if ch.isalnum() or ch in "_ ") or "a"
    options = [
        st.text(alphabet=LINE_ALPHABET, max_size=30),
        st.text(alphabet=letters + letters.swapcase() + " _", max_size=30),
    ]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # future set syntax: Python warns, hypothesis would too
            re.compile(pattern_text)
    except (re.error, FutureWarning):
        pass
    else:  # a generator only: RE2 still decides whether the line matches
        options.append(st.from_regex(pattern_text).map(lambda s: s.replace("\n", " ")))
    return st.one_of(options)


def check_regex_plan(pattern: str, ignore_case: bool, line: str) -> bool | None:
    """Whether RE2 matched `line` (None: RE2 refuses the pattern); fails if the plan rejects a match."""
    try:
        regex = compile_pattern(SearchQuery(pattern, regex=True, ignore_case=ignore_case))
    except UsageError:
        return None
    data = line.encode("utf-8")
    if regex.search(data) is None:
        return False
    plan = plan_regex(pattern, ignore_case)
    assert satisfied(plan, trigrams_of(data)), f"plan {plan} rejects {line!r}, which {pattern!r} matches"
    return True


@pytest.mark.parametrize("line", ["MAKEſ", "maKes", "MAKES"])
def test_ignore_case_regex_plan_admits_the_long_s_and_kelvin_sign(line: str) -> None:
    assert check_regex_plan("makes", True, line)
    assert check_regex_plan("(?i)makes", False, line)
    assert check_regex_plan("x?(?i:makes)", False, line)


@settings(max_examples=600, deadline=None)
@given(st.data(), PATTERNS, st.booleans())
def test_regex_plan_is_never_stricter_than_re2(data: st.DataObject, pattern: str, ignore_case: bool) -> None:
    matched = check_regex_plan(pattern, ignore_case, data.draw(_lines_for(pattern), label="line"))
    assume(matched is not None)
    event(f"RE2 matched: {matched}")


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=LINE_ALPHABET, min_size=1, max_size=12),
    st.text(alphabet=LINE_ALPHABET, max_size=20),
    st.booleans(),
    st.booleans(),
)
def test_literal_plan_is_never_stricter_than_re2(
    literal: str, around: str, ignore_case: bool, swap: bool
) -> None:
    line = around[:5] + (literal.swapcase() if swap else literal) + around[5:]
    regex = compile_pattern(SearchQuery(literal, ignore_case=ignore_case))
    if regex.search(line.encode()) is None:
        return
    plan = plan_literal(literal, ignore_case)
    assert satisfied(plan, trigrams_of(line)), f"plan {plan} rejects {line!r}, which {literal!r} matches"


def test_no_ascii_letter_but_k_and_s_folds_to_non_ascii_in_re2() -> None:
    """The planner's UNICODE_FOLDS, checked against RE2 itself over every non-ASCII code point."""
    text = "".join(chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c < 0xE000).encode()
    folding = {
        letter
        for letter in "abcdefghijklmnopqrstuvwxyz"
        if compile_pattern(SearchQuery(letter, ignore_case=True)).search(text) is not None
    }
    assert folding == {chr(b) for b in UNICODE_FOLDS}
