"""The floor of the serving benchmark: a bare ASGI app on the gateway's server stack (uvicorn,
its HTTP protocol with the read deadline, the same settings), answering each path with the
bytes the gateway answered it with, and doing nothing else.

``python -m bench.floor_server REPLIES.json`` serves the replies the file holds (path: status,
content type, body in Latin-1) and prints its base URL.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import uvicorn

from smsc_soap.serving.deadlines import with_read_deadline
from smsc_soap.serving.server import _listening_socket

Message = MutableMapping[str, Any]


def main(replies_file: str) -> None:
    canned = {
        path: (
            status,
            [(b"content-type", kind.encode()), (b"content-length", b"%d" % len(body))],
            body,
        )
        for path, (status, kind, text) in json.loads(Path(replies_file).read_text()).items()
        for body in [text.encode("latin-1")]
    }

    async def app(
        scope: Message,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more and scope["method"] == "POST":  # the body read, as any server must
            more = (await receive()).get("more_body", False)
        status, headers, body = canned[scope["path"]]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    listener = _listening_socket("127.0.0.1", 0)  # the gateway's own: TCP_NODELAY follows
    print(f"http://127.0.0.1:{listener.getsockname()[1]}", flush=True)
    config = uvicorn.Config(
        app,
        http=with_read_deadline(10.0),
        ws="none",
        lifespan="off",
        interface="asgi3",
        timeout_keep_alive=30,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        backlog=4096,
    )
    uvicorn.Server(config).run(sockets=[listener])


if __name__ == "__main__":
    main(sys.argv[1])
