"""The core system's interpreter functions beyond the base levels (func,
attn, cascade, tile in ``attn_ir.interpreter``): split attention parts."""

from attn_ir.interpreter import InterpreterExtension
from attn_ir.interpreter.parts import PartsFunctions

EXTENSION = InterpreterExtension(functions=(PartsFunctions,))
