"""sd_notify: tell a supervisor (systemd, or `appliance init`) that the server is ready.

`NOTIFY_SOCKET` names a datagram unix socket; a leading `@` means Linux's abstract namespace.
Unset, nothing is sent.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


def notify(message: str, environ: dict[str, str] | None = None) -> bool:
    """Send `message` (e.g. READY=1) to $NOTIFY_SOCKET; False when there is none or it fails."""
    address = (environ if environ is not None else os.environ).get("NOTIFY_SOCKET", "")
    if not address:
        return False
    target = "\0" + address[1:] if address.startswith("@") else address
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(target)
            sock.sendall(message.encode())
    except OSError as e:
        log.warning("cannot notify %s: %s", address, e)
        return False
    return True
