import pytest

from inventory import Ledger


@pytest.mark.parametrize("name", ["../etc", "a b", "x;rm", ""])
def test_item_names_that_are_not_identifiers_are_refused(name):
    with pytest.raises(ValueError):
        Ledger().add(name, 1)


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        Ledger().add("bolts", -1)
