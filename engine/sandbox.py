"""Sandbox for BPMN scripts and conditions: restricted compilation, a whitelist of helpers, a time
limit and allocation guards, so a process designer's script can compute but never escape.

Layers of defence, each covering what the previous one cannot:

1. Compilation with RestrictedPython (`compile_restricted`) plus our own policy: no imports, no
   names or attributes starting with ``_``, no ``eval``/``exec``/``open``/``globals``/``vars``...;
   every attribute read, item read, write, iteration and unpacking goes through a guard.
2. Only whitelisted builtins and helpers exist in the script's globals (date maths, ``Decimal``, a
   ``math`` subset, read-only lookups injected at construction such as ``manager_of``).
3. Operators that can allocate without bound (``*``, ``**``, ``<<``, ``+``, ``%`` on strings) and
   padding/joining methods are routed through guards that refuse results above the size caps, and
   every allocation is charged to a per-run budget, so a loop cannot pile up memory either.
4. A time limit: every loop iteration (statement or comprehension) is compiled with a clock tick,
   so ``while True: pass`` stops after the limit. The same tick samples the process's resident
   memory (every 2 ms at most) and stops a script that grew it by more than the cap, which
   catches allocations no guard sees (``list(s)`` in a loop).
5. What a script leaves in the task data must be storable: JSON values, ``datetime`` and
   ``timedelta`` (SpiffWorkflow's serializer knows them); ``Decimal``, ``date``, tuples and sets
   are converted, anything else (functions, objects), infinite floats and integers of more than
   4,000 digits are refused, naming the variable.
6. The hard bound: every script and condition runs in a persistent worker process
   (engine.sandbox_worker) under RLIMIT_AS, and the calling thread waits for it with a deadline
   and kills it if it overruns. That stops what no tick sees: a single C-level call chain
   (``all(map(sorted, [big] * n))``, a key function of ``sorted``/``min``/``max``, recursion
   without loops, big-integer and Decimal arithmetic), which in-process would also have held
   the GIL and frozen every other thread. Only expressions and scripts whose cost is bounded
   by their shape (`bounded_expression`: comparisons and operators, no calls;
   `bounded_script`: a few assignments of such expressions) run in the calling process,
   sparing most gateway conditions and one-line script tasks the round trip.
"""

from __future__ import annotations

import ast
import datetime as _dt
import decimal
import functools
import math
import os
import re
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import BasePythonScriptEngineEnvironment, PythonScriptEngine

# SpiffWorkflow locates the failing line by looking for this file name in the traceback.
SCRIPT_FILENAME = "<string>"
_MISSING = object()


class ScriptRefused(Exception):
    """A script or expression did something the sandbox does not allow (a located message)."""

    code = "script_refused"

    def __init__(self, message: str, *, errors: list[str] | None = None):
        super().__init__(message)
        self.errors = errors or [message]


class ScriptTimeout(ScriptRefused):
    code = "script_timeout"


class ScriptTooLarge(ScriptRefused):
    code = "script_too_large"


class ScriptDataError(ScriptRefused):
    code = "script_data_not_storable"


@dataclass(frozen=True)
class SandboxLimits:
    time_limit_ms: int = 1000
    max_items: int = 1_000_000  # elements of one list/tuple/str/range
    max_int_bits: int = 100_000  # about 30,000 decimal digits
    allocation_budget: int = 10_000_000  # items/chars allocated by guarded operations per run
    max_data_bytes: int = 5_000_000  # JSON size of the task data a script leaves behind
    max_format_width: int = 10_000
    max_memory_bytes: int = 256 * 1024 * 1024  # growth of the process's resident memory during a run


DEFAULT_LIMITS = SandboxLimits()

# Names a script may not use even as a variable: they are the classic escape hatches, and a
# designer reading "'open' is not available" understands it better than a NameError.
FORBIDDEN_NAMES = frozenset(
    {
        "open",
        "exec",
        "eval",
        "compile",
        "globals",
        "locals",
        "vars",
        "input",
        "breakpoint",
        "memoryview",
        "help",
        "exit",
        "quit",
        "dir",
        "delattr",
        "setattr",
    }
)

_FORMAT_SPEC_TOO_WIDE = re.compile(r"\*|\d{5,}")
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")


class _BatonPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, stricter: no imports, no forbidden names, allocation guards."""

    def visit_Import(self, node):
        self.error(node, "import statements are not allowed; use the helpers the engine provides.")
        return node

    visit_ImportFrom = visit_Import

    def visit_Name(self, node):
        if node.id in FORBIDDEN_NAMES:
            self.error(node, f'"{node.id}" is not available in scripts.')
        return super().visit_Name(node)

    def visit_ClassDef(self, node):
        self.error(node, "class definitions are not allowed in scripts.")
        return node

    def visit_Global(self, node):
        self.error(node, "global statements are not allowed in scripts.")
        return node

    visit_Nonlocal = visit_Global

    def visit_FormattedValue(self, node):
        spec = node.format_spec
        if spec is not None:
            for part in spec.values:
                if not isinstance(part, ast.Constant):
                    self.error(node, "computed format specifications are not allowed in f-strings.")
                elif _FORMAT_SPEC_TOO_WIDE.search(str(part.value)):
                    self.error(node, "format width or precision too large in f-string.")
        return self.node_contents_visit(node)

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        symbol = _GUARDED_BINOPS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(
            func=ast.Name("_binop_", ast.Load()),
            args=[ast.Constant(symbol), node.left, node.right],
            keywords=[],
        )
        return ast.fix_missing_locations(ast.copy_location(call, node))

    # Every loop iteration (statements and comprehensions) ticks the run's clock: CPython emits
    # no trace event for `while True: pass`, so the time limit is compiled into the loops.
    def visit_While(self, node):
        node = super().visit_While(node)
        node.body.insert(0, _tick_statement(node.body[0]))
        return node

    def visit_For(self, node):
        node = super().visit_For(node)
        node.body.insert(0, _tick_statement(node.body[0]))
        return node

    def visit_comprehension(self, node):
        node = super().visit_comprehension(node)
        node.ifs.append(_tick_call(node.iter))
        return node


def _tick_call(near):
    call = ast.Call(func=ast.Name("_tick_", ast.Load()), args=[], keywords=[])
    return ast.fix_missing_locations(ast.copy_location(call, near))


def _tick_statement(near):
    return ast.fix_missing_locations(ast.copy_location(ast.Expr(_tick_call(near)), near))


_GUARDED_BINOPS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Add: "+", ast.Mod: "%"}


def _located(errors) -> list[str]:
    return [str(error) for error in errors]


@functools.lru_cache(maxsize=2048)
def _compile(source: str, mode: str):
    compiler = compile_restricted_exec if mode == "exec" else compile_restricted_eval
    try:
        result = compiler(source, filename=SCRIPT_FILENAME, policy=_BatonPolicy)
    except (ValueError, TypeError) as error:  # e.g. a NUL byte in the source
        return None, (f"Line 1: {error}",)
    return result.code, tuple(_located(result.errors))


def check_script(source: str) -> list[str]:
    """Syntax and restriction errors of a script task's script, each "Line N: ...". Runs nothing."""
    return list(_compile(source or "", "exec")[1])


def check_expression(source: str) -> list[str]:
    """Syntax and restriction errors of a condition/expression, each "Line N: ...". Runs nothing."""
    if not (source or "").strip():
        return ["Line 1: the expression is empty."]
    return list(_compile(source.strip(), "eval")[1])


class _Run:
    """State of one script/expression run: the deadline and the allocation budget."""

    __slots__ = ("budget", "deadline", "limits", "memory_checked", "rss_start", "steps", "stopped")

    def __init__(self, limits: SandboxLimits):
        self.limits = limits
        self.deadline = time.monotonic() + limits.time_limit_ms / 1000
        self.budget = limits.allocation_budget
        self.steps = 0
        self.stopped: ScriptRefused | None = None
        self.rss_start = _resident_bytes()
        self.memory_checked = time.monotonic()

    # -- time and memory ------------------------------------------------------------------
    def tick(self):
        """Called on every loop iteration; True so it can sit in a comprehension's `if`."""
        self.steps += 1
        # Once a limit is hit every tick raises again, so a script cannot swallow the error.
        if self.stopped is not None:
            raise self.stopped
        now = time.monotonic()
        if now > self.deadline:
            limit = self.limits.time_limit_ms
            self.stop(ScriptTimeout(f"the script ran longer than {limit} ms and was stopped."))
        if now - self.memory_checked > 0.002:  # at most every 2 ms: reading it costs ~5 us
            self.memory_checked = now
            self.check_memory()
        return True

    def stop(self, error: ScriptRefused):
        self.stopped = error
        raise error

    def check_memory(self):
        """Backstop for allocations no guard sees (e.g. `list(s)` in a loop): the growth of the
        process's resident memory while the script runs."""
        if self.rss_start is None:
            return
        grown = (_resident_bytes() or 0) - self.rss_start
        if grown > self.limits.max_memory_bytes:
            megabytes = self.limits.max_memory_bytes // (1024 * 1024)
            self.stop(ScriptTooLarge(f"the script used more than {megabytes} MB of memory."))

    # -- allocation budget -----------------------------------------------------------------
    def charge(self, size: int, what: str):
        limits = self.limits
        if size > limits.max_items:
            raise ScriptTooLarge(f"{what} would have {size:,} elements; the limit is {limits.max_items:,}.")
        self.budget -= size
        if self.budget < 0:
            raise ScriptTooLarge(
                f"the script allocated more than {limits.allocation_budget:,} elements in total."
            )

    def check_int_bits(self, bits: int, what: str):
        if bits > self.limits.max_int_bits:
            raise ScriptTooLarge(f"{what} would be a number of about {bits:,} bits; too large.")


_STATM: tuple[int, int] | None = None  # (pid, fd): /proc/self is bound at open, so reopen after fork


def _resident_bytes() -> int | None:
    """Resident memory of this process (Linux /proc; None elsewhere), in about 5 microseconds."""
    global _STATM
    try:
        pid = os.getpid()
        if _STATM is None or _STATM[0] != pid:
            _STATM = (pid, os.open("/proc/self/statm", os.O_RDONLY))
        return int(os.pread(_STATM[1], 64, 0).split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return None


_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _is_sequence(value) -> bool:
    return isinstance(value, (str, bytes, list, tuple))


def _make_guards(run: _Run) -> dict[str, Any]:
    limits = run.limits

    def binop(symbol, left, right):
        if symbol == "*":
            if _is_sequence(left) and isinstance(right, int):
                run.charge(len(left) * max(right, 0), "repeating a sequence")
            elif _is_sequence(right) and isinstance(left, int):
                run.charge(len(right) * max(left, 0), "repeating a sequence")
            elif isinstance(left, int) and isinstance(right, int):
                run.check_int_bits(left.bit_length() + right.bit_length(), "a product")
            return left * right
        if symbol == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
                run.check_int_bits(left.bit_length() * right, "a power")
            elif isinstance(left, decimal.Decimal) and abs(decimal.Decimal(right)) > limits.max_int_bits:
                raise ScriptTooLarge("a Decimal power with such an exponent is too large.")
            return left**right
        if symbol == "<<":
            if isinstance(left, int) and isinstance(right, int) and left:
                run.check_int_bits(left.bit_length() + max(right, 0), "a shift")
            return left << right
        if symbol == "+":
            if _is_sequence(left) and _is_sequence(right):
                run.charge(len(left) + len(right), "a concatenation")
            return left + right
        if symbol == "%":
            if isinstance(left, (str, bytes)):
                _check_percent_format(left, limits)
                run.charge(len(left), "a formatted string")
            return left % right
        raise ScriptRefused(f"unsupported operator {symbol}")

    def inplacevar(op, target, value):
        if op in ("*=", "**=", "<<=", "+=", "%="):
            return binop(op[:-1], target, value)
        return _INPLACE_OPS[op](target, value)

    def getattr_(obj, name, default=_MISSING):
        if not isinstance(name, str):
            raise ScriptRefused("attribute names must be strings.")
        if name.startswith("_"):
            raise ScriptRefused(f'access to "{name}" is not allowed (names starting with "_" are private).')
        if isinstance(obj, type) and name in _SIZE_GUARDED_METHODS:
            raise ScriptRefused(f'"{obj.__name__}.{name}" is not allowed; call the method on a value.')
        try:
            value = safer_getattr(obj, name) if default is _MISSING else safer_getattr(obj, name, default)
        except NotImplementedError as error:
            raise ScriptRefused(str(error)) from None
        guard = _SIZE_GUARDED_METHODS.get(name)
        if guard is not None and not isinstance(obj, type) and callable(value):
            return guard(run, obj, value)
        return value

    def hasattr_(obj, name):
        try:
            getattr_(obj, name)
        except (AttributeError, ScriptRefused):
            return False
        return True

    def getitem(obj, key):
        return obj[key]

    def safe_range(*args):
        result = range(*args)
        run.charge(len(result), "a range")
        return result

    def safe_pow(base, exp, mod=None):
        if mod is not None:
            return pow(base, exp, mod)
        return binop("**", base, exp)

    def safe_sum(values, start=0):
        if not isinstance(start, (int, float, decimal.Decimal, _dt.timedelta)):
            raise ScriptRefused("sum() adds numbers only; use ''.join() or a loop for sequences.")
        return sum(values, start)

    def safe_round(number, ndigits=None):
        if ndigits is not None and abs(ndigits) > 1000:
            raise ScriptTooLarge("round() with so many digits is not allowed.")
        return round(number) if ndigits is None else round(number, ndigits)

    def safe_zip(*iterables, strict=False):
        # zip(*[seq] * n) materializes n references per element in one C call, outside every
        # loop tick: cap the width and charge what it will build when the inputs are sized.
        if len(iterables) > 64:
            raise ScriptTooLarge("zip() of more than 64 sequences is not allowed.")
        sizes = [len(it) for it in iterables if hasattr(it, "__len__")]
        if sizes and len(sizes) == len(iterables):
            run.charge(min(sizes) * len(iterables), "a zip")
        return zip(*iterables, strict=strict)

    builtins = dict(_SAFE_BUILTINS)
    builtins.update(
        zip=safe_zip,
        range=safe_range,
        pow=safe_pow,
        sum=safe_sum,
        round=safe_round,
        int=_SafeInt,
        getattr=getattr_,
        hasattr=hasattr_,
    )
    return {
        "__builtins__": builtins,
        "__name__": "baton_script",
        "_getattr_": getattr_,
        "_getitem_": getitem,
        "_getiter_": iter,
        "_write_": full_write_guard,
        "_inplacevar_": inplacevar,
        "_binop_": binop,
        "_apply_": lambda function, *args, **kwargs: function(*args, **kwargs),
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_print_": PrintCollector,
        "_tick_": run.tick,
    }


class _IntLike(type):
    """Makes `_SafeInt` stand in for `int` in isinstance/issubclass checks and `int.attr`."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, int)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, int)

    def __getattr__(cls, name):
        return getattr(int, name)


class _SafeInt(metaclass=_IntLike):
    """`int` for scripts: refuses to expand a huge Decimal (int(Decimal('1e999999999')) would
    build a billion-digit number); everything else is the real int."""

    def __new__(cls, value=0, *args):
        if isinstance(value, decimal.Decimal) and value.is_finite() and value.adjusted() > 4300:
            raise ScriptTooLarge("int() of such a large Decimal is not allowed.")
        return int(value, *args)


def _check_percent_format(template, limits: SandboxLimits):
    text = template.decode("latin-1") if isinstance(template, bytes) else template
    for match in _PERCENT_SPEC.finditer(text):
        for part in match.groups():
            if part == "*" or (part and int(part) > limits.max_format_width):
                raise ScriptTooLarge("format width or precision too large in a % format.")


_INPLACE_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "-=": lambda a, b: a - b,
    "/=": lambda a, b: a / b,
    "//=": lambda a, b: a // b,
    ">>=": lambda a, b: a >> b,
    "&=": lambda a, b: a & b,
    "|=": lambda a, b: a | b,
    "^=": lambda a, b: a ^ b,
    "@=": lambda a, b: a @ b,
}


def _width_guard(run, obj, method):
    def guarded(width, *args):
        if isinstance(width, int) and width > run.limits.max_items:
            raise ScriptTooLarge(f"padding to {width:,} characters is not allowed.")
        if isinstance(width, int):
            run.charge(max(width, 0), "padding")
        return method(width, *args)

    return guarded


def _join_guard(run, obj, method):
    def guarded(items):
        items = list(items)
        run.charge(len(items), "a join")
        total = sum(len(item) for item in items if isinstance(item, (str, bytes)))
        run.charge(total + len(obj) * max(len(items) - 1, 0), "a joined string")
        return method(items)

    return guarded


def _replace_guard(run, obj, method):
    def guarded(old, new, *args):
        if len(new) > len(old):
            occurrences = obj.count(old) if old else len(obj) + 1
            run.charge(len(obj) + occurrences * (len(new) - len(old)), "a replacement")
        return method(old, new, *args)

    return guarded


def _expandtabs_guard(run, obj, method):
    def guarded(tabsize=8):
        run.charge(len(obj) + obj.count("\t" if isinstance(obj, str) else b"\t") * max(tabsize, 0), "tabs")
        return method(tabsize)

    return guarded


def _extend_guard(run, obj, method):
    def guarded(items):
        items = list(items)
        run.charge(len(obj) + len(items), "extending a list")
        return method(items)

    return guarded


def _to_bytes_guard(run, obj, method):
    def guarded(length=1, *args, **kwargs):
        run.charge(length, "int.to_bytes")
        return method(length, *args, **kwargs)

    return guarded


_SIZE_GUARDED_METHODS = {
    "ljust": _width_guard,
    "rjust": _width_guard,
    "center": _width_guard,
    "zfill": _width_guard,
    "join": _join_guard,
    "replace": _replace_guard,
    "expandtabs": _expandtabs_guard,
    "extend": _extend_guard,
    "to_bytes": _to_bytes_guard,
}


class _ReadOnlyNamespace:
    """A module stand-in exposing a fixed set of attributes; scripts cannot add or replace any."""

    def __init__(self, name: str, **members):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_members", members)

    def __getattr__(self, name):
        try:
            return self._members[name]
        except KeyError:
            raise AttributeError(f"{self._name}.{name} is not available in scripts") from None

    def __setattr__(self, name, value):
        raise AttributeError(f"{self._name} is read-only")

    def __repr__(self):
        return f"<{self._name}>"


_MATH = _ReadOnlyNamespace(
    "math",
    **{
        name: getattr(math, name)
        for name in (
            "ceil",
            "floor",
            "trunc",
            "fabs",
            "sqrt",
            "exp",
            "log",
            "log10",
            "log2",
            "isclose",
            "isfinite",
            "isnan",
            "isinf",
            "copysign",
            "fsum",
            "gcd",
            "sin",
            "cos",
            "tan",
            "atan2",
            "hypot",
            "radians",
            "degrees",
            "pi",
            "e",
            "inf",
            "nan",
        )
    },
)


def _parse_date(value: str) -> _dt.date:
    return _dt.date.fromisoformat(value)


def _parse_datetime(value: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(value)


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def _today() -> _dt.date:
    return _dt.datetime.now(_dt.UTC).date()


_SAFE_BUILTINS: dict[str, Any] = {
    "None": None,
    "True": True,
    "False": False,
    # types and conversions
    "bool": bool,
    "float": float,
    "str": str,
    "list": list,
    "dict": dict,
    "set": set,
    "frozenset": frozenset,
    "tuple": tuple,
    "Decimal": decimal.Decimal,
    # functions
    "abs": abs,
    "all": all,
    "any": any,
    "callable": callable,
    "chr": chr,
    "divmod": divmod,
    "enumerate": enumerate,
    "filter": filter,
    "isinstance": isinstance,
    "len": len,
    "map": map,
    "max": max,
    "min": min,
    "ord": ord,
    "repr": repr,
    "reversed": reversed,
    "sorted": sorted,
    # dates
    "datetime": _dt.datetime,
    "date": _dt.date,
    "timedelta": _dt.timedelta,
    "timezone": _dt.timezone,
    "now": _now,
    "today": _today,
    "parse_date": _parse_date,
    "parse_datetime": _parse_datetime,
    "math": _MATH,
    # errors a script may raise or catch
    "Exception": Exception,
    "ValueError": ValueError,
    "TypeError": TypeError,
    "KeyError": KeyError,
    "IndexError": IndexError,
    "ZeroDivisionError": ZeroDivisionError,
    "ArithmeticError": ArithmeticError,
    "LookupError": LookupError,
}

# -- what a script may leave in the task data ----------------------------------------------------

_SCALARS = (str, int, float, bool, type(None), _dt.datetime, _dt.timedelta, uuid.UUID)
# JSON writes integers as decimal text, which Python refuses beyond 4,300 digits.
_MAX_STORED_INT_DIGITS = 4000
_MAX_STORED_INT_BITS = int(_MAX_STORED_INT_DIGITS * math.log2(10))


def storable(value, *, path: str = "value", depth: int = 0):
    """`value` as it can be stored in process data, or ScriptDataError naming what is not."""
    if depth > 64:
        raise ScriptDataError(f"{path} is nested too deeply (or refers to itself).")
    if isinstance(value, _SCALARS):
        if isinstance(value, float) and not math.isfinite(value):
            raise ScriptDataError(f"{path} is {value}, which cannot be stored in process data.")
        if isinstance(value, int) and value.bit_length() > _MAX_STORED_INT_BITS:
            raise ScriptDataError(
                f"{path} is a number of more than {_MAX_STORED_INT_DIGITS:,} digits, "
                "which cannot be stored in process data."
            )
        return value
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ScriptDataError(f"{path} is {value}, which cannot be stored in process data.")
        if value == value.to_integral_value() and value.adjusted() < 18:
            return int(value)
        number = float(value)
        if not math.isfinite(number):
            # Stored as a JSON number it would be Infinity, which the database refuses late and
            # far from the script; refuse it here, naming the variable.
            raise ScriptDataError(
                f"{path} is {value}, which is too large to be stored in process data "
                "(numbers are stored as floats up to about 1e308)."
            )
        return number
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            if not isinstance(key, (str, int, float, bool)):
                raise ScriptDataError(f"{path} has a key of type {type(key).__name__}; use strings.")
            result[key] = storable(item, path=f"{path}[{key!r}]", depth=depth + 1)
        return result
    if isinstance(value, (list, tuple)):
        return [storable(item, path=f"{path}[{index}]", depth=depth + 1) for index, item in enumerate(value)]
    if isinstance(value, (set, frozenset)):
        items = [storable(item, path=f"{path} item", depth=depth + 1) for item in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    raise ScriptDataError(
        f"{path} is a {type(value).__name__}, which cannot be stored in process data "
        "(use numbers, strings, lists, dicts, datetime or timedelta)."
    )


def _approx_size(value) -> int:
    """Rough JSON size of a storable value, without building the document."""
    if isinstance(value, str):
        return len(value) + 2
    if isinstance(value, dict):
        return 2 + sum(len(str(key)) + 4 + _approx_size(item) for key, item in value.items())
    if isinstance(value, list):
        return 2 + sum(_approx_size(item) + 1 for item in value)
    return 24


# -- the SpiffWorkflow integration -----------------------------------------------------------------


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions and executes scripts against task data inside the sandbox.

    `helpers` are read-only functions offered to scripts (e.g. ``manager_of``); they run outside
    the time limit (they are trusted code) and must return plain data.
    """

    def __init__(
        self,
        helpers: Mapping[str, Callable[..., Any]] | None = None,
        *,
        limits: SandboxLimits = DEFAULT_LIMITS,
        service_handler: Callable[..., Any] | None = None,
        isolated: bool = True,
    ):
        helpers = dict(helpers or {})
        for name in helpers:
            if name.startswith("_") or not name.isidentifier():
                raise ValueError(f"helper name {name!r} must be an identifier not starting with '_'")
        super().__init__({name: _trusted_helper(function) for name, function in helpers.items()})
        self.limits = limits
        self.service_handler = service_handler
        # In a worker process (engine.sandbox_worker) unless a caller opts out, e.g. to measure.
        self.isolated = isolated

    def evaluate(self, expression, context, external_context=None):
        source = expression.strip() if isinstance(expression, str) else expression
        _code(source, "eval")  # a compile error is refused here, without a round trip
        return self._run("eval", source, context, external_context or {})

    def execute(self, script, context, external_context=None):
        external_context = external_context or {}
        self._check_for_overwrite(context, external_context)
        _code(script, "exec")
        result = self._run("exec", script, context, external_context)
        context.clear()
        context.update(result)
        return True

    def _run(self, mode, source, context, external_context):
        bounded = bounded_expression(source) if mode == "eval" else bounded_script(source)
        if self.isolated and not bounded:
            from .sandbox_worker import run_isolated

            return run_isolated(mode, source, context, external_context, self.globals, self.limits)
        try:
            return run_here(mode, source, context, external_context, self.globals, self.limits)
        except Exception as error:  # the line, as a worker reports it
            if not getattr(error, "script_line", 0):
                error.script_line = script_line(error)
            raise

    def call_service(self, context, **kwargs):
        if self.service_handler is None:
            raise NotImplementedError("service tasks need a service handler")
        return self.service_handler(context, **kwargs)

    def _check_for_overwrite(self, context, external_context):
        clashes = (set(self.globals) | set(external_context)) & set(context)
        if clashes:
            names = ", ".join(sorted(clashes))
            raise ScriptRefused(f"task data overwrites predefined helper(s): {names}; rename the field(s).")


def _trusted_helper(function):
    @functools.wraps(function)
    def helper(*args, **kwargs):
        # Helpers are trusted, but what they hand to a script must be plain data, never a model
        # instance whose methods (save, delete) the script could call.
        return storable(function(*args, **kwargs), path=f"the result of {function.__name__}()")

    return helper


def _code(source, mode):
    if not isinstance(source, str):
        raise ScriptRefused(f"a {mode} source must be text, not {type(source).__name__}")
    code, errors = _compile(source, mode)
    if errors:
        raise ScriptRefused("; ".join(errors), errors=list(errors))
    return code


_BOUNDED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.Is,
    ast.IsNot,
    ast.In,
    ast.NotIn,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Subscript,
    ast.Tuple,
    ast.List,
    ast.Set,
)
_LITERALS = (ast.Tuple, ast.List, ast.Set)


@functools.lru_cache(maxsize=2048)
def bounded_expression(source: str) -> bool:
    """True for a condition that cannot run long whatever the data: a few comparisons, boolean
    and arithmetic operators (+ - * /, guarded as everywhere), names, literals and subscripts;
    no call, lambda, comprehension, attribute, power or %. Each operator is at most linear in
    the size of the data (which the database bounds), and there are at most 64 of them, so
    these run in this process and skip the worker's round trip (most gateway conditions and
    DMN cells, e.g. ``amount > 1000 and kind in ('a', 'b')``). `in` needs a literal collection
    on its right: a substring search of a long text can be quadratic."""
    if len(source) > 1000:
        return False
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError):
        return False
    return _bounded_tree(tree, _BOUNDED_NODES)


def _bounded_tree(tree: ast.AST, allowed: tuple) -> bool:
    nodes = list(ast.walk(tree))
    if len(nodes) > 64:
        return False
    for node in nodes:
        if not isinstance(node, allowed):
            return False
        if isinstance(node, ast.Compare):
            for op, right in zip(node.ops, node.comparators, strict=True):
                if isinstance(op, (ast.In, ast.NotIn)) and not isinstance(right, _LITERALS):
                    return False
        if isinstance(node, ast.Subscript) and not isinstance(node.slice, (ast.Constant, ast.Name)):
            return False
    return True


def script_line(error: BaseException) -> int:
    """The line of the script (or expression) the error was raised on; 0 when not in it."""
    line = 0
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == SCRIPT_FILENAME:
            line = frame.lineno or 0
    return line


_MAX_BOUNDED_STATEMENTS = 16


@functools.lru_cache(maxsize=2048)
def bounded_script(source: str) -> bool:
    """True for a script of at most 16 plain assignments (``name = <bounded expression>``, see
    bounded_expression; a conditional value ``a if c else b`` too): no loop, call, attribute or
    definition, so its cost is bounded by its shape as a condition's is, and it runs in this
    process without the worker's round trip (e.g. ``status = "approved" if approved else
    "rejected"``). Every operator is guarded as everywhere: a chain of assignments cannot grow a
    value past the size caps."""
    if len(source) > 4000:
        return False
    try:
        tree = ast.parse(source, mode="exec")
    except (SyntaxError, ValueError):
        return False
    if not tree.body or len(tree.body) > _MAX_BOUNDED_STATEMENTS:
        return False
    for statement in tree.body:
        if not (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and not statement.targets[0].id.startswith("_")
        ):
            return False
        if not _bounded_tree(statement.value, (*_BOUNDED_NODES, ast.IfExp)):
            return False
    return True


def run_here(
    mode: str,
    source: str,
    context: Mapping,
    external_context: Mapping,
    helpers: Mapping[str, Callable[..., Any]],
    limits: SandboxLimits,
):
    """Run a script ('exec': returns the task data it leaves) or an expression ('eval': returns its
    value) in this process, under the guards, the loop clock and the memory probe. The worker
    processes call this; alone it cannot stop a long C-level call (see engine.sandbox_worker)."""
    code = _code(source, mode)
    run = _Run(limits)
    guards = _make_guards(run)
    namespace = dict(guards)
    namespace.update(helpers)
    namespace.update(external_context)
    namespace.update(context)
    if mode == "eval":
        return _run(run, code, namespace)
    _run(run, code, namespace)
    result = {}
    for key, value in namespace.items():
        if key in guards or (key in helpers and key not in context):
            continue
        if key in external_context and key not in context:
            continue
        if key == "_print" and key not in context:
            continue
        if callable(value) and key not in context:
            continue  # functions defined by the script are not data (as in SpiffWorkflow)
        result[key] = storable(value, path=key)
    size = sum(len(key) + _approx_size(value) for key, value in result.items())
    if size > limits.max_data_bytes:
        raise ScriptTooLarge(
            f"the script left {size:,} bytes of data; the limit is {limits.max_data_bytes:,}."
        )
    return result


def _run(run: _Run, code, namespace):
    try:
        result = eval(code, namespace)  # noqa: S307 - restricted bytecode, guarded namespace
        # (within 2 ms of the last reading resident memory cannot have grown by the cap, tens of MB
        # or more: most runs, a condition or a one-line script, read it once. Each reading is a
        # system call, which at 16 threads queued on the process's memory map lock.)
        if time.monotonic() - run.memory_checked > 0.002:
            run.check_memory()
        return result
    except RecursionError:
        raise ScriptRefused("the script recursed too deeply.") from None
    except MemoryError:
        megabytes = run.limits.max_memory_bytes // (1024 * 1024)
        raise ScriptTooLarge(f"the script used more than {megabytes} MB of memory.") from None


class SandboxedScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine with every script, condition and expression sandboxed."""

    def __init__(
        self,
        *,
        helpers: Mapping[str, Callable[..., Any]] | None = None,
        limits: SandboxLimits = DEFAULT_LIMITS,
        service_handler: Callable[..., Any] | None = None,
        environment: SandboxedEnvironment | None = None,
    ):
        super().__init__(
            environment=environment
            or SandboxedEnvironment(helpers, limits=limits, service_handler=service_handler)
        )

    def create_task_exec_exception(self, task, script, err):
        error = super().create_task_exec_exception(task, script, err)
        if error is not err:
            error.__cause__ = err  # the runtime reads the refusal's type and code from here
        # A script that ran in a worker left no frame here; the worker sent the line along.
        line = getattr(err, "script_line", 0)
        if line and not error.line_number and isinstance(script, str):
            lines = script.splitlines()
            error.line_number = line
            error.error_line = lines[line - 1] if line <= len(lines) else ""
        return error

    def evaluate(self, task, expression, external_context=None):
        try:
            return super().evaluate(task, expression, external_context)
        except WorkflowTaskException as error:
            if error.__cause__ is None and isinstance(error.__context__, ScriptRefused):
                error.__cause__ = error.__context__
            if isinstance(error.__cause__, ScriptRefused):
                # The incident shows this message: say why the condition was refused.
                error.add_note(str(error.__cause__))
            raise

    def call_service(self, task, **kwargs):
        try:
            return self.environment.call_service(task.data, **kwargs)
        except WorkflowTaskException:
            raise
        except Exception as error:
            raise WorkflowTaskException(
                f"{error.__class__.__name__}: {error}", task=task, exception=error
            ) from error

    def check_script(self, source: str) -> list[str]:
        return check_script(source)

    def check_expression(self, source: str) -> list[str]:
        return check_expression(source)
