"""Sweep specifications: a TOML file → a list of point specs (plain data).

    [sweep]
    mode = "grid"            # grid (default), zip or random
    samples = 200            # random: points drawn from the grid
    seed = 0

    [[workload]]
    preset = "longformer-base-4096"
    seq_len = [1024, 4096]
    layers = 1

    [[workload]]
    pattern = "#attn.window<left = 64, right = 64>"
    seq_len = [1024, 2048]
    heads = 12
    head_dim = 64

    [[workload]]
    ir = "layer.mlir"        # relative to the spec file

    [[target]]
    name = "salo"
    pe_rows = [16, 32, 64]
    pe_cols = [16, 32, 64]
    clock_hz = [1.0e9, 2.0e9]          # not read by the lowering: one compile
    energy.dram_byte = [80.0, 160.0]   # the energy table, also post-lowering

    [[target]]
    name = "fusemax"
    scale_to_mm2 = 50.0      # arrays (and with scale_buffer, the buffer) scaled to 50 mm²
    scale_buffer = true

    [pipeline]
    refetch_fraction = 0.0   # timing-only assumption of progressive quantisation (attn-run -O)

    [objectives]
    minimize = ["seconds", "energy_pj", "area_mm2"]

Every list is an axis.  ``grid`` takes the product of all axes; ``zip``
pairs the lists inside each table (they must have one length), then takes
the product of workloads and targets; ``random`` draws ``samples`` points of
the grid without replacement.  A table may set its own ``mode``.  Target
parameters are any numeric field of ``attn_ir.targets.Target`` (what
``#accel.target<"salo", pe_rows = 64>`` overrides), ``tile_q`` / ``tile_k``
(the ``attn-tile`` sizes, default the array's), ``energy.<field>`` of the
energy table and ``scale_to_mm2``.

Errors are ``SpecError``s located at the file, line and column of the key
(or table) at fault.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import tomllib
from dataclasses import dataclass, field, fields
from typing import Any

from attn_ir.patterns import PatternError
from attn_ir.sweep.objectives import OBJECTIVES


class SpecError(ValueError):
    """A bad sweep specification: ``file:line:col: message``."""


WORKLOAD_KINDS = ("preset", "ir", "pattern")
WORKLOAD_AXES = {
    "preset": ("seq_len", "layers", "batch"),
    "ir": (),
    "pattern": ("seq_len", "heads", "head_dim", "batch", "dtype"),
}
TARGET_SPECIAL = ("name", "mode", "scale_to_mm2", "scale_buffer", "tile_q", "tile_k")
NON_LOWERING = ("clock_hz", "dram_bytes_per_s")
"""Target parameters no lowering pass reads: points differing only in these
(and in the energy table) share one compiled program."""
PIPELINE_KEYS = ("tile_q", "tile_k", "refetch_fraction")


@dataclass
class Spec:
    """A parsed sweep: the points (plain, JSON-able dicts, in spec order),
    the objectives, and the columns the points contribute to the table."""

    path: str
    points: list[dict[str, Any]]
    minimize: list[str]
    maximize: list[str]
    group_by: list[str]
    columns: list[str] = field(default_factory=list)


class _Locator:
    """Lines of TOML keys and table headers, so a semantic error can name its
    place: tomllib gives values, not positions."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*=")

    def __init__(self, path: str, text: str):
        self.path = path
        self.headers: dict[tuple[str, int], int] = {}
        self.keys: dict[tuple[str, int, str], tuple[int, int]] = {}
        counts: dict[str, int] = {}
        current = ("", 0)
        for number, line in enumerate(text.splitlines(), 1):
            header = self._HEADER.match(line)
            if header:
                name = header.group(2)
                index = counts.get(name, 0) if header.group(1) == "[[" else 0
                counts[name] = index + 1
                current = (name, index)
                self.headers[current] = number
                continue
            key = self._KEY.match(line)
            if key:
                name = re.sub(r"\s+", "", key.group(1))
                self.keys.setdefault((*current, name), (number, line.index(key.group(1)[0]) + 1))

    def at(self, table: str, index: int = 0, key: str | None = None) -> str:
        if key is not None and (table, index, key) in self.keys:
            line, col = self.keys[(table, index, key)]
            return f"{self.path}:{line}:{col}"
        if (table, index) in self.headers:
            return f"{self.path}:{self.headers[(table, index)]}:1"
        return f"{self.path}:1:1"


def _where(table: str, index: int, many: bool) -> str:
    return f"[[{table}]] #{index + 1}" if many else f"[{table}]"


def _axes(table: dict, keys, mode: str, loc: _Locator, name: str, index: int,
          where: str) -> list[dict]:
    """The settings of one table: lists are axes, combined by ``mode``."""
    fixed = {k: v for k, v in table.items() if k in keys and not isinstance(v, list)}
    lists = {k: v for k, v in table.items() if k in keys and isinstance(v, list)}
    for k, v in lists.items():
        if not v:
            raise SpecError(f"{loc.at(name, index, k)}: {where}: '{k}' is an empty list")
    if mode == "zip" and lists:
        lengths = {k: len(v) for k, v in lists.items()}
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{k} has {n}" for k, n in lengths.items())
            first = next(iter(lists))
            raise SpecError(f"{loc.at(name, index, first)}: {where}: mode 'zip' needs lists "
                            f"of one length ({shown})")
        combos = [dict(zip(lists, values)) for values in zip(*lists.values())]
    else:
        combos = [dict(zip(lists, values)) for values in itertools.product(*lists.values())]
    order = [k for k in table if k in keys]  # the spec's key order, for the table's columns
    return [{k: {**fixed, **c}[k] for k in order} for c in combos]


def _flatten_energy(table: dict, loc: _Locator, name: str, index: int, where: str) -> dict:
    from attn_ir.targets import EnergyTable

    out = dict(table)
    energy = out.pop("energy", None)
    if energy is None:
        return out
    if not isinstance(energy, dict):
        raise SpecError(f"{loc.at(name, index, 'energy')}: {where}: 'energy' must be a table "
                        "of energy-table fields (energy.dram_byte = 160.0)")
    known = {f.name for f in fields(EnergyTable)}
    for key, value in energy.items():
        if key not in known:
            raise SpecError(f"{loc.at(name, index, 'energy.' + key)}: {where}: unknown energy "
                            f"field '{key}'; known: {', '.join(sorted(known))}")
        out[f"energy.{key}"] = value
    return out


def _check_number(value, kind: str, loc: str, where: str, key: str, positive: bool) -> None:
    values = value if isinstance(value, list) else [value]
    for v in values:
        ok = (isinstance(v, int) and not isinstance(v, bool)) if kind == "int" else (
            isinstance(v, (int, float)) and not isinstance(v, bool))
        if not ok:
            raise SpecError(f"{loc}: {where}: '{key}' must be {'an integer' if kind == 'int' else 'a number'}"
                            f"{' or a list of them' if kind else ''}, got {v!r}")
        if v < 0 or (positive and v == 0):
            raise SpecError(f"{loc}: {where}: '{key}' must be "
                            f"{'positive' if positive else 'non-negative'}, got {v!r}")


def _targets(raw: list, loc: _Locator, default_mode: str) -> list[dict]:
    from attn_ir import targets as T
    from attn_ir.dialects.accel import _POSITIVE_PARAMETERS

    kinds = {f.name: str(f.type) for f in fields(T.Target)}
    numeric = {k for k, v in kinds.items() if v in ("int", "float")}
    out = []
    for index, table in enumerate(raw):
        where = _where("target", index, True)
        if not isinstance(table, dict):
            raise SpecError(f"{loc.at('target', index)}: {where} must be a table")
        table = _flatten_energy(table, loc, "target", index, where)
        name = table.get("name")
        if name is None:
            raise SpecError(f"{loc.at('target', index)}: {where}: missing 'name' (one of "
                            f"{', '.join(sorted(T.presets()))})")
        names = name if isinstance(name, list) else [name]
        for one in names:
            if not isinstance(one, str) or one not in T.presets():
                raise SpecError(f"{loc.at('target', index, 'name')}: {where}: unknown target "
                                f"{one!r}; known: {', '.join(sorted(T.presets()))}")
        mode = table.get("mode", default_mode)
        if mode not in ("grid", "zip"):
            raise SpecError(f"{loc.at('target', index, 'mode')}: {where}: mode must be 'grid' "
                            f"or 'zip' in a table, got {mode!r}")
        for key, value in table.items():
            at = loc.at("target", index, key)
            if key in ("name", "mode"):
                continue
            if key == "scale_buffer":
                if not isinstance(value, bool):
                    raise SpecError(f"{at}: {where}: 'scale_buffer' must be true or false")
            elif key == "scale_to_mm2":
                _check_number(value, "float", at, where, key, True)
            elif key in ("tile_q", "tile_k"):
                _check_number(value, "int", at, where, key, True)
            elif key.startswith("energy."):
                _check_number(value, "float", at, where, key, False)
            elif key in numeric:
                _check_number(value, kinds[key], at, where, key, key in _POSITIVE_PARAMETERS)
            elif key in kinds:
                raise SpecError(f"{at}: {where}: '{key}' is not a numeric target parameter; "
                                "a sweep varies numbers (see attn_ir.targets.Target)")
            else:
                raise SpecError(f"{at}: {where}: unknown target parameter '{key}'; known: "
                                + ", ".join(sorted(numeric | set(TARGET_SPECIAL)
                                                   | {"energy.<field>"})))
        axes = [k for k in table if k not in ("name", "mode")]
        for name, setting in itertools.product(
                names, _axes(table, axes, mode, loc, "target", index, where)):
            params = {k: v for k, v in setting.items()
                      if k in numeric}
            energy = {k[len("energy."):]: v for k, v in setting.items() if k.startswith("energy.")}
            out.append({"name": name, "params": dict(sorted(params.items())),
                        "energy": dict(sorted(energy.items())),
                        "scale_to_mm2": setting.get("scale_to_mm2"),
                        "scale_buffer": bool(setting.get("scale_buffer", False)),
                        "tile_q": setting.get("tile_q"), "tile_k": setting.get("tile_k"),
                        "_columns": {k: setting[k] for k in axes if k != "scale_buffer"}})
    return out


def _workloads(raw: list, loc: _Locator, base_dir: str, default_mode: str) -> list[dict]:
    out = []
    for index, table in enumerate(raw):
        where = _where("workload", index, True)
        if not isinstance(table, dict):
            raise SpecError(f"{loc.at('workload', index)}: {where} must be a table")
        kinds = [k for k in WORKLOAD_KINDS if k in table]
        if len(kinds) != 1:
            raise SpecError(f"{loc.at('workload', index)}: {where}: give exactly one of "
                            f"{', '.join(WORKLOAD_KINDS)}" + (f" (found {', '.join(kinds)})"
                                                             if kinds else ""))
        kind = kinds[0]
        mode = table.get("mode", default_mode)
        if mode not in ("grid", "zip"):
            raise SpecError(f"{loc.at('workload', index, 'mode')}: {where}: mode must be "
                            f"'grid' or 'zip' in a table, got {mode!r}")
        allowed = set(WORKLOAD_AXES[kind]) | {kind, "mode"}
        if kind == "pattern":
            allowed |= {"shape"}
        for key, value in table.items():
            at = loc.at("workload", index, key)
            if key not in allowed:
                raise SpecError(f"{at}: {where}: unknown key '{key}' for a {kind} workload; "
                                f"known: {', '.join(sorted(allowed - {'mode'}))}")
            if key in ("seq_len", "layers", "batch", "heads", "head_dim"):
                _check_number(value, "int", at, where, key, True)
            if key in ("preset", "ir", "pattern", "dtype") and not all(
                    isinstance(v, str) for v in (value if isinstance(value, list) else [value])):
                raise SpecError(f"{at}: {where}: '{key}' must be a string")
        if kind == "preset":
            from attn_ir.presets import all_presets

            for name in table["preset"] if isinstance(table["preset"], list) else [table["preset"]]:
                if name not in all_presets():
                    raise SpecError(f"{loc.at('workload', index, 'preset')}: {where}: unknown "
                                    f"preset '{name}'; available: {', '.join(all_presets())}")
        if kind == "ir":
            path = table["ir"]
            if isinstance(path, list):
                raise SpecError(f"{loc.at('workload', index, 'ir')}: {where}: 'ir' takes one "
                                "file; give one [[workload]] per file")
            full = os.path.normpath(os.path.join(base_dir, path))
            try:
                with open(full, encoding="utf-8") as f:
                    text = f.read()
            except OSError as e:
                raise SpecError(f"{loc.at('workload', index, 'ir')}: {where}: cannot read "
                                f"'{path}': {e.strerror}") from None
            out.append({"kind": "ir", "workload": path, "text": text, "_columns": {}})
            continue
        if kind == "pattern":
            from attn_ir.dialects.attn import parse_pattern

            texts = table["pattern"] if isinstance(table["pattern"], list) else [table["pattern"]]
            for pattern_text in texts:
                try:
                    parse_pattern(pattern_text)
                except PatternError as e:
                    raise SpecError(f"{loc.at('workload', index, 'pattern')}: {where}: bad "
                                    f"pattern '{pattern_text}': {e}") from None
            shape = table.get("shape")
            if shape is not None:
                if "seq_len" in table or "heads" in table or "head_dim" in table or "batch" in table:
                    raise SpecError(f"{loc.at('workload', index, 'shape')}: {where}: give "
                                    "'shape' or seq_len/heads/head_dim/batch, not both")
                if (not isinstance(shape, list) or len(shape) != 4
                        or not all(isinstance(s, int) and s > 0 for s in shape)):
                    raise SpecError(f"{loc.at('workload', index, 'shape')}: {where}: 'shape' "
                                    "must be [batch, heads, seq_len, head_dim] of positive "
                                    "integers")
                table = {**table, "batch": shape[0], "heads": shape[1], "seq_len": shape[2],
                         "head_dim": shape[3]}
                del table["shape"]
            elif "seq_len" not in table:
                raise SpecError(f"{loc.at('workload', index)}: {where}: a pattern workload "
                                "needs 'seq_len' (or 'shape')")
        axes = [k for k in table if k not in ("mode", "shape")]
        for setting in _axes(table, axes, mode, loc, "workload", index, where):
            work = {"kind": kind, "workload": setting[kind],
                    **{k: setting.get(k) for k in WORKLOAD_AXES[kind]}}
            if kind == "pattern":
                work.setdefault("heads", None)
            work["_columns"] = {k: v for k, v in setting.items() if k != kind}
            out.append(work)
    return out


def parse_spec(text: str, path: str = "<spec>") -> Spec:
    """Parse and expand a sweep spec (see the module docstring)."""
    loc = _Locator(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(e))
        if found:
            where = f"{path}:{found.group(1)}:{found.group(2)}"
        else:  # "at end of document": the last line
            lines = text.rstrip("\n").split("\n")
            where = f"{path}:{len(lines)}:{len(lines[-1]) + 1}"
            message += " at the end of the file"
        raise SpecError(f"{where}: invalid TOML: {message}") from None
    known = {"sweep", "workload", "target", "pipeline", "objectives"}
    for key in data:
        if key not in known:
            raise SpecError(f"{loc.at(key)}: unknown section '{key}'; known: "
                            f"{', '.join(sorted(known))}")
    sweep = data.get("sweep", {})
    for key in sweep:
        if key not in ("mode", "samples", "seed"):
            raise SpecError(f"{loc.at('sweep', 0, key)}: [sweep]: unknown key '{key}'; known: "
                            "mode, samples, seed")
    mode = sweep.get("mode", "grid")
    if mode not in ("grid", "zip", "random"):
        raise SpecError(f"{loc.at('sweep', 0, 'mode')}: [sweep]: mode must be 'grid', 'zip' or "
                        f"'random', got {mode!r}")
    for section in ("workload", "target"):
        if section not in data:
            raise SpecError(f"{path}:1:1: the spec needs at least one [[{section}]] table")
        if not isinstance(data[section], list):
            raise SpecError(f"{loc.at(section)}: '{section}' must be an array of tables: write "
                            f"[[{section}]]")
    base_dir = os.path.dirname(os.path.abspath(path)) if path != "<spec>" else os.getcwd()
    table_mode = "zip" if mode == "zip" else "grid"
    workloads = _workloads(data["workload"], loc, base_dir, table_mode)
    targets = _targets(data["target"], loc, table_mode)
    pipeline = data.get("pipeline", {})
    for key, value in pipeline.items():
        at = loc.at("pipeline", 0, key)
        if key not in PIPELINE_KEYS:
            raise SpecError(f"{at}: [pipeline]: unknown key '{key}'; known: "
                            f"{', '.join(PIPELINE_KEYS)}")
        if key == "refetch_fraction":
            _check_number(value, "float", at, "[pipeline]", key, False)
            if value > 1:
                raise SpecError(f"{at}: [pipeline]: 'refetch_fraction' must lie in [0, 1]")
        else:
            _check_number(value, "int", at, "[pipeline]", key, True)
            if isinstance(value, list):
                raise SpecError(f"{at}: [pipeline]: '{key}' takes one value; sweep tile "
                                "sizes in a [[target]] table")
    objectives = data.get("objectives", {})
    for key in objectives:
        if key not in ("minimize", "maximize", "group_by"):
            raise SpecError(f"{loc.at('objectives', 0, key)}: [objectives]: unknown key "
                            f"'{key}'; known: minimize, maximize, group_by")
    minimize = objectives.get("minimize", ["seconds", "energy_pj", "area_mm2"]
                              if "maximize" not in objectives else [])
    maximize = objectives.get("maximize", [])
    for key, names in (("minimize", minimize), ("maximize", maximize)):
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise SpecError(f"{loc.at('objectives', 0, key)}: [objectives]: '{key}' must be a "
                            "list of column names")
        for n in names:
            if n not in OBJECTIVES:
                raise SpecError(f"{loc.at('objectives', 0, key)}: [objectives]: unknown "
                                f"objective '{n}'; known: {', '.join(OBJECTIVES)}")
    if not minimize and not maximize:
        raise SpecError(f"{loc.at('objectives')}: [objectives]: name at least one objective")

    points = []
    for work in workloads:
        for target in targets:
            work_plain = {k: v for k, v in work.items() if not k.startswith("_")}
            target_plain = {k: v for k, v in target.items() if not k.startswith("_")}
            pipe = {"tile_q": target["tile_q"] or pipeline.get("tile_q"),
                    "tile_k": target["tile_k"] or pipeline.get("tile_k"),
                    "refetch_fraction": float(pipeline.get("refetch_fraction", 0.0))}
            target_plain.pop("tile_q")
            target_plain.pop("tile_k")
            columns = {"workload": work["workload"], **work["_columns"],
                       "target": target["name"], **target["_columns"]}
            points.append({"workload": work_plain, "target": target_plain, "pipeline": pipe,
                           "columns": columns})
    if mode == "random":
        samples = sweep.get("samples")
        if not isinstance(samples, int) or isinstance(samples, bool) or samples <= 0:
            raise SpecError(f"{loc.at('sweep', 0, 'samples')}: [sweep]: mode 'random' needs "
                            "'samples', a positive integer")
        rng = random.Random(sweep.get("seed", 0))
        chosen = sorted(rng.sample(range(len(points)), min(samples, len(points))))
        points = [points[i] for i in chosen]
    elif "samples" in sweep:
        raise SpecError(f"{loc.at('sweep', 0, 'samples')}: [sweep]: 'samples' applies to mode "
                        "'random' only")
    columns: list[str] = []
    for p in points:
        for c in p["columns"]:
            if c not in columns:
                columns.append(c)
    group_by = objectives.get("group_by", [c for c in columns if c in (
        "workload", "seq_len", "layers", "batch", "heads", "head_dim", "dtype")])
    if not isinstance(group_by, list) or not all(isinstance(c, str) for c in group_by):
        raise SpecError(f"{loc.at('objectives', 0, 'group_by')}: [objectives]: 'group_by' "
                        "must be a list of column names")
    for c in group_by:
        if c not in columns:
            raise SpecError(f"{loc.at('objectives', 0, 'group_by')}: [objectives]: 'group_by' "
                            f"names '{c}', which is not a column of this sweep; columns: "
                            f"{', '.join(columns)}")
    return Spec(path, points, list(minimize), list(maximize), list(group_by), columns)


def load_spec(path: str) -> Spec:
    """Read and parse a spec file."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise SpecError(f"cannot read '{path}': {e.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"cannot read '{path}': not UTF-8 text") from None
    return parse_spec(text, path)


def point_key(point: dict, version: str) -> str:
    """The point's identity in a results journal: a hash of its spec (the
    workload, target and pipeline, the IR text itself for IR files) and of
    the attn_ir version, so a rerun skips done points and a new version
    recomputes them."""
    import hashlib

    body = json.dumps({k: point[k] for k in ("workload", "target", "pipeline")},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{version}\n{body}".encode()).hexdigest()[:20]
