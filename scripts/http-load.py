"""A bounded HTTP load through the storefront, as browsers would make it: customers sign up,
read the catalog, place orders (one order id each, never retried), read their order, and some
cancel. Counts every answer by status; a failure is a refused or broken connection or a 5xx.

usage: python3 scripts/http-load.py BASE_URL RATE SECONDS REPORT.json
Runs until SECONDS pass or the file REPORT.json.stop appears; writes REPORT.json at the end.
"""
import http.cookiejar
import json
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import date, timedelta

BASE, RATE, SECONDS, REPORT = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
SLUGS = ["red-rose-bouquet", "pink-tulips", "sunflower-bouquet", "carnation-basket",
         "white-lily-bouquet", "blue-hydrangea", "freesia-bouquet", "gerbera-bouquet"]
lock = threading.Lock()
counts = {}
failures = []
orders = []


def record(what, status, detail=""):
    with lock:
        counts[f"{what} {status}"] = counts.get(f"{what} {status}", 0) + 1
        if status == "error" or (isinstance(status, int) and status >= 500):
            failures.append({"at": time.time(), "what": f"{what}: {status} {detail}"[:200]})


class Customer:
    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = ""

    def call(self, what, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(BASE + path, data=data, method=method)
        request.add_header("content-type", "application/json")
        request.add_header("accept", "application/json")
        if self.csrf:
            request.add_header("x-csrf-token", self.csrf)
        try:
            with self.http.open(request, timeout=15) as response:
                text = response.read()
                record(what, response.status)
                return response.status, json.loads(text) if text[:1] in (b"{", b"[") else None
        except urllib.error.HTTPError as error:
            text = error.read()
            record(what, error.code, text[:100])
            return error.code, None
        except Exception as error:  # refused, reset, timed out
            record(what, "error", repr(error))
            return None, None

    def sign_up(self):
        _, session = self.call("session", "GET", "/api/session")
        self.csrf = (session or {}).get("csrf_token", "")
        email = f"{uuid.uuid4().hex}@load.test"
        _, session = self.call("sign up", "POST", "/api/accounts",
                               {"email": email, "name": "부하 시험", "password": "a load test password"})
        if session:
            self.csrf = session.get("csrf_token", self.csrf)


def one_visit(customer):
    choice = random.random()
    if choice < 0.35:
        customer.call("catalog", "GET", "/api/productInfos")
    elif choice < 0.45:
        customer.call("page", "GET", "/")
    else:
        day = (date.today() + timedelta(days=2)).isoformat()
        order_id = str(uuid.uuid4())
        status, placed = customer.call("place", "POST", "/api/orders", {
            "order_id": order_id, "lines": [{"slug": random.choice(SLUGS), "quantity": 1}],
            "recipient_name": "김하늘", "recipient_phone": "010-1234-5678",
            "address": "서울특별시 마포구 양화로 45, 3층", "delivery_date": day,
            "window": "afternoon", "card_message": "생일 축하해!",
            "card_number": "4242 4242 4242 4242", "card_expiry": "12/30", "card_cvc": "123"})
        if status == 201:
            with lock:
                orders.append(order_id)
            customer.call("order", "GET", f"/api/orders/{order_id}")
            if random.random() < 0.15:
                customer.call("cancel", "POST", f"/api/orders/{order_id}/cancel", {})


def main():
    customers = [Customer() for _ in range(12)]
    for c in customers:
        c.sign_up()
    start = time.monotonic()
    interval = 1.0 / RATE
    threads = []
    n = 0
    while time.monotonic() - start < SECONDS and not os.path.exists(REPORT + ".stop"):
        due = start + n * interval
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        t = threading.Thread(target=one_visit, args=(random.choice(customers),))
        t.start()
        threads.append(t)
        n += 1
    for t in threads:
        t.join()
    total = sum(counts.values())
    with open(REPORT, "w") as f:
        json.dump({"visits": n, "requests": total, "failed": len(failures), "by_status": counts,
                   "failures": failures, "orders_placed": len(orders)}, f, indent=1)


main()
