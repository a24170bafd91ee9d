"""Parse uploads in a separate process with a memory and a time limit.

A hostile workbook can at worst exhaust the process that reads it. So the safety checks and
the python-calamine parse (``read_workbook(..., isolated=False)``) run in a worker process
(``python -m workbook._parse_worker``) that limits its own address space
(``resource.setrlimit(RLIMIT_AS)``: its size at start plus ``PARSE_MEMORY_BYTES``); the caller
waits at most ``PARSE_TIMEOUT_SECONDS`` and kills the worker when it runs over or dies. Either
way only that upload fails, with a Chinese message (``parse-timeout`` / ``parse-memory``); the
server and every other user carry on.

Workers are kept warm and reused (a parse costs a pipe round trip, not a Python start); at most
``MAX_WORKERS`` parse at once (further uploads wait their turn within the same time limit), and
a worker that has grown large is retired.

When a second worker is free, an upload's safety scan and its calamine parse run at the same
time in two workers (``read_isolated``): the upload waits for the longer of the two, not their
sum. The scan's answer is awaited first; a file it refuses is answered with the scan's errors
at once and the parse (which may be chewing on a bomb, within its own limits) is killed. When
no second worker is free, one worker does both, one after the other, as before. ``on_meta``
(optional) receives the template's 说明 sheet as soon as the parsing worker has read it, before the
data sheets: the import reads the plan's catalogue meanwhile (services/imports/prefetch.py).

``QTT_PARSE_ISOLATION=0`` parses in-process (debugging only: no limits).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from workbook.errors import FileError
from workbook.limits import PARSE_MEMORY_BYTES, PARSE_TIMEOUT_SECONDS, mib

ROOT = Path(__file__).resolve().parent.parent
MAX_WORKERS = 2
MAX_IDLE = 2
RETIRE_RSS_BYTES = 400 * 1024 * 1024
_HEADER = struct.Struct(">Q")

_lock = threading.Lock()
_idle: list[_Worker] = []
_slots = threading.BoundedSemaphore(MAX_WORKERS)


class WorkerFailed(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code, self.detail = code, detail


class _Worker:
    def __init__(self, memory: int) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workbook._parse_worker", str(memory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=str(ROOT),
            env=env,
        )
        self.jobs = 0

    def call(self, payload: object, deadline: float) -> object:
        self.send(payload)
        return self.receive(deadline)

    def send(self, payload: object) -> None:
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.proc.stdin.write(_HEADER.pack(len(data)) + data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerFailed("parse-failed", "读取进程意外退出") from exc

    def receive(self, deadline: float) -> object:
        header = self._read(_HEADER.size, deadline)
        (size,) = _HEADER.unpack(header)
        body = self._read(size, deadline)
        self.jobs += 1
        return pickle.loads(body)  # noqa: S301 - our own worker's answer

    def _read(self, size: int, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        chunks, left = [], size
        while left:
            wait = deadline - time.monotonic()
            if wait <= 0:
                raise WorkerFailed("parse-timeout")
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                raise WorkerFailed("parse-timeout")
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                code = self.proc.wait(timeout=5)
                # killed by the kernel or aborted on a failed allocation: the memory limit
                if code in (-6, -9, 134, 137) or code is None:
                    raise WorkerFailed("parse-memory")
                raise WorkerFailed("parse-failed", f"读取进程退出（{code}）")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    @property
    def fd(self) -> int:
        return self.proc.stdout.fileno()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss(self) -> int:
        try:
            with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            return 0
        return 0

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(Exception):
                pipe.close()


def _checkout(memory: int) -> _Worker:
    with _lock:
        while _idle:
            worker = _idle.pop()
            if worker.alive():
                return worker
            worker.kill()
    return _Worker(memory)


def _checkin(worker: _Worker) -> None:
    if not worker.alive() or worker.rss() > RETIRE_RSS_BYTES:
        worker.kill()
        return
    with _lock:
        if len(_idle) < MAX_IDLE:
            _idle.append(worker)
            return
    worker.kill()


@atexit.register
def shutdown() -> None:
    """Stop the idle workers (at exit; tests call it too)."""
    with _lock:
        workers, _idle[:] = list(_idle), []
    for worker in workers:
        worker.kill()


def warm() -> None:
    """Start the workers ahead of the first upload (in the background; a no-op when they are idle)."""

    def start() -> None:
        with _lock:
            missing = MAX_IDLE - len(_idle)
        for _ in range(missing):
            _checkin(_Worker(PARSE_MEMORY_BYTES))

    threading.Thread(target=start, daemon=True).start()


def run(
    payload: tuple, *, timeout: float = PARSE_TIMEOUT_SECONDS, memory: int = PARSE_MEMORY_BYTES
) -> object:
    """Send ``payload`` (function name, args) to a worker; raise WorkerFailed on timeout or death."""
    deadline = time.monotonic() + timeout
    if not _slots.acquire(timeout=timeout):
        raise WorkerFailed("parse-timeout")
    try:
        worker = _checkout(memory)
        try:
            result = worker.call(payload, deadline)
        except BaseException:
            worker.kill()
            raise
        _checkin(worker)
        return result
    finally:
        _slots.release()


def _scan_and_parse(
    data: bytes, file_name: str, headers: dict | None, timeout: float, memory: int, on_meta=None
):
    """The scan and the parse at once in two workers; None when a second worker is not free now."""
    from workbook.reader import apply_facts, refused

    deadline = time.monotonic() + timeout
    if not _slots.acquire(timeout=timeout):
        raise WorkerFailed("parse-timeout")
    try:
        if not _slots.acquire(blocking=False):
            return None
        try:
            scanner, parser = _checkout(memory), _checkout(memory)
            try:
                parser.send(("parse", data, file_name, headers, on_meta is not None))
                scanner.send(("scan", data, file_name))
                waiting_meta = on_meta is not None
                inspection = None
                while inspection is None:  # whichever answers first: the scan, or the parse's 说明 sheet
                    fds = [scanner.fd] + ([parser.fd] if waiting_meta else [])
                    ready, _, _ = select.select(fds, [], [], max(0.0, deadline - time.monotonic()))
                    if not ready:
                        raise WorkerFailed("parse-timeout")
                    if scanner.fd in ready:
                        inspection = scanner.receive(deadline)
                    else:
                        waiting_meta = False
                        on_meta(parser.receive(deadline)[1])
            except BaseException:
                scanner.kill()
                parser.kill()
                raise
            _checkin(scanner)
            if inspection.errors:
                parser.kill()  # never wait for (or use) the parse of a refused file
                return refused(data, file_name, inspection.errors)
            try:
                if waiting_meta:
                    on_meta(parser.receive(deadline)[1])
                raw = parser.receive(deadline)
            except BaseException:
                parser.kill()
                raise
            _checkin(parser)
            apply_facts(raw, inspection)
            return raw
        finally:
            _slots.release()
    finally:
        _slots.release()


def read_isolated(
    data: bytes,
    file_name: str,
    headers: Mapping[str, str] | None = None,
    *,
    timeout: float = PARSE_TIMEOUT_SECONDS,
    memory: int = PARSE_MEMORY_BYTES,
    on_meta=None,
):
    """``read_workbook`` in a worker process; a timeout or a crash becomes the upload's error.

    ``on_meta(meta)``: see the module's docstring (called at most once; not at all when one worker
    reads the file alone)."""
    import hashlib

    from workbook.reader import RawWorkbook, read_workbook

    if os.environ.get("QTT_PARSE_ISOLATION", "1") == "0":
        return read_workbook(data, file_name, headers, isolated=False, on_meta=on_meta)
    headers = dict(headers) if headers else None
    try:
        raw = _scan_and_parse(data, file_name, headers, timeout, memory, on_meta)
        if raw is None:  # one worker free: the scan, then the parse, in it
            raw = run(("read", data, file_name, headers), timeout=timeout, memory=memory)
        return raw
    except WorkerFailed as failure:
        raw = RawWorkbook(file_name=file_name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        params = {
            "limit": f"{timeout:g}" if failure.code == "parse-timeout" else mib(memory),
            "detail": failure.detail,
        }
        raw.errors.append(FileError(failure.code, params=params))
        return raw
