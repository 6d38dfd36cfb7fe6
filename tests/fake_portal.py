"""A stand-in for xdg-desktop-portal's Screenshot interface on a private session bus, for tests.

Run as ``python fake_portal.py BUS_ADDRESS MODE [PNG]``; MODE is ``ok`` (answer with PNG's file:// URI),
``cancel`` (the user closed the dialog) or ``silent`` (never answers, as a portal that refused does).
It owns ``org.freedesktop.portal.Desktop``, prints ``ready`` once it does, then one JSON line per
Screenshot call (the options it was given). Written with jeepney, an independent D-Bus implementation,
so the app's QtDBus client is checked against the wire protocol, not against itself.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from jeepney import DBusAddress, HeaderFields, MessageType, new_error, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

SERVICE = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"


def main(address: str, mode: str, png: str | None = None) -> int:
    conn = open_dbus_connection(bus=address)
    reply = conn.send_and_get_reply(message_bus.RequestName(SERVICE, 4))  # 4: do not queue
    if reply.body[0] != 1:
        print(f"could not own {SERVICE}: {reply.body}", flush=True)
        return 1
    print("ready", flush=True)
    while True:
        msg = conn.receive()
        if msg.header.message_type != MessageType.method_call:
            continue
        fields = msg.header.fields
        iface, member = fields.get(HeaderFields.interface), fields.get(HeaderFields.member)
        if (fields.get(HeaderFields.path), iface, member) != (PATH, "org.freedesktop.portal.Screenshot",
                                                               "Screenshot"):  # fmt: skip
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (f"no {member}",)))
            continue
        parent_window, options = msg.body
        plain = {k: v[1] for k, v in options.items()}  # jeepney variants are (signature, value)
        print(json.dumps({"parent_window": parent_window, "options": plain,
                          "signature": fields.get(HeaderFields.signature)}), flush=True)  # fmt: skip
        sender = fields[HeaderFields.sender].lstrip(":").replace(".", "_")
        request = f"{PATH}/request/{sender}/{plain.get('handle_token', 'none')}"
        conn.send(new_method_return(msg, "o", (request,)))
        if mode == "silent":
            continue
        time.sleep(0.2)  # the user frames the area in the desktop's dialog
        emitter = DBusAddress(request, interface="org.freedesktop.portal.Request")
        if mode == "cancel":
            conn.send(new_signal(emitter, "Response", "ua{sv}", (1, {})))
        else:
            uri = Path(png).resolve().as_uri()
            conn.send(new_signal(emitter, "Response", "ua{sv}", (0, {"uri": ("s", uri)})))


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
