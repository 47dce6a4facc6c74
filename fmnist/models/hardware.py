"""Which device and numeric precision the CNN runs with, decided from the hardware at run time.

bfloat16 halves the bytes per activation and, where the hardware computes in it natively, makes
training much faster: a GPU of compute capability 8.0 or newer, or a CPU with AVX512-BF16 or
AMX-BF16 (Intel Sapphire Rapids and later, AMD Zen 4 and later). Elsewhere TensorFlow emulates
bfloat16 and it is far slower than float32 (tensorflow/tensorflow#45441), so ``auto`` picks
float32 there.

The CPU kernels too: TensorFlow turns its oneDNN kernels on by itself only where the CPU has
AVX512_VNNI, AVX512_BF16, AVX_VNNI or AMX. On CPUs with AVX2 but none of those (AMD Zen 3, Intel
before Ice Lake) they are off, although they train the LeNet 1.4x faster there (16.3 -> 11.4
s/epoch measured on a Zen 3 EPYC). :func:`use_onednn_where_it_helps` turns them on from the CPU
flags, before TensorFlow is imported (it reads the switch once, when it loads).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import platform
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path

log = logging.getLogger(__name__)
BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
BF16_GPU_CAPABILITY = (8, 0)  # Ampere and newer
ONEDNN_SWITCH = "TF_ENABLE_ONEDNN_OPTS"
# TensorFlow's own rule (its DefaultOneDnnPolicy on x86): oneDNN on by default with any of these
ONEDNN_DEFAULT_CPU_FLAGS = frozenset({"avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile"})
# ...and this project's: on wherever the CPU has AVX2, the class where oneDNN was measured faster
ONEDNN_CPU_FLAGS = frozenset({"avx2"})


@dataclasses.dataclass(frozen=True)
class Hardware:
    """What the run-time decision looks at: the CPU's name and flags, and the GPUs."""

    cpu: str
    cpu_flags: frozenset[str]
    gpus: tuple[tuple[str, tuple[int, int]], ...] = ()  # (name, compute capability)

    @property
    def device(self) -> str:
        return f"GPU: {self.gpus[0][0]}" if self.gpus else f"CPU: {self.cpu}"

    @property
    def native_bf16(self) -> bool:
        if self.gpus:
            return self.gpus[0][1] >= BF16_GPU_CAPABILITY
        return bool(self.cpu_flags & BF16_CPU_FLAGS)


def resolve_precision(requested: str, hardware: Hardware) -> str:
    """``auto`` -> ``mixed_bfloat16`` where bf16 is native, else ``float32``; others as asked.

    Forcing ``mixed_bfloat16`` where bf16 is not native runs, with one warning.
    """
    if requested == "auto":
        return "mixed_bfloat16" if hardware.native_bf16 else "float32"
    if requested == "mixed_bfloat16" and not hardware.native_bf16:
        log.warning(
            "cnn.precision = mixed_bfloat16 on %s, which has no native bfloat16 (no %s): "
            "training will be much slower than float32",
            hardware.device,
            " or ".join(sorted(BF16_CPU_FLAGS)),
        )
    return requested


def use_onednn_where_it_helps(
    hardware: Hardware, environ: MutableMapping[str, str] = os.environ
) -> None:
    """Set ``TF_ENABLE_ONEDNN_OPTS=1`` where the CPU has AVX2, unless the user set it already.

    Call before TensorFlow is imported: it reads the switch once, when it loads.
    """
    if ONEDNN_SWITCH not in environ and hardware.cpu_flags & ONEDNN_CPU_FLAGS:
        environ[ONEDNN_SWITCH] = "1"


def onednn_state(hardware: Hardware, environ: Mapping[str, str] = os.environ) -> str:
    """Whether TensorFlow runs its oneDNN CPU kernels: 'on' or 'off' (what TensorFlow does with
    this environment on this CPU), or 'default' on a CPU that is not x86, where TensorFlow's
    own rule decides and the flags here do not say."""
    switch = environ.get(ONEDNN_SWITCH)
    if switch is not None:
        return "on" if switch.strip().lower() in ("1", "true") else "off"
    if hardware.cpu_flags & ONEDNN_DEFAULT_CPU_FLAGS:
        return "on"
    return "off" if "sse2" in hardware.cpu_flags else "default"


def parse_cpuinfo(text: str) -> tuple[str, frozenset[str]]:
    """The CPU model name and flags from the text of /proc/cpuinfo (first processor)."""
    name, flags = "", frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and not name:
            name = value.strip()
        elif key == "flags" and not flags:
            flags = frozenset(value.split())
    return name, flags


def detect_hardware(gpus: Iterable[tuple[str, tuple[int, int]]] = ()) -> Hardware:
    """This machine's CPU (from /proc/cpuinfo on Linux) and the GPUs given (see below)."""
    cpuinfo = Path("/proc/cpuinfo")
    name, flags = parse_cpuinfo(cpuinfo.read_text()) if cpuinfo.exists() else ("", frozenset())
    return Hardware(cpu=name or platform.processor() or "unknown", cpu_flags=flags, gpus=tuple(gpus))


def tensorflow_gpus() -> list[tuple[str, tuple[int, int]]]:
    """The GPUs TensorFlow sees, with their compute capability ((0, 0) when unknown)."""
    import tensorflow as tf

    found = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        found.append(
            (details.get("device_name", gpu.name), details.get("compute_capability", (0, 0)))
        )
    return found
