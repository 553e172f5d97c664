"""The jinja2 sandbox that user-written question templates run in, with its budgets.

A deck's own templates are untrusted: they render in jinja2's :class:`SandboxedEnvironment`
(no attribute access to Python internals) with limits on time (:data:`RENDER_SECONDS`), output
(:data:`RENDER_CHARS`), widths, repeats, powers and ranges, and recursion. Every overrun and
template error becomes a :class:`~studykit.errors.LoadError` at the template's location.
"""

from __future__ import annotations

import functools
import re
import signal
import threading
import time

from jinja2 import BaseLoader, StrictUndefined, TemplateError, TemplateNotFound, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from .errors import LoadError, Location
from .model import UserTemplate

__all__ = ["RENDER_CHARS", "RENDER_SECONDS", "compile_user_template", "render_limited"]

#: A user template may take this long and write this much, then it is stopped.
RENDER_SECONDS = 2.0
RENDER_CHARS = 10_000


class _Budget(Exception):
    pass


def _refuse_huge(args, kwargs) -> None:
    """Widths and counts above the output budget would allocate before the budget can act."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > RENDER_CHARS:
            raise _Budget(f"an argument of {value:,} is larger than the output budget of {RENDER_CHARS:,}")


def _refuse_huge_widths(format_string: str) -> None:
    """A width or precision in a format string allocates before the output budget can act."""
    for digits in re.findall(r"\d+", format_string):
        if len(digits) > 5 or int(digits) > RENDER_CHARS:
            raise _Budget(f"a width of {int(digits):,} is larger than the output budget of {RENDER_CHARS:,}")


def _refuse_huge_result(text: object, name: str, args: tuple) -> None:
    """``replace`` and ``expandtabs`` multiply a text's length: measure the result before making it."""
    if not isinstance(text, str):
        return
    size = 0
    if name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        count = text.count(args[0]) if args[0] else len(text) + 1
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            count = min(count, args[2])
        size = len(text) + count * (len(args[1]) - len(args[0]))
    elif name == "expandtabs":
        width = args[0] if args and isinstance(args[0], int) else 8
        size = len(text) + text.count("\t") * max(0, width - 1)
    if size > RENDER_CHARS:
        raise _Budget(f"{name}() would make {size:,} characters, more than the output budget of {RENDER_CHARS:,}")


def _limited_filter(function):
    @functools.wraps(function)  # keeps jinja2's pass_context/pass_environment marks
    def limited(*args, **kwargs):
        _refuse_huge(args[1:], kwargs)
        if function.__name__ == "do_replace":  # {{ s|replace('a', s) }}: args are (eval_ctx, s, old, new[, count])
            _refuse_huge_result(args[1] if len(args) > 1 else None, "replace", args[2:])
        return function(*args, **kwargs)

    return limited


def _limited_range(*args):
    _refuse_huge(args, {})
    if len(range(*args)) > 1000:
        raise _Budget("range() of more than 1,000 items")
    return range(*args)


class _LimitedEnvironment(SandboxedEnvironment):
    """The sandbox with an output budget: no huge repeats, powers, widths or ranges."""

    intercepted_binops = frozenset(["*", "**", "%"])

    def __init__(self, **options):
        super().__init__(**options)
        self.filters = {name: _limited_filter(f) for name, f in self.filters.items()}
        self.globals["range"] = _limited_range

    def call_binop(self, context, operator, left, right):  # noqa: D102 - see jinja2 docs
        if operator == "*":
            seq, times = (left, right) if isinstance(right, int) else (right, left)
            if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and times * len(seq) > RENDER_CHARS:
                raise _Budget(f"output would exceed {RENDER_CHARS:,} characters")
        if operator == "**" and isinstance(right, int) and right > 100:
            raise _Budget("exponent too large")
        if operator == "%" and isinstance(left, str):
            _refuse_huge_widths(left)  # "%0100000000d" % 1
            _refuse_huge(right if isinstance(right, tuple) else (right,), right if isinstance(right, dict) else {})  # "%*d" % (10**8, 1)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - jinja2's own signature
        _refuse_huge(args, kwargs)  # e.g. 'x'.center(10**12)
        method = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        name, owner = getattr(method, "__name__", ""), getattr(method, "__self__", None)
        if name in ("format", "format_map") and isinstance(owner, str):
            _refuse_huge_widths(owner)  # "{:>100000000}".format(1)
            if name == "format_map" and args and isinstance(args[0], dict):
                _refuse_huge((), args[0])  # "{:>{w}}".format_map({'w': 10**8})
        _refuse_huge_result(owner, name, args)  # s.replace('a', s), ('\t' * 9999).expandtabs(9999)
        return super().call(__context, __obj, *args, **kwargs)


class _NoOtherTemplates(BaseLoader):
    """A prompt is one template: ``include``, ``import`` and ``extends`` find nothing, and say so."""

    def get_source(self, environment, template):
        raise TemplateNotFound(template, f"a prompt cannot include, import or extend another template ({template!r})")


_ENV = _LimitedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False, loader=_NoOtherTemplates())


def compile_user_template(spec: UserTemplate):
    """The prompt compiled in the sandbox; a syntax error is located on the prompt's own line."""
    try:
        return _ENV.from_string(spec.prompt)
    except TemplateSyntaxError as exc:
        raise LoadError(f"template {spec.id!r}: prompt has a jinja2 syntax error: {exc.message}", _prompt_line(spec, exc.lineno or 1)) from None
    except RecursionError:  # a prompt nested thousands of levels deep
        where = spec.prompt_location or spec.location
        raise LoadError(f"template {spec.id!r}: prompt is nested too deeply to compile", where) from None


def _prompt_line(spec: UserTemplate, lineno: int) -> Location:
    """The deck's line of the prompt's line ``lineno`` (1-based); its column when it is the first line."""
    start = spec.prompt_location
    if start is None:
        return Location(spec.location.path, spec.location.line, spec.location.col)
    if lineno == 1:
        return start
    return Location(start.path, start.line + lineno - 1, 0)


def render_limited(template, variables: dict, *, where: Location, what: str) -> str:
    """Render with a time and size budget; overruns and template errors become LoadErrors."""
    deadline = time.monotonic() + RENDER_SECONDS
    pieces: list[str] = []
    size = 0
    alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")

    def on_alarm(signum, frame):  # pragma: no cover - only reached by a runaway template
        raise _Budget(f"took longer than {RENDER_SECONDS:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm) if alarm else None
    if alarm:
        signal.setitimer(signal.ITIMER_REAL, RENDER_SECONDS)
    try:
        for piece in template.generate(**variables):
            size += len(piece)
            if size > RENDER_CHARS:
                raise _Budget(f"output exceeds {RENDER_CHARS:,} characters")
            if time.monotonic() > deadline:
                raise _Budget(f"took longer than {RENDER_SECONDS:g} s")
            pieces.append(piece)
    except _Budget as exc:
        raise LoadError(f"{what}: stopped: {exc}", where) from None
    except TemplateError as exc:
        raise LoadError(f"{what}: {exc.message if hasattr(exc, 'message') else exc}", where) from None
    except MemoryError:
        raise LoadError(f"{what}: stopped: ran out of memory", where) from None
    except RecursionError:
        raise LoadError(f"{what}: stopped: the template calls itself too deeply (a macro that never stops recursing?)", where) from None
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
        raise LoadError(f"{what}: {type(exc).__name__}: {exc}", where) from None
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    return "".join(pieces).strip()


