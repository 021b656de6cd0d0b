"""The code under test: a tiny stock ledger."""


class Ledger:
    def __init__(self):
        self._stock = {}

    def add(self, item, count):
        if count <= 0:
            raise ValueError("count must be positive")
        if not item.isidentifier():
            raise ValueError("bad item name")
        self._stock[item] = self._stock.get(item, 0) + count

    def take(self, item, count):
        have = self._stock.get(item, 0)
        if count > have:
            raise ValueError(f"only {have} {item} left")
        self._stock[item] = have - count

    def count(self, item):
        return self._stock.get(item, 0)
