"""Java Unified Expression Language (JUEL) conditions, as Camunda, Activiti and Flowable modelers
write them (`${amount > 1000 && !urgent}`), translated once at deployment into the Python
expressions our sandbox evaluates (`((amount > 1000) and (not urgent))`).

The translated subset is what conditions on process data use: literals (strings, numbers, true,
false, null), variables, `a.b` and `a['b']` lookups on objects from the process data, arithmetic,
comparisons in symbols and words (`eq ne lt gt le ge`), `&& || !` and `and or not`, `empty`, the
conditional `a ? b : c`, calls of the engine's helper functions, and
`execution.getVariable('name')`. Anything else — a method call on a Java bean, `instanceof`,
lambdas — cannot run here and raises `JuelUnsupported` with the reason in words, which the
deployment reports on the element.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from engine.sandbox import FORBIDDEN_NAMES

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<op>&&|\|\||==|!=|<=|>=|[-+*/%<>!?:.,()\[\]])
    """,
    re.VERBOSE,
)

_WORD_OPERATORS = {
    "and": "&&",
    "or": "||",
    "not": "!",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
}
_LITERALS = {"true": "True", "false": "False", "null": "None"}
# Variables a Java engine keeps for a multi-instance activity; Baton's engine has no such counters.
_JAVA_COUNTERS = {"nrOfInstances", "nrOfActiveInstances", "nrOfCompletedInstances", "loopCounter"}


class JuelUnsupported(ValueError):
    """The expression uses something that cannot run outside a Java engine (message in words)."""


@dataclass
class _Token:
    kind: str  # number, string, name, op, end
    text: str


def is_wrapped(text: str) -> bool:
    """`${...}` or `#{...}`: an expression in JUEL syntax."""
    stripped = (text or "").strip()
    return stripped.startswith(("${", "#{")) and stripped.endswith("}")


def _tokens(source: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise JuelUnsupported(
                _("the character “%(char)s” is not part of an expression") % {"char": source[position]}
            )
        position = match.end()
        kind = match.lastgroup
        text = match.group()
        if kind == "space":
            continue
        if kind == "name" and text in _WORD_OPERATORS:
            kind, text = "op", _WORD_OPERATORS[text]
        tokens.append(_Token(kind, text))
    tokens.append(_Token("end", ""))
    return tokens


class _Parser:
    """Recursive descent over JUEL's grammar, emitting fully parenthesised Python."""

    def __init__(self, source: str):
        self.tokens = _tokens(source)
        self.position = 0

    # -- token helpers ----------------------------------------------------------------------
    def peek(self) -> _Token:
        return self.tokens[self.position]

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def accept(self, *ops: str) -> str | None:
        token = self.peek()
        if token.kind == "op" and token.text in ops:
            self.position += 1
            return token.text
        return None

    def expect(self, op: str) -> None:
        if self.accept(op) is None:
            found = self.peek().text or "the end"
            raise JuelUnsupported(_("“%(op)s” was expected before %(found)s") % {"op": op, "found": found})

    # -- grammar ----------------------------------------------------------------------------
    def parse(self) -> str:
        result = self.conditional()
        if self.peek().kind != "end":
            raise JuelUnsupported(_("unexpected “%(text)s”") % {"text": self.peek().text})
        return result

    def conditional(self) -> str:
        test = self.binary(0)
        if self.accept("?"):
            yes = self.conditional()
            self.expect(":")
            no = self.conditional()
            return f"({yes} if {test} else {no})"
        return test

    _LEVELS = (("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"))
    _PYTHON = {"||": "or", "&&": "and"}

    def binary(self, level: int) -> str:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while (op := self.accept(*self._LEVELS[level])) is not None:
            right = self.binary(level + 1)
            left = f"({left} {self._PYTHON.get(op, op)} {right})"
        return left

    def unary(self) -> str:
        if self.accept("!"):
            return f"(not {self.unary()})"
        if self.accept("-"):
            return f"(-{self.unary()})"
        token = self.peek()
        if token.kind == "name" and token.text == "empty":
            self.take()
            value = self.unary()
            return f"({value} is None or {value} == '' or {value} == [] or {value} == {{}})"
        return self.postfix()

    def postfix(self) -> str:
        token = self.peek()
        if token.kind == "name" and token.text == "execution":
            return self.execution_call()
        value = self.primary()
        while True:
            if self.accept("."):
                member = self.take()
                if member.kind != "name":
                    raise JuelUnsupported(_("a property name was expected after “.”"))
                if self.peek().kind == "op" and self.peek().text == "(":
                    raise JuelUnsupported(
                        _("it calls the Java method “%(method)s()”, which only a Java engine can run")
                        % {"method": member.text}
                    )
                value = f"{value}[{member.text!r}]"
            elif self.accept("["):
                index = self.conditional()
                self.expect("]")
                value = f"{value}[{index}]"
            elif self.accept("("):
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
                    raise JuelUnsupported(_("only the engine's helper functions can be called"))
                value = f"{value}({self.arguments()})"
            else:
                return value

    def arguments(self) -> str:
        args = []
        if not self.accept(")"):
            args.append(self.conditional())
            while self.accept(","):
                args.append(self.conditional())
            self.expect(")")
        return ", ".join(args)

    def execution_call(self) -> str:
        """`execution.getVariable('x')` is the variable x; nothing else of `execution` exists here."""
        self.take()
        if not self.accept("."):
            raise JuelUnsupported(_("“execution” (the Java engine's execution object) does not exist here"))
        method = self.take()
        if method.text != "getVariable" or not self.accept("("):
            raise JuelUnsupported(
                _("“execution.%(method)s” belongs to the Java engine; read the variable by its name instead")
                % {"method": method.text}
            )
        name = self.take()
        self.expect(")")
        variable = name.text[1:-1] if name.kind == "string" else ""
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", variable) or keyword.iskeyword(variable):
            raise JuelUnsupported(_("execution.getVariable() needs the variable's name in quotes"))
        return variable

    def primary(self) -> str:
        token = self.take()
        if token.kind == "number":
            return token.text
        if token.kind == "string":
            return repr(_unescape(token.text[1:-1]))
        if token.kind == "name":
            if token.text in _LITERALS:
                return _LITERALS[token.text]
            if token.text in _JAVA_COUNTERS:
                raise JuelUnsupported(
                    _(
                        "“%(name)s” is a counter of the Java engine's multi-instance activities, "
                        "which Baton does not keep"
                    )
                    % {"name": token.text}
                )
            if token.text == "instanceof":
                raise JuelUnsupported(_("“instanceof” tests Java types, which do not exist here"))
            if keyword.iskeyword(token.text) or token.text in FORBIDDEN_NAMES or token.text[0] in "_$":
                raise JuelUnsupported(
                    _(
                        "the name “%(name)s” is reserved in Baton's expressions; "
                        "rename the variable (e.g. %(suggestion)s)"
                    )
                    % {"name": token.text, "suggestion": f"{token.text.strip('_$')}_value"}
                )
            return token.text
        if token.kind == "op" and token.text == "(":
            inner = self.conditional()
            self.expect(")")
            return f"({inner})"
        raise JuelUnsupported(_("unexpected “%(text)s”") % {"text": token.text or _("end of the expression")})


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", r"\1", body)


def to_python(text: str) -> str:
    """The Python expression of a `${...}`/`#{...}` JUEL expression (the body of one without the
    wrapper is read as JUEL too). Raises JuelUnsupported."""
    stripped = (text or "").strip()
    if is_wrapped(stripped):
        stripped = stripped[2:-1].strip()
    if not stripped:
        raise JuelUnsupported(_("the expression is empty"))
    return _Parser(stripped).parse()
