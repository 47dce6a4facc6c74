import logging

import pytest

from fmnist.models.hardware import (
    Hardware,
    onednn_state,
    parse_cpuinfo,
    resolve_precision,
    use_onednn_where_it_helps,
)

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


ZEN3 = Hardware("AMD EPYC 7B13", frozenset({"sse2", "avx2", "fma"}))
NO_AVX2 = Hardware("Intel Xeon E5-2670", frozenset({"sse2", "avx"}))
ARM = Hardware("Neoverse-N1", frozenset({"fp", "asimd"}))


@pytest.mark.parametrize(
    ("hardware", "environ", "switch", "state"),
    [
        # AVX2 without the flags of TensorFlow's own rule: this project turns oneDNN on
        (ZEN3, {}, "1", "on"),
        (OLD_CPU, {}, "1", "on"),
        # TensorFlow's rule already turns it on; setting the switch too changes nothing
        (ZEN4, {}, "1", "on"),
        # no AVX2, or not x86: left to TensorFlow
        (NO_AVX2, {}, None, "off"),
        (ARM, {}, None, "default"),
        # the user's own choice always wins, both ways
        (ZEN3, {"TF_ENABLE_ONEDNN_OPTS": "0"}, "0", "off"),
        (ZEN4, {"TF_ENABLE_ONEDNN_OPTS": "false"}, "false", "off"),
        (NO_AVX2, {"TF_ENABLE_ONEDNN_OPTS": "1"}, "1", "on"),
        (ARM, {"TF_ENABLE_ONEDNN_OPTS": "True"}, "True", "on"),
    ],
)
def test_onednn_is_turned_on_from_the_cpu_flags_unless_the_user_chose(
    hardware, environ, switch, state
):
    use_onednn_where_it_helps(hardware, environ)
    assert environ.get("TF_ENABLE_ONEDNN_OPTS") == switch
    assert onednn_state(hardware, environ) == state


def test_without_the_switch_the_state_is_tensorflows_own_rule():
    amx = Hardware("Intel Xeon", frozenset({"sse2", "avx2", "amx_tile"}))
    assert onednn_state(amx, {}) == "on"
    assert onednn_state(ZEN4, {}) == "on"  # avx512_bf16
    assert onednn_state(ZEN3, {}) == "off"  # what use_onednn_where_it_helps changes
