"""The message network: inboxes, barriers and the receive-temperature draw (the C pipe's world).

A message sent in cycle t can be taken from ``t + base + hops x per_hop`` (hops = hamming
distance between the two homes). ``recv src`` takes the oldest message from that sender (FIFO
per sender); ``recv any`` takes the nearest (T = 0, ties to the oldest) or draws with probability
proportional to ``exp(-(h - h_min) / T)`` over the hamming distances h of the candidates.
Subtracting the nearest distance first keeps the weights finite for any T > 0 (exp(-h/T)
underflows to 0 for every candidate when T is tiny); it does not change the probabilities.
"""

from __future__ import annotations

import math
import random

from ..coord import hamming
from .events import Message


class Network:
    """Declared state: every inbox, the open barriers, the send counter and the draw's RNG."""

    __slots__ = ("inboxes", "barriers", "seq", "rng")

    def __init__(self, seed: int = 0):
        self.inboxes: dict[int, list[Message]] = {}   # receiver id -> messages not yet taken
        self.barriers: dict[int, dict] = {}           # barrier id -> {count, arrived, open_at}
        self.seq = 0                                  # messages sent so far
        self.rng = random.Random(seed)

    def attach(self, sid: int) -> None:
        self.inboxes.setdefault(sid, [])

    def deliver(self, src, dst, values: tuple, t: int, base: int, per_hop: int) -> Message:
        self.seq += 1
        arrive = t + base + per_hop * hamming(src.home, dst.home)
        msg = Message(self.seq, src.id, dst.id, t, arrive, tuple(values))
        self.inboxes[dst.id].append(msg)
        return msg

    def candidates(self, sid: int, src_id, t: int) -> list[Message]:
        """Messages in ``sid``'s inbox that have arrived by ``t`` (from ``src_id``, or any)."""
        return [m for m in self.inboxes[sid] if m.arrive_cycle <= t and (src_id is None or m.src == src_id)]

    def in_flight(self, t: int) -> bool:
        return any(m.arrive_cycle >= t for box in self.inboxes.values() for m in box)

    def take(self, s, src_id, t: int, homes: dict) -> Message:
        """Remove and return the message ``s`` receives now (there is at least one candidate)."""
        cands = self.candidates(s.id, src_id, t)
        if src_id is not None or len(cands) == 1:
            msg = cands[0]  # FIFO per sender
        else:
            dist = [hamming(homes[m.src], s.home) for m in cands]
            if s.temperature == 0.0:
                msg = min(zip(dist, (m.seq for m in cands), cands))[2]
            else:  # seeded softmax over distance: T visibly changes which message is taken
                near = min(dist)
                weights = [math.exp(-(h - near) / s.temperature) for h in dist]
                msg = self.rng.choices(cands, weights=weights)[0]
        self.inboxes[s.id].remove(msg)
        return msg

    # -- barriers ----------------------------------------------------------------------------
    def arrive(self, bid: int, count: int, sid: int, t: int) -> dict:
        b = self.barriers.setdefault(bid, {"count": count, "arrived": set(), "open_at": None})
        b["arrived"].add(sid)
        if b["open_at"] is None and len(b["arrived"]) >= b["count"]:
            b["open_at"] = t + 1  # all arrivals are released together, in the next cycle
        return b

    def leave(self, bid: int, sid: int) -> None:
        b = self.barriers[bid]
        b["arrived"].discard(sid)
        if not b["arrived"]:
            del self.barriers[bid]

    def barriers_opening(self) -> bool:
        return any(b["open_at"] is not None for b in self.barriers.values())

    # -- snapshots ---------------------------------------------------------------------------
    def snapshot(self) -> tuple:
        return ({k: list(v) for k, v in self.inboxes.items()},
                {k: {**b, "arrived": set(b["arrived"])} for k, b in self.barriers.items()},
                self.seq, self.rng.getstate())

    def restore(self, snap: tuple) -> None:
        inboxes, barriers, self.seq, rng = snap
        self.inboxes = {k: list(v) for k, v in inboxes.items()}
        self.barriers = {k: {**b, "arrived": set(b["arrived"])} for k, b in barriers.items()}
        self.rng.setstate(rng)


__all__ = ["Network"]
