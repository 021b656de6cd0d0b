"""The team's tests of the vendor's app. The app runs as a service of the
Arena job: in the test's own network namespace, at 127.0.0.1:8080 and by
the name the job gives it (app)."""
import json
import os
import urllib.error
import urllib.request

import pytest

BASE = os.environ.get("VENDOR_APP_URL", "http://app:8080")


def get(path):
    try:
        with urllib.request.urlopen(BASE + path, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_health():
    assert get("/health") == (200, {"status": "ok"})


@pytest.mark.parametrize("item,qty,total", [("apple", 1, 30), ("apple", 3, 90), ("pear", 2, 90)])
def test_price(item, qty, total):
    code, body = get(f"/price?item={item}&qty={qty}")
    assert code == 200
    assert body["total"] == total


def test_unknown_item_is_404():
    code, body = get("/price?item=plum")
    assert code == 404
    assert "plum" in body["error"]


def test_reachable_on_loopback_too():
    with urllib.request.urlopen("http://127.0.0.1:8080/health", timeout=10) as answer:
        assert answer.status == 200
