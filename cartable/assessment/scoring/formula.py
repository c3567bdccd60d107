"""Formulas of calculated questions, evaluated safely (never ``eval``).

Moodle evaluates a formula as a PHP expression once it has checked that it only uses numbers,
variables (``{a}``), arithmetic and a list of mathematical functions
(``qtype_calculated_find_formula_errors``). This module parses exactly that language with a
small recursive-descent parser and computes it with PHP's rules: ``**`` is a power, ``%`` the
remainder of whole numbers, ``/`` by zero an error; comparisons give 1 or 0 and ``a ? b : c``
chooses. Anything else (``^``, names, strings, comments) is refused. Formulas and nesting are
bounded so that no formula can take long.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MAX_LENGTH = 2_000
MAX_DEPTH = 60


class FormulaError(ValueError):
    """The formula is not one Moodle would compute, or cannot be computed."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
      | \{(?P<variable>[^{}]*)\}
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>\*\*|<=|>=|==|!=|<>|[-+*/%(),<>?:!])
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "number", "variable", "name", "op", "end"
    text: str


def _tokens(formula: str) -> list[_Token]:
    if len(formula) > MAX_LENGTH:
        raise FormulaError("formula too long")
    found: list[_Token] = []
    position = 0
    while position < len(formula):
        if formula[position:].strip() == "":
            break
        match = _TOKEN.match(formula, position)
        if match is None or match.end() == position:
            raise FormulaError(f"unexpected {formula[position : position + 10]!r}")
        kind = match.lastgroup or ""
        found.append(_Token(kind, match.group(kind)))
        position = match.end()
    found.append(_Token("end", ""))
    return found


def _php_round(value: float, places: int = 0) -> float:
    """PHP's round(): halves away from zero, on the number as written (0.285 -> 0.29)."""
    if not math.isfinite(value) or abs(places) > 300:
        return value
    try:
        exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return value
    return float(exact)


def _whole(value: float) -> int:
    if not math.isfinite(value) or abs(value) >= 2**63:
        raise FormulaError("number too large for a whole-number operation")
    return int(value)


def _safe(function: Callable[..., float]) -> Callable[..., float]:
    """PHP gives NAN or INF where Python raises: keep PHP's answer."""

    def call(*args: float) -> float:
        try:
            return float(function(*args))
        except OverflowError:
            return math.inf
        except (ValueError, ZeroDivisionError):
            return math.nan

    return call


def _log(value: float, base: float | None = None) -> float:
    if value == 0:
        return -math.inf
    if base is None:
        return math.log(value)
    return math.log(value) / math.log(base)


def _from_base(value: float, base: int) -> float:
    digits = "".join(ch for ch in str(_whole(value)) if ch in "0123456789"[:base])
    return float(int(digits, base)) if digits else 0.0


def _to_base(value: float, base: int) -> float:
    whole = _whole(value)
    if whole < 0:
        whole += 2**64
    text = format(whole, "b" if base == 2 else "o")
    return float(text)


_ONE: dict[str, Callable[[float], float]] = {
    "abs": abs,
    "acos": math.acos,
    "acosh": math.acosh,
    "asin": math.asin,
    "asinh": math.asinh,
    "atan": math.atan,
    "atanh": math.atanh,
    "bindec": lambda x: _from_base(x, 2),
    "ceil": lambda x: float(math.ceil(x)),
    "cos": math.cos,
    "cosh": math.cosh,
    "decbin": lambda x: _to_base(x, 2),
    "decoct": lambda x: _to_base(x, 8),
    "deg2rad": math.radians,
    "exp": math.exp,
    "expm1": math.expm1,
    "floor": lambda x: float(math.floor(x)),
    "is_finite": lambda x: float(math.isfinite(x)),
    "is_infinite": lambda x: float(math.isinf(x)),
    "is_nan": lambda x: float(math.isnan(x)),
    "log10": lambda x: -math.inf if x == 0 else math.log10(x),
    "log1p": lambda x: -math.inf if x == -1 else math.log1p(x),
    "octdec": lambda x: _from_base(x, 8),
    "rad2deg": math.degrees,
    "sin": math.sin,
    "sinh": math.sinh,
    "sqrt": math.sqrt,
    "tan": math.tan,
    "tanh": math.tanh,
}
_ONE_OR_TWO: dict[str, Callable[..., float]] = {
    "log": _log,
    "round": lambda x, p=0.0: _php_round(x, _whole(p)),
}
_TWO: dict[str, Callable[[float, float], float]] = {
    "atan2": math.atan2,
    "fmod": math.fmod,
    "pow": lambda x, y: _power(x, y),
}


def _power(base: float, exponent: float) -> float:
    try:
        result = base**exponent
    except OverflowError:
        return math.inf
    except ZeroDivisionError:  # 0 ** -1
        return math.inf
    if isinstance(result, complex):  # a negative number to a fractional power
        return math.nan
    return float(result)


def _call(name: str, args: list[float]) -> float:
    if name == "pi":
        if args:
            raise FormulaError("pi() takes no arguments")
        return math.pi
    if name in _ONE:
        if len(args) != 1:
            raise FormulaError(f"{name}() takes one argument")
        return _safe(_ONE[name])(args[0])
    if name in _ONE_OR_TWO:
        if len(args) not in (1, 2):
            raise FormulaError(f"{name}() takes one or two arguments")
        return _safe(_ONE_OR_TWO[name])(*args)
    if name in _TWO:
        if len(args) != 2:
            raise FormulaError(f"{name}() takes two arguments")
        return _safe(_TWO[name])(*args)
    if name in ("min", "max"):
        if len(args) < 2:
            raise FormulaError(f"{name}() takes at least two arguments")
        return float(min(args) if name == "min" else max(args))
    raise FormulaError(f"{name}() is not a function calculated questions may use")


class _Parser:
    def __init__(self, formula: str, values: Mapping[str, float]) -> None:
        self.tokens = _tokens(formula)
        self.position = 0
        self.values = values
        self.depth = 0

    def peek(self) -> _Token:
        return self.tokens[self.position]

    def take(self, text: str | None = None) -> _Token:
        token = self.tokens[self.position]
        if text is not None and (token.kind != "op" or token.text != text):
            raise FormulaError(f"expected {text!r}")
        self.position += 1
        return token

    def at(self, *texts: str) -> bool:
        token = self.peek()
        return token.kind == "op" and token.text in texts

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError("formula nested too deeply")

    def parse(self) -> float:
        value = self.ternary()
        if self.peek().kind != "end":
            raise FormulaError(f"unexpected {self.peek().text!r}")
        return value

    def ternary(self) -> float:
        self.nested()
        condition = self.comparison()
        if self.at("?"):
            self.take("?")
            then = self.ternary()
            self.take(":")
            otherwise = self.ternary()
            condition = then if condition else otherwise
        self.depth -= 1
        return condition

    def comparison(self) -> float:
        left = self.additive()
        while self.at("<", ">", "<=", ">=", "==", "!=", "<>"):
            op = self.take().text
            right = self.additive()
            left = float(
                {
                    "<": left < right,
                    ">": left > right,
                    "<=": left <= right,
                    ">=": left >= right,
                    "==": left == right,
                    "!=": left != right,
                    "<>": left != right,
                }[op]
            )
        return left

    def additive(self) -> float:
        left = self.multiplicative()
        while self.at("+", "-"):
            op = self.take().text
            right = self.multiplicative()
            left = left + right if op == "+" else left - right
        return left

    def multiplicative(self) -> float:
        left = self.unary()
        while self.at("*", "/", "%"):
            op = self.take().text
            right = self.unary()
            if op == "*":
                left = left * right
            elif op == "/":
                if right == 0:
                    raise FormulaError("division by zero")
                left = left / right
            else:
                divisor = _whole(right)
                if divisor == 0:
                    raise FormulaError("modulo by zero")
                left = float(math.fmod(_whole(left), divisor))
        return left

    def unary(self) -> float:
        if self.at("-", "+", "!"):
            op = self.take().text
            self.nested()
            operand = self.unary()
            self.depth -= 1
            if op == "!":
                return float(not operand)
            return -operand if op == "-" else operand
        return self.power()

    def power(self) -> float:
        base = self.primary()
        if self.at("**"):
            self.take("**")
            self.nested()
            exponent = self.unary()  # right-associative, binds tighter than a unary minus
            self.depth -= 1
            return _power(base, exponent)
        return base

    def primary(self) -> float:
        token = self.take()
        if token.kind == "number":
            return float(token.text)
        if token.kind == "variable":
            name = token.text.strip()
            if name not in self.values:
                raise FormulaError(f"unknown variable {{{name}}}")
            return self.values[name]
        if token.kind == "name":
            self.take("(")
            args: list[float] = []
            if not self.at(")"):
                args.append(self.ternary())
                while self.at(","):
                    self.take(",")
                    args.append(self.ternary())
            self.take(")")
            return _call(token.text.lower(), args)
        if token.kind == "op" and token.text == "(":
            value = self.ternary()
            self.take(")")
            return value
        raise FormulaError(f"unexpected {token.text or 'end'!r}")


def evaluate(formula: str, values: Mapping[str, float]) -> float:
    """The value of ``formula`` with the variables' ``values``; raises ``FormulaError``."""
    try:
        return _Parser(formula, values).parse()
    except RecursionError as error:  # pragma: no cover - the depth limit comes first
        raise FormulaError("formula nested too deeply") from error


def php_string(value: float) -> str:
    """A float as PHP writes it in a string (14 significant digits)."""
    if value == 0:
        return "0"
    text = format(value, ".14G")
    if "E" in text:
        mantissa, exponent = text.split("E")
        if "." not in mantissa:
            mantissa += ".0"
        return f"{mantissa}E{int(exponent):+d}"
    return text


def format_float(value: float, length: int | None, form: int | None, point: str = ".") -> str:
    """A computed answer as Moodle shows it (``qtype_calculated_variable_substituter::
    format_float``): ``form`` 1 is ``length`` decimals, 2 is ``length`` significant figures;
    without them, the number as it is."""
    if length is None or form is None:
        text = php_string(value)
    elif form == 1:
        text = f"{value:.{max(0, min(length, 100))}f}"
    elif value and math.isfinite(value):
        text = _significant(value, max(1, min(length, 100)))
    else:
        text = "0"
    return text.replace(".", point)


def _significant(value: float, length: int) -> str:
    sign = "-" if value < 0 else ""
    answer = abs(value)
    p10 = 0
    while answer < 1:
        p10 -= 1
        answer *= 10
    while answer >= 1:
        p10 += 1
        answer /= 10
    answer = _php_round(answer, length)
    if answer >= 1:
        p10 += 1
        answer /= 10
    padding = "0" * 41 + "x"
    if p10 < -2 or p10 > 4:
        exponent = f"e{p10 - 1}"
        answer *= 10
        if length == 1:
            return sign + php_string(answer) + exponent
        written = php_string(answer)
        written += ("." if len(written) == 1 else "") + padding
        return sign + written[: length + 1] + exponent
    answer *= float(f"1e{p10}")
    if answer / float(f"1e{length}") >= 0.1:
        return sign + php_string(answer)
    written = php_string(answer)
    written += ("." if written.isdigit() else "") + padding
    return sign + written[: length + (2 - p10 if p10 < 1 else 1)]


_FORMULA_IN_TEXT = re.compile(r"\{=([^{}]*(?:\{[^{}]+\}[^{}]*)*)\}")
_PLACEHOLDER = re.compile(r"\{([A-Za-z][A-Za-z0-9_\- ]*)\}")


def substitute(
    text: str,
    values: Mapping[str, float],
    point: str = ".",
    length: int | None = None,
    form: int | None = None,
) -> str:
    """``text`` with its formulas ``{=...}`` computed and its variables ``{a}`` replaced by
    their values (a formula that cannot be computed is left as it was)."""

    def formula(match: re.Match[str]) -> str:
        try:
            return format_float(evaluate(match.group(1), values), length, form, point)
        except FormulaError:
            return match.group(0)

    def variable(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        return format_float(values[name], None, None, point)

    return _PLACEHOLDER.sub(variable, _FORMULA_IN_TEXT.sub(formula, text))
