"""Render a template for one creator in a sandbox; refuse anything unfinished."""

from __future__ import annotations

import contextlib
import re
import signal
import threading
import time
import traceback
from collections.abc import Iterator, Mapping
from typing import Any, NoReturn

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from outreach.core import addressing
from outreach.core.rendered import RenderedMessage
from outreach.core.template_source import TemplatePart, TemplateSource

# Leftover template syntax in the output means a value held template code or a
# {% raw %} slipped through: either way the creator would see "{{ first_name }}".
_UNRENDERED = re.compile(r"\{\{|\}\}|\{%|%\}")


class MissingField(UndefinedError):
    """A template used a value that is not there."""

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(f"{field!r} is undefined")


class EmptyField(ValueError):
    """A template rendered a personal field as nothing."""

    def __init__(self, field: str, detail: str) -> None:
        self.field = field
        super().__init__(detail)


class _Missing(StrictUndefined):
    """StrictUndefined that remembers which field was missing, for the error message."""

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> NoReturn:
        hint = self._undefined_hint or ""
        if "unsafe" in hint:  # the sandbox turned a forbidden attribute into an undefined
            raise SecurityError(hint)
        raise MissingField(self._undefined_name or "a value")


# Jinja binds every operator of Undefined to the base class's failure method, so a missing
# value used in "followers >= 1000" or "a + b" would bypass the override above.
for _operator in (
    "__str__", "__iter__", "__len__", "__bool__", "__eq__", "__ne__", "__hash__",
    "__contains__", "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
    "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__",
    "__pos__", "__neg__", "__call__", "__getitem__", "__lt__", "__le__", "__gt__", "__ge__",
    "__int__", "__float__", "__complex__", "__pow__", "__rpow__",
):  # fmt: skip
    setattr(_Missing, _operator, _Missing._fail_with_undefined_error)


def _filter(fn: Any, field: str = "name") -> Any:
    def wrapped(value: Any) -> str:
        try:
            return str(fn(value))
        except addressing.EmptyAddressError as exc:
            raise EmptyField(field, str(exc)) from None

    return wrapped


# One message is a few kilobytes: a template that needs more, or more time, is a mistake (or
# a hostile edit) and must not stall every creator's planning, nor fill the memory.
MAX_OUTPUT_CHARACTERS = 200_000  # per part
MAX_RENDER_SECONDS = 2.0
MAX_RANGE = 10_000
MAX_EXPONENT = 1_000


class RenderLimit(Exception):
    """A template went over a size or time limit while rendering."""


class _BoundedSandbox(SandboxedEnvironment):
    """The sandbox, with '*', '**' and range() unable to build something huge."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Refuse repetitions and powers whose result would be over the limits."""
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                repeated = isinstance(sequence, str | list | tuple) and isinstance(count, int)
                if repeated and len(sequence) * count > MAX_OUTPUT_CHARACTERS:
                    raise RenderLimit(f"a repetition makes over {MAX_OUTPUT_CHARACTERS:,} items")
        if operator == "**" and isinstance(right, int) and abs(right) > MAX_EXPONENT:
            raise RenderLimit(f"an exponent over {MAX_EXPONENT}")
        return super().call_binop(context, operator, left, right)


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise RenderLimit(f"range() of over {MAX_RANGE:,} numbers")
    return numbers


def _environment(autoescape: bool) -> SandboxedEnvironment:
    env = _BoundedSandbox(undefined=_Missing, autoescape=autoescape, keep_trailing_newline=False)
    env.globals["range"] = _bounded_range
    env.filters.update(
        first_name=_filter(addressing.first_name),
        sama=_filter(addressing.sama),
        san=_filter(addressing.san),
        nim=_filter(addressing.nim),
    )
    return env


_TEXT_ENV = _environment(autoescape=False)
_HTML_ENV = _environment(autoescape=True)


class TemplateProblem(ValueError):
    """A template cannot be compiled; line is the file's line number when known."""

    def __init__(self, line: int | None, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(reason)


TEMPLATE_CODE = "template code"


class RenderProblem(ValueError):
    """Rendering for one creator failed: field names what is missing or wrong."""

    def __init__(self, field: str, reason: str, line: int | None = None) -> None:
        self.field = field
        self.reason = reason
        self.line = line
        super().__init__(reason)


class CompiledTemplate:
    """A parsed, compiled template, ready to render for many creators."""

    def __init__(self, source: TemplateSource) -> None:
        self.source = source
        self._subject = _compile(_TEXT_ENV, source.subject) if source.subject else None
        self._text = _compile(_TEXT_ENV, source.text)
        self._html = _compile(_HTML_ENV, source.html) if source.html else None

    def render(self, context: Mapping[str, Any]) -> RenderedMessage:
        """Render every part, raising RenderProblem naming the field at fault."""
        # One timer for the whole message: setting and clearing it costs more than rendering
        # a short part, and each part still checks its own deadline as it goes.
        try:
            with _time_limit(MAX_RENDER_SECONDS):
                subject = _render(self._subject, context).strip() if self._subject else None
                text = _render(self._text, context).strip("\n") + "\n"
                html = None
                if self._html is not None:
                    html = _render(self._html, context).strip("\n") + "\n"
        except RenderLimit as exc:  # the timer went off between two parts
            raise RenderProblem(TEMPLATE_CODE, f"over a limit: {exc}") from None
        _check_finished(subject, text, html)
        return RenderedMessage(subject=subject, text=text, html=html)


def _compile(env: SandboxedEnvironment, part: TemplatePart) -> Template:
    try:
        return env.from_string(part.padded())
    except TemplateSyntaxError as exc:
        raise TemplateProblem(exc.lineno, exc.message or "syntax error") from None


def _render(template: Template, context: Mapping[str, Any]) -> str:
    try:
        return _render_bounded(template, context)
    except RenderLimit as exc:
        raise RenderProblem(TEMPLATE_CODE, f"over a limit: {exc}", _template_line(exc)) from None
    except MissingField as exc:
        raise RenderProblem(exc.field, "the creator has no value for it") from None
    except EmptyField as exc:
        raise RenderProblem(exc.field, f"it would render empty ({exc})") from None
    except UndefinedError as exc:
        raise RenderProblem("a value", str(exc)) from None
    except SecurityError as exc:
        raise RenderProblem(
            TEMPLATE_CODE, f"unsafe template code refused: {exc}", _template_line(exc)
        ) from None
    except Exception as exc:  # 1/0, {% include %} without a loader, a filter given bad input
        reason = f"{type(exc).__name__}: {exc}"
        raise RenderProblem(TEMPLATE_CODE, reason, _template_line(exc)) from None


def _render_bounded(template: Template, context: Mapping[str, Any]) -> str:
    """Render piece by piece, stopping at MAX_OUTPUT_CHARACTERS or MAX_RENDER_SECONDS."""
    pieces: list[str] = []
    size = 0
    deadline = time.monotonic() + MAX_RENDER_SECONDS
    # The caller's timer interrupts a loop that writes nothing (see CompiledTemplate.render).
    for piece in template.generate(dict(context)):
        size += len(piece)
        if size > MAX_OUTPUT_CHARACTERS:
            raise RenderLimit(f"the output is over {MAX_OUTPUT_CHARACTERS:,} characters")
        if time.monotonic() > deadline:
            raise RenderLimit(f"rendering took over {MAX_RENDER_SECONDS:g} s")
        pieces.append(piece)
    return "".join(pieces)


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt a loop that writes nothing for too long (main thread only: a signal)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # the per-piece checks above still hold
        return

    def expired(signum: int, frame: object) -> None:
        raise RenderLimit(f"rendering took over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _template_line(exc: BaseException) -> int | None:
    """The template line an error happened on (Jinja2 maps its frames to '<template>')."""
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename == "<template>"
    ]
    return lines[-1] if lines else None


def _check_finished(subject: str | None, text: str, html: str | None) -> None:
    if subject is None:
        subject = "(from the thread)"
    if not subject:
        raise RenderProblem("subject", "the subject renders empty")
    if "\n" in subject or "\r" in subject:
        raise RenderProblem("subject", "the subject would contain a line break")
    for part_name, rendered in (("subject", subject), ("body", text), ("html", html or "")):
        if _UNRENDERED.search(rendered):
            raise RenderProblem(part_name, "the output still contains template syntax '{{' or '{%'")
    if not text.strip():
        raise RenderProblem("body", "the body renders empty")
