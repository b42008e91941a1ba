"""The segment filter language: parse a filter and compile it to a parameterized SQL condition.

Grammar (case-insensitive keywords)::

    filter     := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" filter ")" | comparison
    comparison := FIELD OP VALUE | FIELD "in" "(" VALUE ("," VALUE)* ")"
    OP         := "=" | "!=" | ">" | ">=" | "<" | "<="
    VALUE      := number | word | 'quoted' | "quoted"

Fields:
- attributes: email, first_name, last_name, title, seniority, persona, company, industry,
  company_size, country, timezone, source, product_interest, lifecycle_stage, consent,
  missing_key_fields, owner (the owner rep's email);
- score: score, fit_score, engagement_score, tier (cold|warm|mql), stage
  (awareness|consideration|decision);
- time: inactive_days (days since the last engagement, or since first seen), created_days (days
  since first seen);
- behaviour: a metric from BEHAVIOUR, alone (all time) or with a window suffix `_<N>d`
  (e.g. `pricing_views_7d >= 2`, `email_clicks_30d = 0`).

Values are always bound parameters; field names come from a fixed table, never from input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tools.segment_fields import (
    ATTRIBUTES,
    BEHAVIOUR,
    CASE_INSENSITIVE,
    COMPUTED,
    DAYS_SINCE,
    RANKED,
)
from tools.summary_filter import summary_condition

# stands for the lead id column in behaviour subqueries until the FROM clause is known
LEAD_ID = "__lead_id__"
OPS = {"=": "=", "!=": "<>", ">": ">", ">=": ">=", "<": "<", "<=": "<="}
_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?)\b|(?P<str>'[^']*'|\"[^\"]*\")|(?P<op>>=|<=|!=|=|>|<)"
    r"|(?P<punct>[(),])|(?P<word>[A-Za-z_][\w.@+-]*))"
)


class FilterError(ValueError):
    """A filter that does not parse, with the position of the problem."""

    def __init__(self, message: str, position: int):
        super().__init__(f"{message} (at character {position})")
        self.position = position


@dataclass
class _Tok:
    kind: str
    value: str
    pos: int


def _tokenize(source: str) -> list[_Tok]:
    tokens, pos = [], 0
    while pos < len(source):
        if source[pos:].strip() == "":
            break
        match = _TOKEN.match(source, pos)
        if not match or match.end() == pos:
            raise FilterError(f"unexpected character {source[pos:].lstrip()[:1]!r}", pos)
        kind = match.lastgroup
        value = match.group(kind)
        start = match.start(kind)
        if kind == "str":
            value = value[1:-1]
        tokens.append(_Tok(kind, value, start))
        pos = match.end()
    return tokens


class _Compiler:
    def __init__(self, source: str, summaries: bool = False, per_lead: bool = False):
        self.tokens = _tokenize(source)
        self.i = 0
        self.params: dict[str, Any] = {}
        self.end = len(source)
        self.summaries = summaries
        self.per_lead = per_lead
        self.uses_leads = False  # a lead attribute, score or time field was read from leads
        self.uses_summary = False  # a behaviour count was read from lead_behaviour
        self.uses_ranks = False  # tier, score or inactivity was read from lead_ranks

    def peek(self) -> _Tok | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise FilterError("unexpected end of filter", self.end)
        self.i += 1
        return tok

    def keyword(self, word: str) -> bool:
        tok = self.peek()
        if tok and tok.kind == "word" and tok.value.lower() == word:
            self.i += 1
            return True
        return False

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def parse(self) -> str:
        if not self.tokens:
            raise FilterError("empty filter", 0)
        sql = self.or_expr()
        if self.peek() is not None:
            raise FilterError(f"unexpected {self.peek().value!r}", self.peek().pos)
        return sql

    def or_expr(self) -> str:
        parts = [self.and_expr()]
        while self.keyword("or"):
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def and_expr(self) -> str:
        parts = [self.not_expr()]
        while self.keyword("and"):
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def not_expr(self) -> str:
        if self.keyword("not"):
            return f"(NOT {self.not_expr()})"
        tok = self.peek()
        if tok and tok.kind == "punct" and tok.value == "(":
            self.take()
            inner = self.or_expr()
            closing = self.take()
            if closing.value != ")":
                raise FilterError("expected ')'", closing.pos)
            return inner
        return self.comparison()

    def value(self, kind: str) -> Any:
        tok = self.take()
        if tok.kind not in ("num", "str", "word"):
            raise FilterError(f"expected a value, got {tok.value!r}", tok.pos)
        if kind == "int":
            try:
                return float(tok.value) if "." in tok.value else int(tok.value)
            except ValueError:
                raise FilterError(f"expected a number, got {tok.value!r}", tok.pos) from None
        return tok.value

    def comparison(self) -> str:
        field = self.take()
        if field.kind != "word":
            raise FilterError(f"expected a field name, got {field.value!r}", field.pos)
        name = field.value.lower()
        column, kind, behaviour = _resolve(name, field.pos)
        ranked = self.summaries and name in RANKED
        if ranked:
            column = RANKED[name]
        self.uses_ranks = self.uses_ranks or ranked
        self.uses_leads = self.uses_leads or (behaviour is None and not ranked)
        if self.keyword("in"):
            if behaviour:
                raise FilterError("'in' is not available for behaviour counts", field.pos)
            opening = self.take()
            if opening.value != "(":
                raise FilterError("expected '(' after 'in'", opening.pos)
            values = [self.value(kind)]
            while (tok := self.take()).value == ",":
                values.append(self.value(kind))
            if tok.value != ")":
                raise FilterError("expected ',' or ')'", tok.pos)
            binds = ", ".join(self.bind(_canonical(name, v)) for v in values)
            if name in CASE_INSENSITIVE:
                return f"lower({column}) IN ({binds})"
            return f"{column} IN ({binds})"
        op_tok = self.take()
        if op_tok.kind != "op":
            raise FilterError(f"expected an operator after {field.value!r}", op_tok.pos)
        op = OPS[op_tok.value]
        value = self.value(kind)
        if behaviour:
            return self.behaviour(behaviour, op, value)
        if kind == "text" and op not in ("=", "<>"):
            raise FilterError(f"{name} is text: use = or !=", op_tok.pos)
        if name in DAYS_SINCE:
            return self.days_since(column, op, int(value))
        if name in CASE_INSENSITIVE:
            column = f"lower({column})"
        return f"{column} {op} {self.bind(_canonical(name, value))}"

    def days_since(self, column: str, op: str, days: int) -> str:
        """floor(elapsed days) <op> N, written as a range on the timestamp itself."""

        def at_least(n: int) -> str:
            return f"{column} <= :as_of - make_interval(days => {self.bind(n)})"

        def under(n: int) -> str:
            return f"{column} > :as_of - make_interval(days => {self.bind(n)})"

        return {
            ">=": lambda: at_least(days),
            ">": lambda: at_least(days + 1),
            "<": lambda: under(days),
            "<=": lambda: under(days + 1),
            "=": lambda: f"({at_least(days)} AND {under(days + 1)})",
            "<>": lambda: f"NOT ({at_least(days)} AND {under(days + 1)})",
        }[op]()

    def behaviour(self, spec: tuple[str, int | None], op: str, value: Any) -> str:
        metric, days = spec
        if self.summaries:
            summarised = summary_condition(metric, days, op, value, self.bind)
            if summarised is not None:
                self.uses_summary = True
                return summarised
        window = ""
        if days is not None:
            window = f" AND e.occurred_at > :as_of - make_interval(days => {self.bind(days)})"
        # "at least one" and "none" need no counting: a semi-join / anti-join (or EXISTS)
        pattern = [_compare(k, op, value) for k in (0, 1, 2, 1000)]
        shape = {(False, True, True, True): "any", (True, False, False, False): "none"}.get(
            tuple(pattern), "count"
        )
        n = self.bind(value) if shape == "count" else None
        if self.per_lead:
            trail = (
                f"FROM events e WHERE e.lead_id = {LEAD_ID} AND e.occurred_at <= :as_of{window} "
                f"AND {BEHAVIOUR[metric]}"
            )
            if shape == "count":  # a subquery over one lead's trail (`ix_events_lead_time`)
                return f"(SELECT count(*) {trail}) {op} {n}"
            return f"{'' if shape == 'any' else 'NOT '}EXISTS (SELECT 1 {trail})"
        plain = (
            f"SELECT e.lead_id FROM events e WHERE e.lead_id IS NOT NULL AND "
            f"{BEHAVIOUR[metric]} AND e.occurred_at <= :as_of{window}"
        )
        if shape != "count":
            return f"{LEAD_ID} {'' if shape == 'any' else 'NOT '}IN ({plain})"
        if _compare(0, op, value):  # admits zero: the leads whose count fails, excluded
            return f"{LEAD_ID} NOT IN ({plain} GROUP BY e.lead_id HAVING NOT (count(*) {op} {n}))"
        return f"{LEAD_ID} IN ({plain} GROUP BY e.lead_id HAVING count(*) {op} {n})"


def _canonical(name: str, value: Any) -> Any:
    """Values in the stored spelling: lower-case codes, upper-case countries."""
    if not isinstance(value, str):
        return value
    if name == "country":
        return value.upper()
    return value.lower()


def _compare(left: float, op: str, right: float) -> bool:
    return {
        "=": left == right,
        "<>": left != right,
        ">": left > right,
        ">=": left >= right,
        "<": left < right,
        "<=": left <= right,
    }[op]


def _resolve(name: str, pos: int) -> tuple[str, str, tuple[str, int | None] | None]:
    if name in ATTRIBUTES:
        return f"leads.{name}", ATTRIBUTES[name], None
    if name in DAYS_SINCE:
        return DAYS_SINCE[name], "int", None
    if name in COMPUTED:
        return COMPUTED[name], "text", None
    match = re.fullmatch(r"([a-z_]+?)(?:_(\d+)d)?", name)
    if match and match.group(1) in BEHAVIOUR:
        days = int(match.group(2)) if match.group(2) else None
        return "", "int", (match.group(1), days)
    raise FilterError(f"unknown field {name!r}", pos)


def compile_filter(source: str, *, per_lead: bool = False) -> tuple[str, dict[str, Any]]:
    """Compile a filter to (SQL condition over `leads`, bound parameters). `:as_of` is needed.

    Behaviour counts read the event trail, so this is exact at any `as_of`. By default each
    count is one set-based subquery over every lead's events (for listing and counting many
    leads at one `as_of`); `per_lead` counts each lead's own trail instead, for testing a few
    leads, each possibly at its own `as_of` (a set-based subquery would be recomputed over
    every lead's events once per lead).
    """
    compiler = _Compiler(source, per_lead=per_lead)
    return compiler.parse().replace(LEAD_ID, "leads.id"), compiler.params


@dataclass
class SummaryFilter:
    """A filter compiled to read the narrow per-lead tables where they can answer: behaviour
    summaries (`b`, lead_behaviour) and ranking columns (`r`, lead_ranks).

    `from_` is the FROM clause the condition needs: `leads`, the summaries or the ranks alone,
    or joined on the lead id; `lead_id` is its first table's lead id column.
    """

    where: str
    params: dict[str, Any]
    from_: str
    uses_leads: bool
    lead_id: str = "leads.id"


def compile_summary_filter(source: str) -> SummaryFilter:
    """Compile a filter for "now": behaviour counts read lead_behaviour when it answers exactly,
    tier, score and inactivity read lead_ranks.

    The caller must have checked that the summaries are current (tools.segments does).
    """
    compiler = _Compiler(source, summaries=True)
    where = compiler.parse()
    tables = [
        (table, lead_id)
        for used, table, lead_id in (
            (compiler.uses_leads, "leads", "leads.id"),
            (compiler.uses_summary, "lead_behaviour b", "b.lead_id"),
            (compiler.uses_ranks, "lead_ranks r", "r.lead_id"),
        )
        if used
    ] or [("leads", "leads.id")]
    (first, lead_id), joined = tables[0], tables[1:]
    from_ = first + "".join(f" JOIN {table} ON {other} = {lead_id}" for table, other in joined)
    return SummaryFilter(
        where.replace(LEAD_ID, lead_id), compiler.params, from_, first == "leads", lead_id
    )
