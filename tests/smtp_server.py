"""A minimal SMTP server on 127.0.0.1 for the failure-notification tests: it speaks enough
of RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for smtplib, and keeps each
message it is sent (envelope and the data as text)."""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Received:
    sender: str
    recipients: list[str] = field(default_factory=list)
    data: str = ""


class SmtpServer:
    def __init__(self):
        self.messages: list[Received] = []
        received = self.messages

        class Session(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(f"{line}\r\n".encode())

            def handle(self) -> None:
                self.reply("220 carewire-test ESMTP")
                message: Received | None = None
                while line := self.rfile.readline():
                    verb = line.decode(errors="replace").strip()
                    command = verb.split(" ", 1)[0].upper()
                    if command in ("EHLO", "HELO"):
                        self.reply("250 carewire-test")
                    elif command == "MAIL":
                        message = Received(verb.split(":", 1)[1].strip(" <>"))
                        self.reply("250 OK")
                    elif command == "RCPT" and message is not None:
                        message.recipients.append(verb.split(":", 1)[1].strip(" <>"))
                        self.reply("250 OK")
                    elif command == "DATA" and message is not None:
                        self.reply("354 end with <CRLF>.<CRLF>")
                        lines = []
                        while (body := self.rfile.readline()) not in (b".\r\n", b""):
                            lines.append(body.decode(errors="replace"))
                        message.data = "".join(lines)
                        received.append(message)
                        message = None
                        self.reply("250 OK queued")
                    elif command == "QUIT":
                        self.reply("221 bye")
                        return
                    else:  # RSET, NOOP and what this server does not need
                        self.reply("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Session)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]

    def start(self) -> SmtpServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
