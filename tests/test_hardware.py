import logging

import pytest

from fmnist.models.hardware import Hardware, parse_cpuinfo, resolve_precision

CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 9R14
flags\t\t: fpu sse avx2 avx512f avx512_bf16 avx512_vnni
processor\t: 1
model name\t: AMD EPYC 9R14
flags\t\t: fpu sse avx2 avx512f avx512_bf16 avx512_vnni
"""
ZEN4 = Hardware("AMD EPYC 9R14", frozenset({"avx2", "avx512f", "avx512_bf16"}))
SAPPHIRE_RAPIDS = Hardware("Intel Xeon", frozenset({"avx512f", "avx512_bf16", "amx_bf16"}))
OLD_CPU = Hardware("Intel Xeon E5", frozenset({"avx2", "fma"}))
AMPERE = Hardware("x", frozenset(), (("NVIDIA A100", (8, 0)),))
VOLTA = Hardware("x", frozenset({"avx512_bf16"}), (("Tesla V100", (7, 0)),))


def test_cpuinfo_gives_the_model_name_and_flags():
    name, flags = parse_cpuinfo(CPUINFO)
    assert name == "AMD EPYC 9R14"
    assert flags == {"fpu", "sse", "avx2", "avx512f", "avx512_bf16", "avx512_vnni"}
    assert parse_cpuinfo("") == ("", frozenset())


@pytest.mark.parametrize(
    ("hardware", "expected", "device"),
    [
        (ZEN4, "mixed_bfloat16", "CPU: AMD EPYC 9R14"),
        (SAPPHIRE_RAPIDS, "mixed_bfloat16", "CPU: Intel Xeon"),
        (OLD_CPU, "float32", "CPU: Intel Xeon E5"),
        (AMPERE, "mixed_bfloat16", "GPU: NVIDIA A100"),
        (VOLTA, "float32", "GPU: Tesla V100"),  # the GPU runs, and it has no native bf16
    ],
)
def test_auto_picks_bf16_only_where_it_is_native(hardware, expected, device):
    assert resolve_precision("auto", hardware) == expected
    assert hardware.device == device


def test_forced_choices_are_kept_and_bf16_without_hardware_warns_once(caplog):
    with caplog.at_level(logging.WARNING):
        assert resolve_precision("float32", ZEN4) == "float32"
        assert resolve_precision("mixed_bfloat16", ZEN4) == "mixed_bfloat16"
        assert caplog.records == []
        assert resolve_precision("mixed_bfloat16", OLD_CPU) == "mixed_bfloat16"
    assert len(caplog.records) == 1
    assert "much slower than float32" in caplog.records[0].getMessage()
    assert "CPU: Intel Xeon E5" in caplog.records[0].getMessage()
