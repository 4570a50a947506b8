"""The REST edge's nesting scan answers exactly like a plain bracket counter (issue 16 made it fast).

The reference is the scan it replaced: a counter over brackets that skips strings and the
character after a backslash inside one. Random texts over the six characters that matter (plus a
few that do not) must get the same answer, valid JSON or not.
"""

from __future__ import annotations

import json
import random
import re

from wwiseflowd.api.security import json_nesting_exceeds
from wwiseflowd.documents import MAX_NESTING

_STRUCTURE = re.compile(rb'[\[\]{}"\\]')


def counted(body: bytes, limit: int) -> bool:
    depth, in_string, skip_at = 0, False, -1
    for match in _STRUCTURE.finditer(body):
        if match.start() == skip_at:
            continue
        char = match.group()
        if in_string:
            if char == b"\\":
                skip_at = match.end()
            elif char == b'"':
                in_string = False
        elif char == b'"':
            in_string = True
        elif char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


def test_random_texts_get_the_counters_answer() -> None:
    rng = random.Random(16)
    pieces = [b"[", b"]", b"{", b"}", b'"', b"\\", b"\\\\", b'\\"', b"a", b",", b":", b" ", b"\n",
              b"\xc3\xa9"]
    for _ in range(20_000):
        body = b"".join(rng.choice(pieces) for _ in range(rng.randrange(40)))
        limit = rng.randrange(6)
        assert json_nesting_exceeds(body, limit) == counted(body, limit), (body, limit)


def test_brackets_inside_strings_and_escapes_do_not_count() -> None:
    deep = "[" * (MAX_NESTING + 5)
    assert not json_nesting_exceeds(json.dumps({"name": deep, "path": "\\Actor-Mixer\\" + deep}).encode())
    assert not json_nesting_exceeds(json.dumps({"quote": '\\"' + deep}).encode())
    nested: object = []
    for _ in range(MAX_NESTING - 1):  # [] is one level
        nested = [nested]
    assert json_nesting_exceeds(json.dumps({"a": nested}).encode())
    assert not json_nesting_exceeds(json.dumps(nested).encode())  # exactly the limit is allowed


def test_an_unterminated_string_hides_the_rest_as_the_counter_does() -> None:
    body = b'{"a": "open ' + b"[" * 200
    assert json_nesting_exceeds(body) == counted(body, MAX_NESTING) is False
    assert json_nesting_exceeds(b'{"a": "x\\' + b"[" * 200) is False


def test_nested_documents_around_the_limit_get_the_counters_answer() -> None:
    """Real JSON of every depth up to twice the limit, arrays and objects mixed at random, with
    siblings: the quick pass that peels the innermost pairs must never call a deep one shallow."""
    rng = random.Random(64)

    def nested(depth: int) -> object:
        if depth == 0:
            return rng.choice([1, "x", "[{", None])
        siblings = rng.choice([1, 2]) if depth < 6 else 1  # wide near the leaves only: stays small
        inner = [nested(depth - 1) for _ in range(siblings)]
        return inner if rng.random() < 0.5 else {f"k{i}": value for i, value in enumerate(inner)}

    for limit in (MAX_NESTING, 7, 8):
        for depth in range(2 * limit + 2):
            body = json.dumps(nested(depth)).encode()
            expected = depth > limit
            assert json_nesting_exceeds(body, limit) == counted(body, limit) == expected, (limit, depth)


def test_a_nest_that_alternates_arrays_and_objects_is_not_peeled_too_far() -> None:
    """``{[{[...]}]}`` loses two levels per peeling pass: a body one level over an odd limit must
    still be found too deep (it is, with ``limit // 2`` passes; ``(limit + 1) // 2`` would clear it)."""
    for limit in (3, 7, 15):
        body = b"".join(b"[{"[i % 2 : i % 2 + 1] for i in range(limit + 1))
        body += b"".join(b"]}"[i % 2 : i % 2 + 1] for i in reversed(range(limit + 1)))
        assert json_nesting_exceeds(body, limit) is True == counted(body, limit), body
        assert json_nesting_exceeds(body[1:-1], limit) is False, body
