"""floorjudge's Python runtime: a WASI command component that runs one
submission as __main__.

componentize-py builds it once per judgehost (installer/lib.sh,
ensure_python_runtime). What this module imports at the top is initialised
then and kept in the component's snapshot: only those standard modules exist
when a submission runs, so the list is every pure-Python and built-in module
a contest solution plausibly uses.

Arguments: ``python3 SOURCE`` runs SOURCE; ``python3 --check NAME SOURCE``
only compiles it (a SyntaxError is printed and the exit status is 1).
"""

import sys

import abc, array, base64, bisect, calendar, cmath, collections  # noqa: E401,F401
import collections.abc, contextlib, copy, dataclasses, datetime  # noqa: E401,F401
import decimal, difflib, enum, fractions, functools, graphlib  # noqa: E401,F401
import hashlib, heapq, inspect, io, itertools, json, keyword, math  # noqa: E401,F401
import numbers, operator, os, pprint, queue, random, re, statistics  # noqa: E401,F401
import string, struct, textwrap, time, traceback, types, typing  # noqa: E401,F401
import unicodedata, warnings, weakref, zlib, binascii, codecs  # noqa: E401,F401
import copyreg, reprlib, fnmatch, locale, sre_compile, sre_parse  # noqa: E401,F401

from wit_world import exports
from wit_world.imports import environment, exit as wasi_exit
from componentize_py_types import Err


def _no_sleep(seconds: float) -> None:
    """time.sleep: clocks are frozen in the sandbox and a blocked host call
    would outlive the wall-clock limit, so sleeping returns at once."""
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")


time.sleep = _no_sleep


def _fail() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    wasi_exit.exit(Err(None))


class Run(exports.Run):
    def run(self) -> None:
        args = environment.get_arguments()
        if len(args) == 4 and args[1] == "--check":
            try:
                compile(args[3], args[2], "exec")
            except (SyntaxError, ValueError) as e:
                traceback.print_exception(e, limit=0)
                _fail()
            return
        source = args[-1]
        sys.argv = ["solution.py"]
        scope = {"__name__": "__main__", "__builtins__": __builtins__}
        try:
            exec(compile(source, "solution.py", "exec"), scope)
        except SystemExit as e:
            if e.code not in (None, 0):
                if not isinstance(e.code, int):
                    print(e.code, file=sys.stderr)
                _fail()
        except BaseException as e:  # the submission's error: a traceback and status 1
            traceback.print_exception(e)
            _fail()
        sys.stdout.flush()
