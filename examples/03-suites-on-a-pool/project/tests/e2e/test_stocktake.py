import time

from inventory import Ledger


def test_full_stocktake():
    # Stands in for a slow end-to-end run that must have the pool to itself.
    ledger = Ledger()
    ledger.add("bolts", 7)
    time.sleep(1)
    ledger.take("bolts", 7)
    assert ledger.count("bolts") == 0
