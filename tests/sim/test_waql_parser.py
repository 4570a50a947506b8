"""WAQL lexer and parser: every construct parses right; every rejection names its token and position."""

from __future__ import annotations

import re

import pytest

from wwiseflowd.sim.waql import WaqlError, parse
from wwiseflowd.sim.waql.lexer import Kind, tokenize
from wwiseflowd.sim.waql.nodes import (
    Accessor,
    And,
    BoolLit,
    Compare,
    Distinct,
    ListCall,
    Not,
    NumberLit,
    ObjectSource,
    Or,
    OrderBy,
    ProjectSource,
    RegexLit,
    SearchSource,
    Select,
    Skip,
    StringLit,
    Take,
    TypeSource,
    Where,
)


def where(text: str) -> object:
    """The condition of ``$ where <text>``."""
    query = parse("$ where " + text)
    transform = query.transforms[0]
    assert isinstance(transform, Where)
    return transform.condition


# -- lexer -------------------------------------------------------------------------------------------


def test_tokens_carry_one_based_positions() -> None:
    tokens = tokenize('$ "\\A" where name = "x"')
    assert [(t.kind, t.value, t.position) for t in tokens] == [
        (Kind.DOLLAR, "$", 1),
        (Kind.STRING, "\\A", 3),
        (Kind.WORD, "where", 8),
        (Kind.WORD, "name", 14),
        (Kind.OP, "=", 19),
        (Kind.STRING, "x", 21),
        (Kind.END, "", 24),
    ]


def test_backslash_before_closing_quote_is_a_path_character_not_an_escape() -> None:
    # WAQL "\" is the Project (reference §5): no escapes inside strings
    tokens = tokenize('"\\" select children')
    assert tokens[0] == tokens[0].__class__(Kind.STRING, "\\", 1)
    assert tokens[1].value == "select"


def test_operators_are_longest_match() -> None:
    ops = [t.value for t in tokenize('a != 1 b <= 2 c >= 3 d < 4 e > 5 f = 6 g : "x"') if t.kind is Kind.OP]
    assert ops == ["!=", "<=", ">=", "<", ">", "=", ":"]


def test_negative_and_decimal_numbers_are_single_tokens() -> None:
    numbers = [t.value for t in tokenize("volume < -6.5 and pitch > .5 and x = 12") if t.kind is Kind.NUMBER]
    assert numbers == ["-6.5", ".5", "12"]


def test_property_names_starting_with_a_digit_are_words() -> None:
    tokens = tokenize("3DPosition = 1")
    assert (tokens[0].kind, tokens[0].value) == (Kind.WORD, "3DPosition")


def test_qualified_accessor_names_keep_their_colon_but_spaced_colon_is_an_operator() -> None:
    values = [t.value for t in tokenize('workunit:isDefault name:"x"')]
    assert values[:4] == ["workunit:isDefault", "name", ":", "x"]


def test_regex_literal_with_escaped_slash_and_flag() -> None:
    token = tokenize(r"/a\/b/i")[0]
    assert (token.kind, token.value, token.flags, token.position) == (Kind.REGEX, "a/b", "i", 1)


# -- sources -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '$ "\\Actor-Mixer Hierarchy"',
        '"\\Actor-Mixer Hierarchy"',
        '$ from object "\\Actor-Mixer Hierarchy"',
        'FROM OBJECT "\\Actor-Mixer Hierarchy"',
    ],
)
def test_object_source_with_or_without_dollar_and_from_object(text: str) -> None:
    source = parse(text).source
    assert isinstance(source, ObjectSource)
    assert [s.value for s in source.specifiers] == ["\\Actor-Mixer Hierarchy"]


def test_several_comma_separated_specifiers_keep_their_positions() -> None:
    source = parse('$ "Event:Play_Hello", "{1514A4D8-1DA6-412A-A17E-75CA0C2149F3}", "\\Events"').source
    guid = "{1514A4D8-1DA6-412A-A17E-75CA0C2149F3}"
    expected = (StringLit("Event:Play_Hello", 3), StringLit(guid, 23), StringLit("\\Events", 65))
    assert source == ObjectSource(expected)


def test_from_type_takes_one_or_several_types_case_as_written() -> None:
    assert parse("from type sound").source == TypeSource((("sound", 11),))
    assert parse("$ from type Sound, Event,ActorMixer").source == TypeSource(
        (("Sound", 13), ("Event", 20), ("ActorMixer", 26))
    )


def test_from_search_and_from_project_and_no_source() -> None:
    assert parse('from search "foot step"').source == SearchSource(StringLit("foot step", 13))
    assert parse("from project").source == ProjectSource()
    assert parse("$").source == ProjectSource()
    assert parse('$ where name = "x"').source == ProjectSource()


# -- transforms --------------------------------------------------------------------------------------


def test_select_chains_and_comma_separated_selectors() -> None:
    query = parse('"\\X" select this, ancestors select children select parent.parent, outputbus')
    assert query.transforms == (
        Select((Accessor(("this",), 13), Accessor(("ancestors",), 19))),
        Select((Accessor(("children",), 36),)),
        Select((Accessor(("parent", "parent"), 52), Accessor(("outputbus",), 67))),
    )


def test_take_skip_distinct_orderby_reverse() -> None:
    query = parse("from type sound skip 2 take 10 distinct orderby name reverse orderby volume")
    assert query.transforms == (
        Skip(2),
        Take(10),
        Distinct(),
        OrderBy(Accessor(("name",), 49), True),
        OrderBy(Accessor(("volume",), 70), False),
    )


def test_transforms_may_be_separated_by_commas_as_in_the_reference_synopsis() -> None:
    query = parse('"\\X" select this, ancestors, where type = "Folder", take 1')
    assert [type(t) for t in query.transforms] == [Select, Where, Take]
    select = query.transforms[0]
    assert isinstance(select, Select) and len(select.selectors) == 2


def test_keywords_are_case_insensitive() -> None:
    query = parse('$ FROM TYPE Sound WHERE Name = "x" AND NOT Volume < 0 SELECT Parent TAKE 1')
    assert [type(t) for t in query.transforms] == [Where, Select, Take]


# -- conditions --------------------------------------------------------------------------------------


def test_comparison_operators_and_literals() -> None:
    assert where('name = "Hello"') == Compare(Accessor(("name",), 9), "=", StringLit("Hello", 16), 14)
    assert where("volume <= -3") == Compare(Accessor(("volume",), 9), "<=", NumberLit(-3.0, 19), 16)
    assert where("IsVoice != true") == Compare(Accessor(("IsVoice",), 9), "!=", BoolLit(True, 20), 17)
    cond = where("name = /^My_[0-9]+$/i")
    assert isinstance(cond, Compare) and isinstance(cond.value, RegexLit)
    assert cond.value.pattern.pattern == "^My_[0-9]+$" and cond.value.pattern.flags & re.IGNORECASE


def test_dotted_and_at_prefixed_accessors() -> None:
    assert where('parent.name : "container"') == Compare(
        Accessor(("parent", "name"), 9), ":", StringLit("container", 23), 21
    )
    assert where("@Volume > 0") == Compare(Accessor(("@Volume",), 9), ">", NumberLit(0.0, 19), 17)


def test_and_binds_tighter_than_or_and_not_binds_tightest() -> None:
    cond = where("a = 1 or not b = 2 and c = 3")
    assert isinstance(cond, Or)
    left, right = cond.operands
    assert isinstance(left, Compare) and isinstance(right, And)
    assert isinstance(right.operands[0], Not)


def test_parentheses_group() -> None:
    cond = where("(a = 1 or b = 2) and c = 3")
    assert isinstance(cond, And) and isinstance(cond.operands[0], Or)


def test_bare_accessor_and_boolean_literal_conditions() -> None:
    assert where("IsVoice") == Compare(Accessor(("IsVoice",), 9), None, None)
    assert where("true") == BoolLit(True, 9)
    assert where("not false") == Not(BoolLit(False, 13))


def test_list_functions_with_and_without_a_condition() -> None:
    cond = where("children.count() > 2")
    assert cond == Compare(
        ListCall(None, "children", "count", None, 9, "children.count()"), ">", NumberLit(2.0, 28), 26
    )
    cond = where('parent.Descendants.ANY(type = "Sound" and volume < 0)')
    assert isinstance(cond, Compare) and isinstance(cond.accessor, ListCall)
    call = cond.accessor
    assert (call.target, call.walk, call.function) == (Accessor(("parent",), 9), "descendants", "any")
    assert isinstance(call.condition, And)
    query = parse("from type sound orderby parent.children.count() reverse")
    assert query.transforms == (
        OrderBy(
            ListCall(Accessor(("parent",), 25), "children", "count", None, 25, "parent.children.count()"),
            True,
        ),
    )


def test_parsed_queries_are_cached_by_text() -> None:
    assert parse("from type sound take 3") is parse("from type sound take 3")


# -- rejections --------------------------------------------------------------------------------------

REJECTED = [
    # (query, position, words the message must contain)
    ("", None, ["empty"]),
    ("   ", None, ["empty"]),
    ('"\\Actor-Mixer Hierarchy', 1, ["Unterminated string", "position 1"]),
    ("where name = /abc", 14, ["Unterminated regular expression", "position 14"]),
    ("where name = /abc/g", 19, ['flag "g"', "position 19"]),
    ("where name = /(/", 14, ["Invalid regular expression", "/(/", "position 14"]),
    ("where name = 'x'", 14, ['"\'"', "position 14", "double quotes"]),
    ("where a = 1 && b = 2", 13, ['"&"', "position 13", '"and"']),
    ("where a = 1 || b = 2", 13, ['"|"', "position 13", '"or"']),
    ("where ! a", 7, ['"!"', "position 7", '"not"']),
    ("{1514A4D8-1DA6-412A-A17E-75CA0C2149F3}", 1, ['"{"', "position 1", "double quotes"]),
    ('from objects "\\X"', 6, ['"objects"', "position 6", "object, type, search or project"]),
    ('from query "\\Queries\\Q"', 6, ['"from query"', "position 6"]),
    ("from object where", 13, ['"where"', "position 13", "object specifier"]),
    ("from type", 10, ["end of query", "position 10", "type name"]),
    ("from type sound,", 16, ['","', "position 16"]),
    ("from search foo", 13, ['"foo"', "position 13", "search text"]),
    ('from type sound wher name = "x"', 17, ['"wher"', "position 17", "where, select"]),
    ('"\\X" $', 6, ['"$"', "position 6"]),
    ("select", 7, ["end of query", "position 7", "what to select"]),
    ("select children,", 16, ['","', "position 16"]),
    ("take", 5, ["end of query", "whole number"]),
    ("take -1", 6, ['"-1"', "position 6", "whole number"]),
    ("skip 1.5", 6, ['"1.5"', "position 6", "whole number"]),
    ("orderby", 8, ["end of query", "order by"]),
    ("where", 6, ["end of query", "position 6", "condition"]),
    ("where name =", 13, ["end of query", "position 13", "value"]),
    ("where name = and", 14, ['"and"', "position 14"]),
    ("where name < /x/", 14, ["/x/", "position 14", "regex"]),
    ("where name : 3", 14, ['"3"', "position 14", "search for"]),
    ("where volume > true", 16, ['"true"', "position 16"]),
    ('where (name = "x"', 18, ["end of query", "position 18", "')'"]),
    ('where name = "x")', 17, ['")"', "position 17"]),
    ("where parent. = 1", 15, ['"="', "position 15", "after '.'"]),
    ("where children.first() = 1", 7, ['"first()"', "position 7", "count(), any() and all()"]),
    ("where name.count() > 1", 7, ['"count()"', "position 7", "needs a list"]),
    ("where count() > 1", 7, ['"count()"', "position 7", "needs a list"]),
    ("select children.count()", 8, ['"children.count("', "position 8", "only work in where and orderby"]),
    ("where children.any(name = 1", 28, ["end of query", "position 28", "')' to close any("]),
    ('where name = "a" name = "b"', 18, ['"name"', "position 18"]),
    ("where a = 1 and", 16, ["end of query", "position 16"]),
    ("where volume = other", 16, ['"other"', "position 16"]),
    ('where name # "x"', 12, ['"#"', "position 12"]),
]


@pytest.mark.parametrize(("text", "position", "words"), REJECTED, ids=[r[0] or "<empty>" for r in REJECTED])
def test_rejected_query_names_token_and_position(text: str, position: int | None, words: list[str]) -> None:
    with pytest.raises(WaqlError) as info:
        parse(text)
    assert info.value.position == position
    for word in words:
        assert word in str(info.value)


def test_deep_nesting_is_rejected_instead_of_exhausting_the_stack() -> None:
    assert where("(" * 50 + "not " * 40 + 'name = "x"' + ")" * 50) is not None
    with pytest.raises(WaqlError) as info:
        parse("where " + "(" * 5000 + 'name = "x"' + ")" * 5000)
    assert info.value.position == 7 + 100 and "nested too deeply" in str(info.value)
