"""The coordination pipe's side of the machine: message delivery, receiving, barriers.

A mixin of :class:`~vtpu_lib.sim.Machine`: it uses the machine's ``sentrons``, ``names``,
``config``, ``events``, ``rng`` and ``barriers``. Each receiver has one inbox; a message sent in
cycle t can be taken from ``t + base + hops x per_hop`` (hops = hamming distance of the two
homes). ``recv src`` takes the oldest message from that sender (FIFO per sender); ``recv any``
takes the nearest (T = 0) or draws with probability proportional to exp(-hamming / T).
"""

from __future__ import annotations

import math

from .coord import hamming
from .execute import DEP, Fault
from .sentron import RETIRED, Message, SentronState


class MessageNetwork:
    def _target(self, dest) -> SentronState:
        sid = self.names.get(dest, dest)
        if sid not in self.sentrons:
            raise Fault(f"send to sentron {dest!r}, which does not exist",
                        hint=f"sentrons: {', '.join(s.label for s in self.sentrons.values())}")
        return self.sentrons[sid]

    def _deliver(self, s: SentronState, dst: SentronState, values: tuple, t: int) -> None:
        c = self.config
        arrive = t + c.send_base_cycles + c.send_cycles_per_hop * hamming(s.home, dst.home)
        self._msg_seq += 1
        dst.inbox.append(Message(s.id, s.home, tuple(values), t, arrive, self._msg_seq))
        self.events.append((t, s.id, "send", dst.id, (arrive, tuple(values), self._msg_seq)))

    def send(self, s: SentronState, dest, values: tuple, t: int) -> bool:
        self._deliver(s, self._target(dest), values, t)
        return True

    def beacon(self, s: SentronState, values: tuple, radius: int, t: int) -> bool:
        for other in self.sentrons.values():
            if other is not s and hamming(other.home, s.home) <= radius:
                self._deliver(s, other, values, t)
        return True

    def _candidates(self, s: SentronState, src, t: int) -> list[Message]:
        sid = self.names.get(src, src)
        return [msg for msg in s.inbox if msg.arrive_cycle <= t and (src == "any" or msg.src == sid)]

    def has_message(self, s: SentronState, src, t: int) -> bool:
        if self._candidates(s, src, t):
            return True
        sid = self.names.get(src, src)
        if src != "any":
            if sid not in self.sentrons:
                raise Fault(f"recv from sentron {src!r}, which does not exist")
            sender = self.sentrons[sid]
            if sender.state == RETIRED and not any(m.src == sid for m in s.inbox):
                raise Fault(f"recv from {sender.label}, which retired without sending another message",
                            hint="check that every recv has a matching send")
        s.wait_for = f"a message from {src}"
        return False

    def recv(self, s: SentronState, src, t: int, lane0: bool):
        cands = self._candidates(s, src, t)
        if src != "any" or len(cands) == 1:
            msg = cands[0]  # FIFO per sender
        elif s.temperature == 0.0:
            msg = min(cands, key=lambda m: (hamming(m.src_home, s.home), m.seq))
        else:  # seeded softmax over hamming distance: T visibly changes which message is taken
            weights = [math.exp(-hamming(m.src_home, s.home) / s.temperature) for m in cands]
            msg = self.rng.choices(cands, weights=weights)[0]
        s.inbox.remove(msg)
        self.events.append((t, s.id, "recv", msg.src, (msg.values, msg.seq)))
        value = (msg.values[0] if msg.values else 0.0) if lane0 else msg.values
        return value, t + self.config.latency_cycles["coord"], DEP

    def barrier_open(self, s: SentronState, bid: int, count: int, t: int) -> bool:
        b = self.barriers.setdefault(bid, {"count": count, "arrived": set(), "open_at": None})
        if b["count"] != count:
            raise Fault(f"barrier {bid} is waited on with count {count}, but another sentron uses "
                        f"count {b['count']}", hint="every bar on one id must give the same count")
        b["arrived"].add(s.id)
        if b["open_at"] is None and len(b["arrived"]) >= count:
            b["open_at"] = t + 1  # all arrivals are released together, in the next cycle
        s.wait_for = f"barrier {bid} ({len(b['arrived'])}/{count} arrived)"
        return b["open_at"] is not None and t >= b["open_at"]

    def barrier_pass(self, s: SentronState, bid: int) -> bool:
        b = self.barriers[bid]
        b["arrived"].discard(s.id)
        if not b["arrived"]:
            del self.barriers[bid]
        return True
