"""Serve crm-suite: ``python run.py [--host H] [--port P]``.

On a fresh database this creates the tables and installs the bundled modules
(or those in ``CRM_MODULES``); the first visit asks for the administrator.
"""

from __future__ import annotations

import argparse

from core.wsgi import serve


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve crm-suite (development server).")
    parser.add_argument("--host", help="address to listen on (default CRM_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default CRM_PORT or 5000)")
    args = parser.parse_args()
    serve(host=args.host, port=args.port)


if __name__ == "__main__":
    main()
