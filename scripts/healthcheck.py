#!/usr/bin/env python3
"""Container health check: GET a health endpoint of the local gunicorn; exit 0 on HTTP 200.

Standard library only, so it is fast and the slim image needs no curl. It sends a Host header that
ALLOWED_HOSTS accepts (the first entry), because the health endpoints still check the host.

    python scripts/healthcheck.py [/healthz|/readyz]    (PORT defaults to 8000)
"""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "/healthz"
    port = os.environ.get("PORT", "8000")
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = hosts[0].lstrip(".") if hosts and hosts[0] != "*" else "localhost"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=4) as response:
            body = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read().decode(), error.code
    except OSError as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    print(f"{path}: {status} {body}")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
