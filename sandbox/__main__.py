"""``python -m sandbox [--port 4566] [--time-scale 1.0] [--bootstrap] [--configs DIR]
[--account-id 123456789012]``."""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
from pathlib import Path

DEFAULT_CONFIGS = Path(__file__).resolve().parent.parent / "dms_configs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566, help="0 picks a free port")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="multiplies every simulated AWS duration (0.05 = 20x faster)",
    )
    parser.add_argument(
        "--bootstrap",
        action="store_true",
        help="create the network stack, the bucket and the endpoint secrets",
    )
    parser.add_argument(
        "--configs",
        type=Path,
        default=DEFAULT_CONFIGS,
        help="configs directory read by --bootstrap",
    )
    parser.add_argument(
        "--account-id",
        default=None,
        help="the AWS account this sandbox is (GetCallerIdentity, ARNs); default 123456789012",
    )
    args = parser.parse_args(argv)
    if args.time_scale <= 0:
        parser.error("--time-scale must be positive")
    if args.account_id is not None:
        if not re.fullmatch(r"[0-9]{12}", args.account_id):
            parser.error("--account-id must be 12 digits")
        # moto reads it per request, and answers GetCallerIdentity with it as AWS answers
        # with the credentials' account
        # (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html);
        # the sandbox's own backends key on it too.
        os.environ["MOTO_ACCOUNT_ID"] = args.account_id
        import sandbox

        sandbox.ACCOUNT_ID = args.account_id

    from sandbox.server import make_server

    server = make_server(args.host, args.port, args.time_scale)
    url = f"http://{args.host}:{server.server_port}"
    if args.bootstrap:
        from sandbox.bootstrap import bootstrap

        summary = bootstrap(str(args.configs))
        print(f"bootstrapped: {summary}", file=sys.stderr, flush=True)
    # The first stdout line is the endpoint URL; the test fixture and dmsctl read it.
    print(url, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
