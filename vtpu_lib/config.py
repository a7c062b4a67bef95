"""Machine configuration: latencies and PPT geometry, with the ``seed`` and ``realistic`` presets.

``seed`` reproduces the original vTPU's figures: every op takes one cycle, memory is always
ready and a message sent in cycle t can be received in cycle t+1. ``realistic`` gives the
pipes the latencies of a modern core so that dependence and PPT misses show up as stalls.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .errors import ConfigError

TIER_NAMES = ("L1", "L2", "L3", "DRAM", "remote")


@dataclass(frozen=True, kw_only=True, slots=True)
class MachineConfig:
    name: str = "custom"
    # Result latency in cycles: a consumer can issue `latency` cycles after its producer.
    latency_cycles: dict = field(default_factory=lambda: {
        "add": 1, "mul": 1, "fma": 1, "div": 1, "exp": 1,   # D pipe
        "gather": 1, "scatter": 1, "index": 1, "prefetch": 1,  # S pipe (on a PPT hit)
        "coord": 1, "send": 1,                                 # C pipe
    })
    ppt_miss_penalty_cycles: int = 0   # extra cycles a gather waits when its page is not in the PPT
    # Extra miss cycles by locality tier of the access (home -> coordinate), see coord.tier.
    tier_latency_cycles: dict = field(default_factory=lambda: dict.fromkeys(TIER_NAMES, 0))
    send_base_cycles: int = 1          # a message sent in cycle t is receivable at t + base + hops
    send_cycles_per_hop: int = 0       # hops = hamming distance between the two homes
    ppt_sets: int = 64                 # 64 sets x 4 ways = 256 pages: holds every example program
    ppt_ways: int = 4
    page_scrolls: int = 1              # scrolls per page; 1 = one entry per coordinate (the original)

    def __post_init__(self):
        for key, v in {**self.latency_cycles, **self.tier_latency_cycles}.items():
            if not isinstance(v, int) or v < 0:
                raise ConfigError(f"latency {key!r} = {v!r} must be a whole number of cycles >= 0")
        for key in ("add", "mul", "fma", "div", "exp", "gather", "scatter", "index", "prefetch", "coord", "send"):
            if key not in self.latency_cycles:
                raise ConfigError(f"latency_cycles is missing {key!r}")
            if self.latency_cycles[key] < 1:
                raise ConfigError(f"latency {key!r} = {self.latency_cycles[key]} must be >= 1 cycle")
        for name in ("ppt_sets", "ppt_ways", "page_scrolls", "send_base_cycles"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} = {getattr(self, name)} must be >= 1")
        if self.ppt_miss_penalty_cycles < 0 or self.send_cycles_per_hop < 0:
            raise ConfigError("penalties must be >= 0 cycles")

    @property
    def ppt_capacity_pages(self) -> int:
        return self.ppt_sets * self.ppt_ways

    def replace(self, **changes) -> "MachineConfig":
        """A copy with some fields changed; latency keys may be given directly (``mul=3``)."""
        lat = dict(self.latency_cycles)
        for key in list(changes):
            if key in lat:
                lat[key] = changes.pop(key)
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ConfigError(f"unknown config field(s) {sorted(unknown)}",
                              hint=f"latency keys are {sorted(lat)}")
        return dataclasses.replace(self, latency_cycles=lat, **changes)


SEED = MachineConfig(name="seed")

REALISTIC = MachineConfig(
    name="realistic",
    # Roughly a modern out-of-order core's FP units, made in-order.
    latency_cycles={"add": 1, "mul": 3, "fma": 4, "div": 8, "exp": 8,
                    "gather": 2, "scatter": 1, "index": 1, "prefetch": 1, "coord": 1, "send": 1},
    ppt_miss_penalty_cycles=12,       # a page walk
    tier_latency_cycles={"L1": 0, "L2": 4, "L3": 12, "DRAM": 40, "remote": 200},
    send_base_cycles=2,
    send_cycles_per_hop=1,
)

PRESETS = {"seed": SEED, "realistic": REALISTIC}


def get_config(config: "MachineConfig | str") -> MachineConfig:
    if isinstance(config, MachineConfig):
        return config
    try:
        return PRESETS[config]
    except (KeyError, TypeError):
        raise ConfigError(f"unknown preset {config!r}", hint=f"choose one of {sorted(PRESETS)}") from None
