"""What every attn_ir command-line tool shares: reading input, writing output
atomically, and turning user errors into one diagnostic and exit code 1."""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from functools import wraps

import click

from attn_ir.diagnostics import InputError


class UserError(Exception):
    """An error in the user's input: reported in one line, exit code 1."""


def fail(message: str) -> None:
    raise UserError(message)


def read_input(path: str) -> tuple[str, str]:
    """(text, name) of a file, or of stdin for '-'."""
    if path == "-":
        return sys.stdin.read(), "<stdin>"
    try:
        with open(path, encoding="utf-8") as f:
            return f.read(), path
    except OSError as e:
        fail(f"cannot read '{path}': {e.strerror}")
    except UnicodeDecodeError:
        fail(f"cannot read '{path}': not UTF-8 text")
    raise AssertionError("unreachable")


def write_output(path: str | None, text: str | bytes) -> None:
    """Write text (or bytes, e.g. a PNG) to stdout, or atomically to a file
    (nothing is left on failure)."""
    if path is None or path == "-":
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".attn_ir-", suffix=".tmp")
    except OSError as e:
        fail(f"cannot write '{path}': {e.strerror}")
    try:
        with (os.fdopen(fd, "wb") if isinstance(text, bytes)
              else os.fdopen(fd, "w", encoding="utf-8")) as f:
            f.write(text)
        # mkstemp creates the file 0600; give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(e, OSError):
            fail(f"cannot write '{path}': {e.strerror or e}")
        raise


def user_errors(tool: str) -> Callable:
    """Decorator for a click command: a UserError prints ``tool: error: ...``
    and exits 1; an unexpected exception is reported in one line too (with
    the traceback only when ATTN_IR_DEBUG is set)."""

    def decorate(fn: Callable) -> Callable:
        @wraps(fn)
        def run(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except (UserError, InputError) as e:
                click.echo(f"{tool}: error: {e}", err=True)
                sys.exit(1)
            except (click.exceptions.Exit, click.exceptions.Abort, SystemExit):
                raise
            except click.ClickException:
                raise
            except KeyboardInterrupt:
                sys.exit(130)
            except BaseException as e:  # noqa: BLE001 - the CLI never shows a traceback
                if os.environ.get("ATTN_IR_DEBUG"):
                    traceback.print_exc()
                click.echo(f"{tool}: internal error: {type(e).__name__}: {e}", err=True)
                sys.exit(1)

        return run

    return decorate
