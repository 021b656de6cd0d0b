import pytest

from inventory import Ledger


def test_add_then_count():
    ledger = Ledger()
    ledger.add("bolts", 3)
    assert ledger.count("bolts") == 3


def test_take_more_than_stock_is_refused():
    ledger = Ledger()
    ledger.add("nuts", 1)
    with pytest.raises(ValueError, match="only 1 nuts left"):
        ledger.take("nuts", 2)
