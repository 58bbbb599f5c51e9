"""A real SMTP server for the notification tests (aiosmtpd, Debian package python3-aiosmtpd).

Listens on 127.0.0.1:$PORT (0: a free port), prints "ready <port>" once it listens, and writes
each message it accepts to $MAIL_DIR as <n>.eml (written aside, then renamed, so a reader never
sees half a message).
"""

import asyncio
import itertools
import os
import sys

from aiosmtpd.smtp import SMTP

MAIL_DIR = os.environ["MAIL_DIR"]
COUNTER = itertools.count(1)


class Store:
    async def handle_DATA(self, server, session, envelope):
        n = next(COUNTER)
        tmp = os.path.join(MAIL_DIR, f".{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-To: " + ", ".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(MAIL_DIR, f"{n}.eml"))
        return "250 OK"


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Store(), hostname="smtp.test"),
        host="127.0.0.1",
        port=int(os.environ.get("PORT", "0")),
    )
    port = server.sockets[0].getsockname()[1]
    print(f"ready {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
