"""The address gate: a thread sending to an address another thread is sending to waits for it."""

from __future__ import annotations

import threading

from statuspage.delivery.address_gate import AddressGate


def test_a_send_to_a_held_address_waits_and_a_send_to_others_does_not():
    gate = AddressGate()
    order: list[str] = []
    first_holds, release_first = threading.Event(), threading.Event()

    def first() -> None:
        with gate.holding(["dead", "healthy"]):
            first_holds.set()
            release_first.wait(5)
            order.append("first answered")

    def second(addresses: list[str], label: str) -> None:
        with gate.holding(addresses):
            order.append(label)

    one = threading.Thread(target=first)
    one.start()
    assert first_holds.wait(5)
    elsewhere = threading.Thread(target=second, args=(["someone@example.com"], "elsewhere"))
    elsewhere.start()
    elsewhere.join(5)
    assert order == ["elsewhere"]  # no address in common: no wait
    overlapping = threading.Thread(target=second, args=(["dead"], "second"))
    overlapping.start()
    overlapping.join(0.2)
    assert overlapping.is_alive()  # waits behind the first send to "dead"
    release_first.set()
    one.join(5)
    overlapping.join(5)
    assert order == ["elsewhere", "first answered", "second"]
