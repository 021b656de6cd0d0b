from inventory import Ledger


def test_add_and_take_in_sequence():
    ledger = Ledger()
    for _ in range(10):
        ledger.add("washers", 5)
    ledger.take("washers", 20)
    assert ledger.count("washers") == 30
