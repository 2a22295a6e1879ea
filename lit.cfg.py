# lit configuration for attn_ir's IR and CLI tests.
import os

import lit.formats

config.name = "attn_ir"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.join(os.path.dirname(__file__), "test")
# Temporary files go to test/**/Output (git-ignored), also when lit is run
# from the repository root.
config.test_exec_root = config.test_source_root
config.excludes = ["python", "data", "regressions"]
config.environment["PATH"] = os.environ["PATH"]
for var in ("PYTHONPATH", "HOME", "ATTN_IR_DEBUG"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

# Print a module, parse it back, print it again: both must be identical.
config.substitutions.append(("%roundtrip", "attn-opt %s | attn-opt"))
config.substitutions.append(
    ("%generic-roundtrip", "attn-opt %s --print-op-generic | attn-opt")
)


# LLVM's own mlir-opt (MLIR 17 or later): $MLIR_OPT, else on PATH, else the
# newest Debian /usr/lib/llvm-N/bin.  Tests marked `REQUIRES: mlir-opt` run
# when it is found.
try:
    from attn_ir.interop.mlir_opt import find_mlir_opt

    mlir_opt = find_mlir_opt()
except ImportError:
    mlir_opt = None
if mlir_opt:
    config.available_features.add("mlir-opt")
    config.substitutions.append(("%mlir-opt", mlir_opt))
    config.environment["MLIR_OPT"] = mlir_opt
