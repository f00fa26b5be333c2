"""A small SMTP server in the test's process (127.0.0.1, port chosen by the system) for tests with real workers.

It keeps every message it took (`messages`, the raw bytes) and can be told to misbehave as real servers do:
- `hang_first`: hang after taking the first message and before saying so (the moment a real server has queued the
  message and its client may still die);
- `mode` "hang": accept the connection and say nothing until `release` is set (a tarpit); "fail": refuse each
  message at the end of its DATA with a 451 (a server that fails mid-send); "drop": close the connection after MAIL
  FROM; "ok": behave. It can be changed while the server runs. `connections` counts the clients that came.
"""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class SmtpServer:
    hang_first: bool = False
    mode: str = "ok"
    connections: int = 0
    messages: list[bytes] = field(default_factory=list)
    got_message: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        smtp = self

        class Handler(socketserver.StreamRequestHandler):
            def say(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                try:
                    self.converse()
                except OSError:  # the client is gone (killed while it waited)
                    pass

            def converse(self) -> None:
                smtp.connections += 1
                if smtp.mode == "hang":
                    smtp.release.wait(120)
                self.say("220 test ESMTP")
                while line := self.rfile.readline():
                    verb = line.decode("ascii", "replace").strip().split(" ")[0].upper()
                    if verb == "EHLO":
                        self.say("250-test")
                        self.say("250 8BITMIME")
                    elif verb == "MAIL" and smtp.mode == "drop":
                        return  # the connection closes in the middle of the conversation
                    elif verb in ("HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                        self.say("250 OK")
                    elif verb == "DATA":
                        self.say("354 go ahead")
                        data = b""
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk
                        if smtp.mode == "fail":
                            self.say("451 local error in processing")
                            continue
                        smtp.messages.append(data)
                        first = len(smtp.messages) == 1
                        smtp.got_message.set()
                        if first and smtp.hang_first:
                            smtp.release.wait(30)  # queued here; the client does not know it yet
                        self.say("250 queued")
                    elif verb == "QUIT":
                        self.say("221 bye")
                        return
                    else:
                        self.say("502 not implemented")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SmtpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
