"""A stand-in for a vendor's product: a small pricing API on port 8080.

In a real team this image comes from the vendor; the example builds this one
so the flow runs anywhere. GET /health answers 200 once the app is up; GET
/price?item=NAME&qty=N answers JSON. It starts slowly on purpose (2 s), as a
real product does, so the readiness probe has something to wait for.
"""
import json
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

PRICES = {"apple": 30, "pear": 45}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/health":
            return self.answer(200, {"status": "ok"})
        if url.path == "/price":
            query = parse_qs(url.query)
            item = query.get("item", [""])[0]
            if item not in PRICES:
                return self.answer(404, {"error": f"unknown item {item!r}"})
            qty = int(query.get("qty", ["1"])[0])
            return self.answer(200, {"item": item, "qty": qty, "total": PRICES[item] * qty})
        return self.answer(404, {"error": "no such path"})

    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        print("vendor-app: " + fmt % args, flush=True)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("vendor-app: starting", flush=True)
    time.sleep(2)
    server = HTTPServer(("127.0.0.1", 8080), Handler)
    print("vendor-app: listening on 127.0.0.1:8080", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
