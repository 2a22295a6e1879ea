"""ViTCoD's passes: ``attn-polarize`` and ``convert-polarized-to-accel``."""

from attn_ir.passes import PassExtension


def _polarize():
    from attn_ir.passes.vitcod.attn_polarize import AttnPolarizePass

    return AttnPolarizePass


def _convert_polarized():
    from attn_ir.passes.vitcod.convert_polarized_to_accel import ConvertPolarizedToAccelPass

    return ConvertPolarizedToAccelPass


EXTENSION = PassExtension(passes={"attn-polarize": _polarize,
                                  "convert-polarized-to-accel": _convert_polarized})
