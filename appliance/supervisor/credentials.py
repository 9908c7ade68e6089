"""User= of a unit: whom to run it as, and the variables systemd sets for that user."""

from __future__ import annotations

import logging
import os
import pwd
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


class UnknownUserError(LookupError):
    pass


@dataclass(frozen=True)
class Credentials:
    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]
    home: str
    shell: str

    def environment(self) -> dict[str, str]:
        return {"USER": self.name, "LOGNAME": self.name, "HOME": self.home, "SHELL": self.shell}

    def popen_kwargs(self) -> dict[str, Any]:
        return {"user": self.uid, "group": self.gid, "extra_groups": list(self.groups)}


def resolve(user: str | None, unit_name: str) -> Credentials | None:
    """The credentials to switch to, or None to run as the supervisor's own user: when User= is
    unset, or when the supervisor is not root (then a different User= is warned about and ignored)."""
    if user is None:
        return None
    try:
        entry = pwd.getpwuid(int(user)) if user.isdigit() else pwd.getpwnam(user)
    except KeyError:
        entry = None
    if os.geteuid() != 0:
        if entry is None or entry.pw_uid != os.geteuid():
            current = pwd.getpwuid(os.geteuid()).pw_name
            log.warning("%s: not root, so User=%s is ignored: running as %s", unit_name, user, current)
        return None
    if entry is None:
        raise UnknownUserError(f"User={user}: no such user")
    return Credentials(
        name=entry.pw_name,
        uid=entry.pw_uid,
        gid=entry.pw_gid,
        groups=tuple(os.getgrouplist(entry.pw_name, entry.pw_gid)),
        home=entry.pw_dir,
        shell=entry.pw_shell,
    )
