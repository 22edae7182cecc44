"""A cheap look at a file's bytes before libcst sees them: nesting that would crash
libcst's native parser, or chains of operators it takes minutes on, are refused.

libcst's parser recurses natively on nested brackets (5,000 parentheses overflow its
stack) and its time grows much faster than linearly with the length of a chain that
nests to the left (`a + a + ...`, `a.b.c...`, `f()()...`, `x if c else ...`): 1,000
terms take a fraction of a second, 4,000 take ten. The scan counts, at each bracket
level, the operators of each precedence since the last separator (a lower-precedence
operator ends the chains of the higher ones, as in the syntax tree), and refuses a
file where the estimated depth passes a bound. CPython refuses more than 200 nested
brackets too, so no valid file is refused for its brackets.

Most files are cleared by a bound computed in C (bytes.translate and friends, about
30 ns a byte); only a file that passes it is scanned token by token.
"""

from __future__ import annotations

import re
from itertools import accumulate
from types import MappingProxyType

MAX_BRACKETS = 200
MAX_CHAIN = 1000

_TOKEN = re.compile(
    rb"""
    (?P<skip>\#[^\r\n]*|\\\r?\n
      |(?:'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
        |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*"))
    |(?P<number>\d[\w.]*(?:[eE][-+][\w.]*)?|\.\d[\w.]*)
    |(?P<word>[A-Za-z_\x80-\xff][\w\x80-\xff]*)
    |(?P<open>[(\[{])|(?P<close>[)\]}])
    |(?P<other>[=!<>]=|->|:=|\.\.\.|(?:\*\*|//|<<|>>|[-+*/%@&|^])=)
    |(?P<op>\*\*|//|<<|>>|[-+*/%@&|^~.])
    |(?P<compare>[<>])
    |(?P<reset>[,;:=\n])
    """,
    re.VERBOSE | re.DOTALL,
)
# Precedence of each chaining operator (higher binds tighter); prefix forms apart.
_BINARY = MappingProxyType({
    b"if": 0, b"or": 1, b"and": 2, b"|": 5, b"^": 6, b"&": 7, b"<<": 8, b">>": 8,
    b"+": 9, b"-": 9, b"*": 10, b"/": 10, b"//": 10, b"%": 10, b"@": 10, b"**": 12,
    b".": 13, b"(": 13, b"[": 13,
})  # fmt: skip
_PREFIX = MappingProxyType({b"not": 3, b"-": 11, b"+": 11, b"~": 11, b"await": 13})
_KEYWORDS = frozenset(
    b"and as assert async await break class continue def del elif else except finally for"
    b" from global if import in is lambda nonlocal not or pass raise return try while"
    b" with yield".split()
)
_LEVELS = 14
_BRACKETS = b"()[]{}"
_NOT_BRACKETS = bytes(c for c in range(256) if c not in _BRACKETS)
_DELTA = MappingProxyType(
    {ord("("): 1, ord("["): 1, ord("{"): 1, ord(")"): -1, ord("]"): -1, ord("}"): -1}
)
_CHAINING = b"+-*/%@&|^~.([,;:="
_NOT_CHAINING = bytes(c for c in range(256) if c not in _CHAINING)
_SEPARATOR = re.compile(rb"[,;:=]")


def too_complex(data: bytes) -> str | None:
    """Why libcst should not be given `data`, or None."""
    return _scan(data) if _maybe_complex(data) else None


def _maybe_complex(data: bytes) -> bool:
    """False if the file is certainly within the bounds (strings and comments count
    as code here, so this errs towards a closer look)."""
    depths = list(accumulate(map(_DELTA.__getitem__, data.translate(None, _NOT_BRACKETS))))
    if depths and max(depths) - min(0, min(depths)) > MAX_BRACKETS:
        return True
    operators = data.replace(b" if ", b" + ").translate(None, _NOT_CHAINING)
    return max(map(len, _SEPARATOR.split(operators))) > MAX_CHAIN


def _scan(data: bytes) -> str | None:
    stack: list[list[int]] = [[0] * _LEVELS]
    total = 0  # the estimated depth of the syntax tree at this point
    operand = False  # whether the previous token ends an operand
    for match in _TOKEN.finditer(data):
        kind = match.lastgroup
        token = match.group()
        if kind == "skip":
            if token[:1] not in (b"#", b"\\"):
                operand = True
            continue
        precedence = None
        if kind == "word":
            if token not in _KEYWORDS:
                operand = True
                continue
            precedence = (_BINARY if operand else _PREFIX).get(token)
            operand = False
        elif kind == "number":
            operand = True
            continue
        elif kind == "op":
            precedence = (_BINARY if operand else _PREFIX).get(token)
            operand = False
        elif kind == "open":
            # After an operand: a call or a subscript, one more link of the chain.
            precedence = _BINARY[b"("] if operand else None
        elif kind == "close":
            if len(stack) > 1:
                total -= sum(stack.pop()) + 1
            operand = True
            continue
        elif token == b"\n" and len(stack) > 1:
            continue  # a line break inside brackets ends nothing
        else:  # a separator, or an operator that does not chain
            operand = False
            if kind == "reset":
                counts = stack[-1]
                total -= sum(counts)
                counts[:] = [0] * _LEVELS
            continue
        if precedence is not None:
            counts = stack[-1]
            for tighter in range(precedence + 1, _LEVELS):
                total -= counts[tighter]
                counts[tighter] = 0
            counts[precedence] += 1
            total += 1
        if kind == "open":
            stack.append([0] * _LEVELS)
            total += 1
            operand = False
            if len(stack) > MAX_BRACKETS + 1:
                return f"too deeply nested to analyse (more than {MAX_BRACKETS} nested brackets)"
        if total > MAX_CHAIN:
            return (
                f"too deeply nested to analyse (an expression chains more than {MAX_CHAIN}"
                " operators)"
            )
    return None
