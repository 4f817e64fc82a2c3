#!/usr/bin/env python3
"""A counting fake Moonraker for tests/perf/moonraker-live.sh: a printing
printer, over HTTP (the fixtures of tests/fixtures/moonraker/) and over
`/websocket` (JSON-RPC 2.0: identify, server.info, printer.info,
printer.objects.subscribe/query, the temperature store, the job history,
file metadata; everything else answers -32601).

Runs on tornado (Moonraker's own web server; the Moonraker venv of .ci/run
has it: /opt/moonraker/bin/python). It prints `listening PORT` once, then
one line per state change it pushes: `toggle N STATE UNIX_NS`.

  --toggle SECS  flip print_stats.state printing <-> paused every SECS
                 and up to 250 ms (0: never), pushed as notify_status_update
                 to every socket
  --diffs HZ     while printing, push a temperature diff HZ times a second
                 (Moonraker sends about 4 while a job runs)

GET /_counts answers what piboard sent since the last GET /_reset:
{"seconds": S, "http": {PATH: N}, "ws": {METHOD: N}}. Neither is counted.
"""

import argparse
import asyncio
import json
import pathlib
import random
import sys
import time

import tornado.web
import tornado.websocket

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "moonraker"


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


class Printer:
    """The state both transports serve, and what piboard asked for."""

    def __init__(self):
        self.status = fixture("objects_printing.json")["result"]["status"]
        self.sockets = set()
        self.reset()

    def reset(self):
        self.since = time.monotonic()
        self.http = {}
        self.ws = {}

    def count(self, table, key):
        table[key] = table.get(key, 0) + 1

    def objects(self, wanted=None):
        keys = wanted or self.status.keys()
        return {
            "eventtime": time.monotonic(),
            "status": {k: self.status[k] for k in keys if k in self.status},
        }

    def push(self, diff):
        for k, v in diff.items():
            self.status.setdefault(k, {}).update(v)
        msg = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "notify_status_update",
                "params": [diff, time.monotonic()],
            }
        )
        for s in list(self.sockets):
            try:
                s.write_message(msg)
            except tornado.websocket.WebSocketClosedError:
                self.sockets.discard(s)


PRINTER = Printer()

# The answers by JSON-RPC method, and the HTTP path of each.
ANSWERS = {
    "server.info": lambda p: fixture("server_info_ready.json")["result"],
    "printer.info": lambda p: {"state": "ready", "state_message": "Printer is ready"},
    "server.temperature_store": lambda p: fixture("temperature_store.json")["result"],
    "server.history.list": lambda p: fixture("history_list.json")["result"],
    "server.files.metadata": lambda p: fixture("metadata.json")["result"],
    "server.connection.identify": lambda p: {"connection_id": 1},
    "printer.objects.subscribe": lambda p: PRINTER.objects(
        list((p or {}).get("objects", {}).keys()) or None
    ),
    "printer.objects.query": lambda p: PRINTER.objects(
        list((p or {}).get("objects", {}).keys()) or None
    ),
}
PATHS = {
    "/server/info": "server.info",
    "/printer/info": "printer.info",
    "/server/temperature_store": "server.temperature_store",
    "/server/history/list": "server.history.list",
    "/server/files/metadata": "server.files.metadata",
    "/printer/objects/query": "printer.objects.query",
}


class Http(tornado.web.RequestHandler):
    def get(self):
        path = self.request.path
        if path == "/_counts":
            seconds = time.monotonic() - PRINTER.since
            return self.write({"seconds": seconds, "http": PRINTER.http, "ws": PRINTER.ws})
        if path == "/_reset":
            PRINTER.reset()
            return self.write({})
        PRINTER.count(PRINTER.http, path)
        if path.startswith("/server/files/gcodes/"):
            self.set_header("Content-Type", "image/png")
            return self.write((FIXTURES / "thumb-300x300.png").read_bytes())
        if path == "/access/oneshot_token":
            return self.write({"result": "oneshot"})
        method = PATHS.get(path)
        if method is None:
            self.set_status(404)
            return self.write({"error": {"code": 404, "message": "Not Found"}})
        if method == "printer.objects.query":
            return self.write({"result": PRINTER.objects()})
        self.write({"result": ANSWERS[method](None)})


class Socket(tornado.websocket.WebSocketHandler):
    def open(self):
        PRINTER.sockets.add(self)

    def on_close(self):
        PRINTER.sockets.discard(self)

    def on_message(self, message):
        try:
            req = json.loads(message)
        except ValueError:
            PRINTER.count(PRINTER.ws, "(not JSON)")
            return
        method = req.get("method", "")
        PRINTER.count(PRINTER.ws, method)
        answer = ANSWERS.get(method)
        if answer is None:
            reply = {"error": {"code": -32601, "message": f"Method not found: {method}"}}
        else:
            reply = {"result": answer(req.get("params"))}
        if "id" in req:
            self.write_message(json.dumps({"jsonrpc": "2.0", "id": req["id"], **reply}))


async def toggle(every):
    n = 0
    while every > 0:
        # Off the diffs' beat, so a flip lands anywhere between two diffs.
        await asyncio.sleep(every + random.uniform(0, 0.25))
        n += 1
        state = "paused" if PRINTER.status["print_stats"]["state"] == "printing" else "printing"
        PRINTER.push({"print_stats": {"state": state}})
        print(f"toggle {n} {state} {time.time_ns()}", flush=True)


async def diffs(hz):
    while hz > 0:
        await asyncio.sleep(1 / hz)
        if PRINTER.status["print_stats"]["state"] == "printing":
            t = round(240 + random.uniform(-0.4, 0.4), 2)
            PRINTER.push({"extruder": {"temperature": t}})


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--toggle", type=float, default=0)
    ap.add_argument("--diffs", type=float, default=4)
    args = ap.parse_args()
    app = tornado.web.Application([(r"/websocket", Socket), (r"/.*", Http)])
    server = app.listen(0, address="127.0.0.1")
    port = next(iter(server._sockets.values())).getsockname()[1]
    print(f"listening {port}", flush=True)
    await asyncio.gather(toggle(args.toggle), diffs(args.diffs))
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
