"""`imageforge sim serve`: the simulated clouds as a long-running local server."""
from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from typing import Any

from ..core.endpoints import sim_home


def register(sub: Any) -> None:
    parser = sub.add_parser("sim", help="run the simulated clouds")
    actions = parser.add_subparsers(dest="sim_command", required=True)
    serve = actions.add_parser("serve", help="serve the simulated clouds on 127.0.0.1 until interrupted")
    serve.add_argument("--home", type=Path, default=None, help="state folder (default: IMAGEFORGE_SIM_HOME or ~/.imageforge/sim)")
    serve.add_argument("--port", type=int, default=0, help="HTTP port (default: any free port)")
    serve.add_argument("--tls-port", type=int, default=0, help="HTTPS port for Azure (default: any free port)")
    serve.add_argument("--speed", type=float, default=60.0,
                       help="simulated seconds per real second (default 60: a 10-minute capture takes 10 s)")
    serve.set_defaults(handler=serve_forever)


def serve_forever(args: argparse.Namespace) -> int:
    from imageforge.simulator import Simulator

    home = args.home or sim_home()
    simulator = Simulator(home, speed=args.speed, port=args.port, tls_port=args.tls_port)
    endpoints = simulator.start()
    print(f"simulated clouds serving from {home}", flush=True)
    for key, value in endpoints.items():
        if isinstance(value, (str, int, float)):
            print(f"  {key}: {value}")
    print("providers with endpoint 'sim' find it through", Path(home) / "endpoints.json", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    simulator.stop()
    return 0
