"""Query planning: which trigrams must a file contain for a pattern to match in it?

A plan is a boolean formula over trigram keys (Russ Cox's codesearch, simplified): the
literal strings a regex requires become AND-ed trigrams, alternations become OR. The plan only
chooses candidate files; verification with the real regex decides, so a plan may be loose but
must never be strict. Anything the analysis does not understand therefore plans to ALL.

The analysis reads the pattern with Python's own regex parser. Where RE2's syntax parts from
Python's (POSIX classes, \\p{..}, \\Q..\\E, \\x{..}) the pattern is not analysed at all.
"""

from __future__ import annotations

import re
import re._constants as c
import re._parser as sre
from dataclasses import dataclass
from itertools import product
from typing import Any

from appliance.index.trigrams import fold, string_trigrams

MAX_EXACT = 64  # largest set of alternative strings tracked before giving up exactness
MAX_CLASS = 8  # largest character class expanded into alternatives
UNANALYSED = ("[:", "\\p", "\\P", "\\Q", "\\E", "\\C", "\\z", "\\x{", "(?U", "(?-")
# Letters whose case-insensitive matches include non-ASCII characters (ſ, K): unplannable with -i.
UNICODE_FOLDS = frozenset(b"ks")


@dataclass(frozen=True)
class Plan:
    op: str  # "all", "tri", "and", "or"
    trigram: bytes = b""
    args: tuple[Plan, ...] = ()

    def __str__(self) -> str:
        if self.op == "all":
            return "ALL"
        if self.op == "tri":
            return repr(self.trigram.decode("latin-1"))
        return "(" + f" {self.op.upper()} ".join(str(a) for a in self.args) + ")"


ALL = Plan("all")


def conj(*plans: Plan) -> Plan:
    args: list[Plan] = []
    for p in plans:
        if p.op == "and":
            args.extend(a for a in p.args if a not in args)
        elif p.op != "all" and p not in args:
            args.append(p)
    return ALL if not args else args[0] if len(args) == 1 else Plan("and", args=tuple(args))


def disj(*plans: Plan) -> Plan:
    if not plans or any(p.op == "all" for p in plans):
        return ALL
    args: list[Plan] = []
    for p in plans:
        for a in p.args if p.op == "or" else (p,):
            if a not in args:
                args.append(a)
    return args[0] if len(args) == 1 else Plan("or", args=tuple(args))


def strings_plan(strings: set[bytes]) -> Plan:
    """A file can match only if it holds one of `strings` (all already folded)."""
    return disj(*(conj(*(Plan("tri", t) for t in sorted(string_trigrams(s)))) for s in strings))


def plan_literal(text: str, ignore_case: bool) -> Plan:
    data = fold(text.encode("utf-8", "surrogateescape"))
    if ignore_case:
        return _plan_pieces(data)
    return strings_plan({data})


def _plan_pieces(data: bytes) -> Plan:
    """-i: the runs of `data` free of letters with non-ASCII case variants."""
    pieces: list[bytes] = []
    current = bytearray()
    for byte in data:
        if byte >= 0x80 or byte in UNICODE_FOLDS:
            pieces.append(bytes(current))
            current.clear()
        else:
            current.append(byte)
    pieces.append(bytes(current))
    return conj(*(strings_plan({p}) for p in pieces))


def plan_regex(pattern: str, ignore_case: bool) -> Plan:
    if any(token in pattern for token in UNANALYSED) or _python_warns(pattern):
        return ALL
    try:
        parsed = sre.parse(pattern)
    except (re.error, OverflowError, RecursionError, ValueError):
        return ALL
    folding = ignore_case or bool(parsed.state.flags & c.SRE_FLAG_IGNORECASE) or "(?" in pattern
    try:
        exact, plan = _Analysis(folding).sequence(list(parsed))
    except RecursionError:
        return ALL
    return conj(plan, strings_plan(exact)) if exact is not None else plan


def _python_warns(pattern: str) -> bool:
    """Whether Python's parser warns about a class of `pattern` (FutureWarning: a '[' right after
    the '[' that opens it, or a doubled '-', '&', '~' or '|' in it, future set syntax). RE2 reads
    these as plain characters; such patterns are left unanalysed rather than warn (or raise, where
    warnings are errors) from the engine. Scanning is cheaper than swapping the process's warning
    filters around each parse, which is not thread-safe."""
    i, n = 0, len(pattern)
    while i < n:
        if pattern[i] == "\\":
            i += 2
        elif pattern[i] == "[":
            j = i + 1
            if pattern.startswith("[", j):
                return True
            j += pattern.startswith("^", j)
            j += pattern.startswith("]", j)  # a ']' first in a class is a member
            while j < n and pattern[j] != "]":
                if pattern[j] == "\\":
                    j += 1
                elif pattern[j] in "-&~|" and pattern.startswith(pattern[j], j + 1):
                    return True
                j += 1
            i = j + 1
        else:
            i += 1
    return False


Exact = set[bytes] | None  # the strings a piece matches exactly, when known and few


class _Analysis:
    def __init__(self, folding: bool) -> None:
        self.folding = folding

    def sequence(self, items: list[tuple[object, object]]) -> tuple[Exact, Plan]:
        """A concatenation: join exact sets while they stay small, flush them into the plan otherwise."""
        plan = ALL
        exact: Exact = {b""}
        for item in items:
            piece_exact, piece_plan = self.item(item)
            plan = conj(plan, piece_plan)
            if exact is not None and piece_exact is not None and len(exact) * len(piece_exact) <= MAX_EXACT:
                exact = {a + b for a, b in product(exact, piece_exact)}
                continue
            if exact is not None:
                plan = conj(plan, strings_plan(exact))
            exact = piece_exact
        if exact is not None and plan.op != "all":
            return None, conj(plan, strings_plan(exact))
        return exact, plan

    def item(self, item: tuple[object, Any]) -> tuple[Exact, Plan]:
        op, arg = item  # sre's (opcode, argument); the argument's shape depends on the opcode
        if op is c.LITERAL:
            return self.char(int(arg)), ALL
        if op is c.IN:
            return self.char_class(arg), ALL
        if op is c.AT:
            return {b""}, ALL
        if op is c.SUBPATTERN:
            sub: Any = arg[3]  # (group, add flags, del flags, pattern)
            return self.sequence(list(sub))
        if op is c.BRANCH:
            alternatives: list[Any] = arg[1]  # (None, [pattern, ...])
            results = [self.sequence(list(alt)) for alt in alternatives]
            if all(e is not None for e, p in results if p.op == "all") and all(
                p.op == "all" for _, p in results
            ):
                union: set[bytes] = set()
                for e, _ in results:
                    union |= e or set()
                if len(union) <= MAX_EXACT:
                    return union, ALL
            return None, disj(*(conj(p, strings_plan(e)) if e is not None else p for e, p in results))
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, sub = arg
            if low == 0:
                return None, ALL
            exact, plan = self.sequence(list(sub))
            if low == high == 1:
                return exact, plan
            return None, conj(plan, strings_plan(exact)) if exact is not None else plan
        return None, ALL  # ANY, NOT_LITERAL, CATEGORY, groups we do not model

    def char(self, code: int) -> Exact:
        data = fold(chr(code).encode("utf-8", "surrogatepass"))
        if self.folding and (code >= 0x80 or data[0] in UNICODE_FOLDS):
            return None
        return {data}

    def char_class(self, members: list[tuple[object, object]]) -> Exact:
        chars: set[bytes] = set()
        for op, arg in members:
            if op is c.LITERAL:
                one = self.char(int(arg))  # type: ignore[call-overload]
                if one is None:
                    return None
                chars |= one
            elif op is c.RANGE and int(arg[1]) - int(arg[0]) < MAX_CLASS:  # type: ignore[index]
                for code in range(int(arg[0]), int(arg[1]) + 1):  # type: ignore[index]
                    one = self.char(code)
                    if one is None:
                        return None
                    chars |= one
            else:  # NEGATE, CATEGORY, wide ranges
                return None
        return chars if 0 < len(chars) <= MAX_CLASS else None
