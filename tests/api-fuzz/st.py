"""schemathesis's `st`, with Python's AST construction made one-at-a-time across threads.

Why: CPython 3.11 (up to at least 3.11.7, which CI has) keeps the AST constructor's recursion
depth in per-interpreter state. Two threads in `ast.parse` at once (schemathesis `--workers 2`,
where hypothesis parses source to describe lambdas) can interleave at a garbage collection
and then fail with `SystemError: AST constructor recursion depth mismatch` — a crash of the
fuzzer, not a finding about the API (python/cpython#106905). A lock around `ast.parse`
removes the race; nothing else changes.
"""

import ast
import sys
import threading

_parse_lock = threading.RLock()
_parse = ast.parse


def _serial_parse(*args, **kwargs):
    with _parse_lock:
        return _parse(*args, **kwargs)


ast.parse = _serial_parse

from schemathesis.cli import schemathesis  # noqa: E402 — after the patch, on purpose

if __name__ == "__main__":
    sys.argv[0] = "st"
    sys.exit(schemathesis())
