"""Calls back on each line the frames of a few functions run, and when the target's
frames end (in the child): through `sys.monitoring` on Python 3.12 and later (events of
those code objects only, so the rest of the run is not slowed), through `sys.settrace`
before."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Collection, Iterator
from types import CodeType, FrameType
from typing import Any

Line = Callable[[FrameType, int], None]  # the frame is about to run the line
End = Callable[[FrameType], None]  # the frame returns or unwinds


@contextlib.contextmanager
def traced(
    code: CodeType, line: Line, end: End, others: Collection[CodeType] = ()
) -> Iterator[None]:
    """Report the lines and ends of the frames of `code`, and the lines of the frames of
    `others`, while the block runs."""
    monitoring: Any = getattr(sys, "monitoring", None)
    tracer = _monitored if monitoring is not None else _settraced
    with tracer(code, line, end, frozenset(others) - {code}):
        yield


@contextlib.contextmanager
def _settraced(code: CodeType, line: Line, end: End, others: frozenset[CodeType]) -> Iterator[None]:
    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            line(frame, frame.f_lineno)
        elif event == "return" and frame.f_code is code:  # also when the frame unwinds
            end(frame)
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code is code or frame.f_code in others else None

    sys.settrace(calls)
    try:
        yield
    finally:
        sys.settrace(None)


@contextlib.contextmanager
def _monitored(code: CodeType, line: Line, end: End, others: frozenset[CodeType]) -> Iterator[None]:
    monitoring: Any = getattr(sys, "monitoring")  # noqa: B009  # absent before 3.12
    events = monitoring.events
    tool = next(
        (t for t in range(monitoring.PROFILER_ID, 6) if monitoring.get_tool(t) is None), None
    )
    if tool is None:  # every tool slot taken (a debugger, a profiler): trace instead
        with _settraced(code, line, end, others):
            yield
        return
    monitoring.use_tool_id(tool, "seedlint confirm")

    def on_line(where: CodeType, number: int) -> None:
        line(sys._getframe(1), number)

    def on_end(where: CodeType, offset: int, value: object) -> None:
        if where is code:
            end(sys._getframe(1))

    try:
        monitoring.register_callback(tool, events.LINE, on_line)
        monitoring.register_callback(tool, events.PY_RETURN, on_end)
        monitoring.register_callback(tool, events.PY_UNWIND, on_end)
        monitoring.set_local_events(tool, code, events.LINE | events.PY_RETURN)
        for other in others:
            monitoring.set_local_events(tool, other, events.LINE)
        monitoring.set_events(tool, events.PY_UNWIND)  # global only: filtered by code
        yield
    finally:
        for watched in (code, *others):
            monitoring.set_local_events(tool, watched, 0)
        monitoring.set_events(tool, 0)
        for event in (events.LINE, events.PY_RETURN, events.PY_UNWIND):
            monitoring.register_callback(tool, event, None)
        monitoring.free_tool_id(tool)
