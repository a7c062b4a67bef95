"""Machine configuration: latencies and PPT geometry, with the ``seed`` and ``realistic`` presets.

``seed`` reproduces the original vTPU's figures: every op takes one cycle, memory is always
ready and a message sent in cycle t can be received in cycle t+1. ``realistic`` gives the
pipes the latencies of a modern core so that dependence and PPT misses show up as stalls.

A :class:`MachineConfig` is read-only all the way down (its dicts are ``MappingProxyType``),
validated when it is made: whole numbers where cycles or counts are meant, the latency keys
exactly those of the op table (:class:`~vtpu_lib.isa.LatencyKey`), sizes within bounds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from .coord import TIERS
from .errors import ConfigError
from .isa import LatencyKey

TIER_NAMES = TIERS
MAX_LATENCY_CYCLES = 1_000_000     # beyond this a "latency" is a typo, not a machine
MAX_PPT_SETS = 65_536
MAX_PPT_WAYS = 1_024
MAX_PPT_PAGES = 1 << 20            # the PPT's bookkeeping is a few hundred bytes per page
MAX_PAGE_SCROLLS = 2_048           # a scroll index is 0..2047


def _frozen(mapping: Mapping) -> MappingProxyType:
    return MappingProxyType(dict(mapping))


def _whole(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} = {value!r} must be a whole number (int), not {type(value).__name__}",
                          hint=f"e.g. {name}={max(lo, 1)}")
    if not lo <= value <= hi:
        raise ConfigError(f"{name} = {value:,} is outside {lo:,}..{hi:,}")
    return value


def _check_keys(what: str, mapping, want) -> None:
    if not isinstance(mapping, Mapping):
        raise ConfigError(f"{what} must be a dict, got {type(mapping).__name__}")
    missing, unknown = set(want) - set(mapping), set(mapping) - set(want)
    if missing or unknown:
        raise ConfigError(f"{what}: " + "; ".join(
            part for part in (f"missing {sorted(missing)}" if missing else "",
                              f"unknown {sorted(map(str, unknown))}" if unknown else "") if part),
            hint=f"the keys are exactly {sorted(want)}")


@dataclass(frozen=True, kw_only=True, slots=True)
class MachineConfig:
    name: str = "custom"
    # Result latency in cycles: a consumer can issue `latency` cycles after its producer.
    latency_cycles: Mapping = field(default_factory=lambda: dict.fromkeys(map(str, LatencyKey), 1))
    ppt_miss_penalty_cycles: int = 0   # extra cycles a gather waits when its page is not in the PPT
    # Extra miss cycles by locality tier of the access (home -> coordinate), see coord.tier.
    tier_latency_cycles: Mapping = field(default_factory=lambda: dict.fromkeys(TIER_NAMES, 0))
    send_base_cycles: int = 1          # a message sent in cycle t is receivable at t + base + hops
    send_cycles_per_hop: int = 0       # hops = hamming distance between the two homes
    ppt_sets: int = 64                 # 64 sets x 4 ways = 256 pages: holds every example program
    ppt_ways: int = 4
    page_scrolls: int = 1              # scrolls per page; 1 = one entry per coordinate (the original)

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise ConfigError(f"name = {self.name!r} must be a str")
        _check_keys("latency_cycles", self.latency_cycles, [str(k) for k in LatencyKey])
        _check_keys("tier_latency_cycles", self.tier_latency_cycles, TIER_NAMES)
        lat = {str(k): _whole(f"latency {str(k)!r}", v, 1, MAX_LATENCY_CYCLES)
               for k, v in self.latency_cycles.items()}
        tiers = {str(k): _whole(f"tier latency {str(k)!r}", v, 0, MAX_LATENCY_CYCLES)
                 for k, v in self.tier_latency_cycles.items()}
        object.__setattr__(self, "latency_cycles", _frozen({str(k): lat[k] for k in LatencyKey}))
        object.__setattr__(self, "tier_latency_cycles", _frozen({k: tiers[k] for k in TIER_NAMES}))
        _whole("ppt_miss_penalty_cycles", self.ppt_miss_penalty_cycles, 0, MAX_LATENCY_CYCLES)
        _whole("send_base_cycles", self.send_base_cycles, 1, MAX_LATENCY_CYCLES)
        _whole("send_cycles_per_hop", self.send_cycles_per_hop, 0, MAX_LATENCY_CYCLES)
        _whole("ppt_sets", self.ppt_sets, 1, MAX_PPT_SETS)
        _whole("ppt_ways", self.ppt_ways, 1, MAX_PPT_WAYS)
        _whole("page_scrolls", self.page_scrolls, 1, MAX_PAGE_SCROLLS)
        if self.ppt_sets * self.ppt_ways > MAX_PPT_PAGES:
            raise ConfigError(f"a PPT of {self.ppt_sets:,} sets x {self.ppt_ways:,} ways = "
                              f"{self.ppt_sets * self.ppt_ways:,} pages is larger than {MAX_PPT_PAGES:,}",
                              hint="real page tables hold hundreds to thousands of entries")

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
                              hint=f"latency keys are {sorted(map(str, lat))}; fields are "
                                   f"{[f.name for f in dataclasses.fields(self)]}")
        if "latency_cycles" not in changes:
            changes["latency_cycles"] = lat
        return dataclasses.replace(self, **changes)

    # read-only values: copies are the same object, and hashing sees the mappings' items
    def __hash__(self) -> int:
        return hash((self.name, tuple(self.latency_cycles.items()), self.ppt_miss_penalty_cycles,
                     tuple(self.tier_latency_cycles.items()), self.send_base_cycles,
                     self.send_cycles_per_hop, self.ppt_sets, self.ppt_ways, self.page_scrolls))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        fields["latency_cycles"] = dict(fields["latency_cycles"])
        fields["tier_latency_cycles"] = dict(fields["tier_latency_cycles"])
        return (_rebuild, (fields,))


def _rebuild(fields: dict) -> MachineConfig:
    return MachineConfig(**fields)


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

PRESETS = MappingProxyType({"seed": SEED, "realistic": REALISTIC})


def get_config(config: "MachineConfig | str") -> MachineConfig:
    if isinstance(config, MachineConfig):
        return config
    if isinstance(config, str) and config in PRESETS:
        return PRESETS[config]
    raise ConfigError(f"unknown preset {config!r}", hint=f"choose one of {sorted(PRESETS)} or pass a MachineConfig")


__all__ = ["MachineConfig", "SEED", "REALISTIC", "PRESETS", "get_config", "TIER_NAMES",
           "MAX_PPT_PAGES", "MAX_PPT_SETS", "MAX_PPT_WAYS", "MAX_LATENCY_CYCLES"]
