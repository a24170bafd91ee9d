"""The parsing worker (workbook/sandbox.py): ``python -m workbook._parse_worker MEMORY_BYTES``.

Limits its own address space, then answers length-prefixed pickled requests on stdin/stdout
until stdin closes. Requests: ``("read", data, file_name, headers)`` → a RawWorkbook;
``("scan", data, file_name)`` → its guard.Inspection (the safety checks alone);
``("parse", data, file_name, headers, early_meta)`` → a RawWorkbook without the scan's facts (the
parse alone; the parent runs both at once in two workers and uses the parse only when the scan
passed); with ``early_meta`` a first answer ``("meta", dict or None)`` is sent as soon as the
template's 说明 sheet is read, before the RawWorkbook;
``("sleep", seconds)`` / ``("allocate", bytes)`` are test hooks (sleep or allocate) used by the sandbox tests.
"""

from __future__ import annotations

import os
import pickle
import resource
import struct
import sys
import time

_HEADER = struct.Struct(">Q")


def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _read_exact(stream, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def main() -> int:
    memory = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 30
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # nothing printed by a library may corrupt the answers
    stdin = sys.stdin.buffer
    import python_calamine  # noqa: F401

    from workbook.reader import parse_file, read_workbook, scan_file  # import before the limit

    limit = _vm_size() + memory
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        header = _read_exact(stdin, _HEADER.size)
        if header is None:
            return 0
        body = _read_exact(stdin, _HEADER.unpack(header)[0])
        if body is None:
            return 0
        request = pickle.loads(body)  # noqa: S301 - from our own parent process
        if request[0] == "read":
            _, data, file_name, headers = request
            answer = read_workbook(data, file_name, headers, isolated=False)
        elif request[0] == "scan":
            answer = scan_file(request[1], request[2])
        elif request[0] == "parse":
            _, data, file_name, headers, early_meta = request
            sent: list[bool] = []

            def send_meta(meta, sent=sent) -> None:
                if not sent:
                    sent.append(True)
                    _answer(out, ("meta", meta))

            answer = parse_file(data, file_name, headers, send_meta if early_meta else None)
            if early_meta:
                send_meta(None)  # exactly one early answer, even when the parse failed before it
        elif request[0] == "sleep":
            time.sleep(request[1])
            answer = "slept"
        elif request[0] == "allocate":
            answer = len(bytearray(request[1]))
        else:
            answer = None
        _answer(out, answer)


def _answer(out, answer: object) -> None:
    payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_HEADER.pack(len(payload)) + payload)
    out.flush()


if __name__ == "__main__":
    sys.exit(main())
