"""A service for the supervisor's tests, scripted by its arguments, run in order:

    log=TEXT          append a line to the file named by $LOG
    time=TEXT         append "TEXT <monotonic clock>" to $LOG
    print=TEXT        print to stdout;  eprint=TEXT: to stderr
    notify=A=1|B=2    send one sd_notify datagram ("|" separates fields) to $NOTIFY_SOCKET
    wait=FIFO         block until a line can be read from the named pipe FIFO
    trap=SIG:TEXT     on SIG, log TEXT and exit 0
    ignore=SIG:TEXT   on SIG, log TEXT and carry on
    fail-until=N:FILE count runs in FILE; exit 1 on runs before the Nth
    http=PORT         serve GET on 127.0.0.1:PORT: 503 until http-ready, then 200
    http-ready        see http=
    exit=N            exit with status N
    forever           wait for signals until killed
"""

from __future__ import annotations

import http.server
import os
import signal
import socket
import sys
import threading
import time

ready = threading.Event()


def log(text: str) -> None:
    fd = os.open(os.environ["LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, (text + "\n").encode())  # one write: lines from several processes never mix
    finally:
        os.close(fd)


def on_signal(name: str, text: str, then_exit: bool) -> None:
    def handler(signum: int, frame: object) -> None:
        log(text)
        if then_exit:
            sys.exit(0)

    signal.signal(signal.Signals[name], handler)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if ready.is_set() else 503)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def main(actions: list[str]) -> None:
    for action in actions:
        verb, _, arg = action.partition("=")
        if verb == "log":
            log(arg)
        elif verb == "time":
            log(f"{arg} {time.monotonic()}")
        elif verb == "print":
            print(arg, flush=True)
        elif verb == "eprint":
            print(arg, file=sys.stderr, flush=True)
        elif verb == "notify":
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.sendto(arg.replace("|", "\n").encode(), os.environ["NOTIFY_SOCKET"])
        elif verb == "wait":
            with open(arg) as fifo:
                fifo.readline()
        elif verb in ("trap", "ignore"):
            name, _, text = arg.partition(":")
            on_signal(name, text, then_exit=verb == "trap")
        elif verb == "fail-until":
            count, _, path = arg.partition(":")
            with open(path, "a+") as f:
                f.write("x")
                f.seek(0)
                runs = len(f.read())
            if runs < int(count):
                sys.exit(1)
        elif verb == "http":
            server = http.server.HTTPServer(("127.0.0.1", int(arg)), Handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
        elif verb == "http-ready":
            ready.set()
        elif verb == "exit":
            sys.exit(int(arg))
        elif verb == "forever":
            while True:
                signal.pause()
        else:
            raise SystemExit(f"fake_service: unknown action {action!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
