"""Checking an import's rows in a forked process, beside the process that writes them.

Checking a row (e-mail addresses, phone numbers, dates, choices) is Python, and
so is much of writing one: SQLite's ``executemany`` binds every row under the
GIL, and on PostgreSQL the importer prepares each chunk for ``COPY``. Two threads
of one process take turns at the GIL; a child process runs on the other core.
``ForkedChunks`` forks the importing thread: the child reads and checks chunk
after chunk and sends each one, pickled, through a pipe; the importer takes them
in order. Measured on a 100,000-row file into a million people (2 cores,
alternating runs of both ways): SQLite 9,500-12,100 rows/s on a thread,
13,700-14,400 forked.

The child is a copy of the importing thread: it has the file, the checker and the
request context (the language of the messages) without their being sent, and it
touches nothing else of the parent: no database connection, no other thread, no
lock another thread might have held when it was forked. It ends with ``os._exit``
(no atexit handler, no flush of buffers it shares with the parent). The parent
kills and reaps it when it is done with it, also after an error; the child ends
by itself when the parent goes away (its next write finds the pipe closed).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import signal
import struct
import warnings
from collections.abc import Callable, Iterator
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows, which cannot fork either
    fcntl = None  # type: ignore[assignment]

#: a chunk that takes longer than this to arrive means the child is stuck (a chunk takes milliseconds)
STALL_SECONDS = 120.0
_PIPE_BYTES = 1 << 20
#: each message: its length (8 bytes), then ``pickle.dumps((ok, item))``
_HEADER = struct.Struct("!Q")


def available() -> bool:
    """Whether this platform can fork (Linux, macOS; not Windows)."""
    return hasattr(os, "fork")


class ChildFailed(RuntimeError):
    """The checking process ended without saying why (killed, out of memory) or got stuck."""


class ForkedChunks:
    """``produce()``'s items, made in a forked child: ``next()`` returns them in order, then None."""

    def __init__(self, produce: Callable[[], Iterator[Any]]) -> None:
        read_fd, write_fd = os.pipe()
        _widen(write_fd)
        try:
            with warnings.catch_warnings():
                # Python 3.12+ warns about forking a process with threads: the child only runs
                # ``produce`` (see the module docstring)
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
        except OSError:  # no memory or no process left for a child: the caller checks on a thread
            os.close(read_fd)
            os.close(write_fd)
            raise
        if pid == 0:  # pragma: no cover - runs in the child, whose coverage is not collected
            os.close(read_fd)
            _child(produce, write_fd)
        os.close(write_fd)
        self.pid: int | None = pid
        self._fd: int | None = read_fd
        self._done = False

    def next(self) -> Any | None:
        """The next item (None after the last); the child's exception, if it raised one."""
        if self._done:
            return None
        try:
            (size,) = _HEADER.unpack(self._read(_HEADER.size))
            ok, item = pickle.loads(self._read(size))
        except ChildFailed:
            self.close()
            raise
        if not ok:
            self.close()
            raise item
        if item is None:
            self._done = True
        return item

    def _read(self, size: int) -> bytes:
        parts = []
        while size > 0:
            if self._fd is None:
                raise ChildFailed("the pipe from the checking process is closed")
            ready, _w, _x = select.select([self._fd], [], [], STALL_SECONDS)
            if not ready:
                raise ChildFailed(f"no checked rows for {STALL_SECONDS:.0f} seconds")
            part = os.read(self._fd, min(size, _PIPE_BYTES))
            if not part:
                raise ChildFailed("the process checking the rows ended unexpectedly")
            parts.append(part)
            size -= len(part)
        return b"".join(parts)

    def close(self) -> None:
        """Stop and reap the child (it may be done already); idempotent."""
        self._done = True
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
        pid, self.pid = self.pid, None
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):  # a SIGCHLD handler may have reaped it
            os.waitpid(pid, 0)


def _child(produce: Callable[[], Iterator[Any]], write_fd: int) -> None:  # pragma: no cover - child only
    code = 0
    # a short-lived process: no collector passes over the parent's heap (that would also copy its pages)
    gc.disable()
    out = os.fdopen(write_fd, "wb", buffering=_PIPE_BYTES)

    def send(message: tuple[bool, Any]) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_HEADER.pack(len(data)))
        out.write(data)
        out.flush()

    try:
        for item in produce():
            send((True, item))
        send((True, None))
    except BrokenPipeError:
        code = 1  # the parent is gone or stopped reading
    except BaseException as exc:
        code = 1
        with contextlib.suppress(BaseException):
            send((False, _portable(exc)))
    finally:
        os._exit(code)


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling (the import's own errors do), else a RuntimeError saying what it was."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _widen(fd: int) -> None:
    """Let the pipe hold a whole chunk (Linux), so the child runs a chunk ahead of the reader."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is not None:
        with contextlib.suppress(OSError):  # above /proc/sys/fs/pipe-max-size: keep the default
            fcntl.fcntl(fd, set_size, _PIPE_BYTES)


__all__ = ["ChildFailed", "ForkedChunks", "available"]
