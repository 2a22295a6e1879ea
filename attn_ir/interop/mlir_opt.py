"""attn_ir IR through LLVM's own ``mlir-opt`` and back.

attn_ir's dialects are not registered in MLIR, but the generic form that
``attn-opt --print-op-generic`` prints is plain MLIR: ``mlir-opt
--allow-unregistered-dialect`` parses it (attn, cascade, tile and accel ops
as unregistered operations, ``#attn.window<left = 2, right = 2>`` and the
other pattern, table and target attributes as opaque dialect attributes,
``<{...}>`` properties, ``array<i32: ...>``, hexadecimal f64 such as
``0xFFF0000000000000``), prints it back, and ``attn-opt`` reads the result::

    attn-opt in.mlir --print-op-generic \\
      | mlir-opt --allow-unregistered-dialect --mlir-print-op-generic \\
      | attn-opt

The module that comes back prints as ``attn-opt in.mlir`` does, except for
two things MLIR does not keep by design, which the check here ignores:

* SSA value names: MLIR numbers values (``%arg0``, ``%0``) where attn-opt
  kept the names of the input (``%q``, ``%o``);
* the order of entries in attribute and property dictionaries: MLIR sorts
  a dictionary by name, attn-opt keeps the order it read (``{block_q = 2,
  block_k = 2}`` comes back as ``{block_k = 2, block_q = 2}``).

Needs MLIR 17 or later (the first to print properties as ``<{...}>``).
Debian ships it as ``mlir-N-tools`` with the binary in
``/usr/lib/llvm-N/bin``; ``find_mlir_opt`` looks there, on PATH and in
``$MLIR_OPT``.

Run over files and directories (every ``*.mlir`` below them, each split at
``// -----``; chunks that attn-opt rejects are not IR to round-trip)::

    python -m attn_ir.interop.mlir_opt test/
"""

from __future__ import annotations

import difflib
import glob
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

import click

MIN_VERSION = 17
"""The first MLIR release whose generic form prints properties as ``<{...}>``."""

SPLIT_MARKER = "// -----"
_SPLIT_LINE = re.compile(r"^// -----\s*$", re.MULTILINE)
"""A line that is only the marker (``// ------...`` comment rules are not)."""
SKIPPED_DIRS = {"Output"}
"""lit's scratch directories: their files are test outputs, not test inputs."""


def mlir_opt_version(path: str) -> int | None:
    """The LLVM major version of an mlir-opt binary (None if it does not say)."""
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"LLVM version (\d+)", out)
    return int(match.group(1)) if match else None


def find_mlir_opt() -> str | None:
    """An mlir-opt of MLIR 17 or later: ``$MLIR_OPT``, else on PATH, else the
    newest ``/usr/lib/llvm-N/bin/mlir-opt``; None when there is none."""
    candidates = [os.environ.get("MLIR_OPT"), shutil.which("mlir-opt")]
    by_version = sorted(glob.glob("/usr/lib/llvm-*/bin/mlir-opt"),
                        key=lambda p: int(re.search(r"llvm-(\d+)", p).group(1)), reverse=True)
    for path in [c for c in candidates if c] + by_version:
        version = mlir_opt_version(path)
        if version is not None and version >= MIN_VERSION:
            return path
    return None


def normal_form(module) -> str:
    """The module printed without what MLIR does not keep: SSA names, and
    the order of attribute and property dictionaries (changes ``module``)."""
    from attn_ir.pipeline import print_module

    for op in module.walk():
        for value in op.results:
            value.name_hint = None
        for region in op.regions:
            for block in region.blocks:
                for arg in block.args:
                    arg.name_hint = None
        op.attributes = dict(sorted(op.attributes.items()))
        op.properties = dict(sorted(op.properties.items()))
    return print_module(module)


@dataclass
class FileResult:
    path: str
    modules: int
    problems: list[str]


def check_text(text: str, name: str, mlir_opt: str) -> FileResult:
    """Round-trip every chunk of ``text`` (split at ``// -----`` lines) that
    attn-opt accepts."""
    from attn_ir.pipeline import print_module, process

    direct, generic = [], []
    for chunk in _SPLIT_LINE.split(text):
        result = process(chunk, name)
        if result.ok:
            generic.append(print_module(result.module, generic=True))
            direct.append(normal_form(result.module))
    if not direct:
        return FileResult(name, 0, [])
    run = subprocess.run(
        [mlir_opt, "--allow-unregistered-dialect", "--mlir-print-op-generic",
         "--split-input-file"],
        input=f"\n{SPLIT_MARKER}\n".join(generic), capture_output=True, text=True)
    if run.returncode:
        return FileResult(name, len(direct), [f"mlir-opt rejects the generic form:\n"
                                              f"{run.stderr.strip()}"])
    back = [c for c in run.stdout.split(SPLIT_MARKER) if c.strip()]
    if len(back) != len(direct):
        return FileResult(name, len(direct), [
            f"mlir-opt printed {len(back)} modules for {len(direct)}"])
    problems = []
    for n, (before, text_back) in enumerate(zip(direct, back)):
        result = process(text_back, f"{name} (module {n} from mlir-opt)")
        if not result.ok:
            problems.append(f"module {n}: attn-opt rejects mlir-opt's output: "
                            + "; ".join(str(d) for d in result.diagnostics))
            continue
        after = normal_form(result.module)
        if after != before:
            diff = "".join(difflib.unified_diff(
                before.splitlines(True), after.splitlines(True), "attn-opt",
                "attn-opt | mlir-opt | attn-opt", n=1))
            problems.append(f"module {n} changed:\n{diff}")
    return FileResult(name, len(direct), problems)


def input_files(paths: list[str]) -> list[str]:
    """The files given and every ``*.mlir`` under the directories given."""
    out = []
    for path in paths:
        if not os.path.isdir(path):
            out.append(path)
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            out.extend(os.path.join(root, f) for f in sorted(files) if f.endswith(".mlir"))
    return out


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True)
@click.option("--mlir-opt", "mlir_opt", default=None,
              help="The mlir-opt binary (default: find_mlir_opt's).")
def main(paths, mlir_opt):
    """Check that attn-opt's generic form of every module in PATHS comes
    back from mlir-opt unchanged.  Prints one line per file and a summary;
    exit code 1 when a module did not come back."""
    mlir_opt = mlir_opt or find_mlir_opt()
    if mlir_opt is None:
        click.echo(f"mlir-opt (MLIR {MIN_VERSION} or later) not found: set MLIR_OPT "
                   "or install Debian's mlir-N-tools", err=True)
        sys.exit(1)
    files = input_files(list(paths))
    modules, failed = 0, 0
    for path in files:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            click.echo(f"FAIL {path}: {e.strerror}")
            failed += 1
            continue
        result = check_text(text, path, mlir_opt)
        modules += result.modules
        if result.problems:
            failed += 1
            click.echo(f"FAIL {path}")
            for problem in result.problems:
                click.echo("  " + problem.replace("\n", "\n  "))
        elif result.modules:
            click.echo(f"ok {path} ({result.modules} modules)")
        else:
            click.echo(f"skipped {path} (no module that attn-opt accepts)")
    click.echo(f"mlir-opt round trip: {modules} modules from {len(files)} files, "
               f"{failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
