#!/usr/bin/env python3
"""moto's server with cmkgate's extension loaded, on 127.0.0.1 only.

    moto_server.py [--port N] [--ready-file PATH]

--port 0 (the default) lets the kernel pick a free port; the port actually
bound is written, with the pid, as JSON to --ready-file once the socket
listens (written atomically), so callers never race for a port.  The server
runs until SIGTERM/SIGINT.

This builds the same WSGI application as ``python -m moto.server``
(moto.moto_server.werkzeug_app.DomainDispatcherApplication) and puts
cmkgate_moto_ext's layer in front of it.
"""

import argparse
import errno
import json
import os
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _interp import ensure_moto_python  # noqa: E402

ensure_moto_python()

LOOPBACK = "127.0.0.1"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default=LOOPBACK,
                    help="must be 127.0.0.1 (the endpoint never listens elsewhere)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--ready-file")
    args = ap.parse_args(argv)
    if args.host != LOOPBACK:
        ap.error("refusing to bind %s: the test endpoint binds 127.0.0.1 only" % args.host)
    if not 0 <= args.port <= 65535:
        ap.error("--port must be 0..65535")

    import cmkgate_moto_ext
    cmkgate_moto_ext.install()

    from moto.moto_server.werkzeug_app import (DomainDispatcherApplication,
                                               create_backend_app)
    from werkzeug.serving import make_server

    moto_app = DomainDispatcherApplication(create_backend_app)
    app = cmkgate_moto_ext.wrap(moto_app)
    try:
        server = make_server(LOOPBACK, args.port, app, threaded=True)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            sys.stderr.write("moto_server.py: port %d on %s is already in use\n"
                             % (args.port, LOOPBACK))
            return 3
        sys.stderr.write("moto_server.py: cannot listen on %s:%d: %s\n"
                         % (LOOPBACK, args.port, e))
        return 3
    port = server.server_port
    # moto uses MOTO_PORT when it has to call itself.
    os.environ["MOTO_PORT"] = str(port)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"host": LOOPBACK, "port": port, "pid": os.getpid(),
                       "python": sys.executable}, f)
        os.replace(tmp, args.ready_file)
    sys.stderr.write("cmkgate moto endpoint listening on http://%s:%d (pid %d)\n"
                     % (LOOPBACK, port, os.getpid()))
    sys.stderr.flush()
    try:
        server.serve_forever()
    except SystemExit:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
