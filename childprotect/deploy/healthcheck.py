"""Health checks of docker-compose.yml's containers that need more than one command (the image has no curl):

    python childprotect/deploy/healthcheck.py web [PATH]   gunicorn on 127.0.0.1:$PORT answers PATH (/healthz) with 200
    python childprotect/deploy/healthcheck.py broker        the broker (CELERY_BROKER_URL) accepts a connection

`web` asks as the proxy would: the Host is the first of ALLOWED_HOSTS and X-Forwarded-Proto is https (from 127.0.0.1,
which the compose file lists in TRUSTED_PROXIES), so the production settings neither refuse the host nor redirect to
HTTPS. `broker` is beat's check: beat does nothing but read its schedule and publish to the broker, and a beat that
stopped ends its container (restarted by compose); whether its ticks arrive is the application's own heartbeat.
Exit status 0 healthy, 1 not, with the reason on stderr. Standard library only for `web` (no Django start-up).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def web(path: str = "/healthz") -> str | None:
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = (hosts[0] if hosts else "localhost").lstrip(".").replace("*", "localhost")
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(  # noqa: S310  (a fixed http:// URL on the loopback)
        f"http://127.0.0.1:{port}{path}", headers={"Host": host, "X-Forwarded-Proto": "https"}
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None  # a redirect is an answer other than 200, not something to follow

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=float(os.environ.get("TIMEOUT", "5"))) as r:
            status = r.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        return f"{path}: {exc}"
    return None if status == 200 else f"{path}: HTTP {status}"


def broker() -> str | None:
    from kombu.connection import Connection

    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url:
        return "CELERY_BROKER_URL is not set"
    try:
        with Connection(url, connect_timeout=5) as connection:  # type: ignore[no-untyped-call]
            connection.ensure_connection(max_retries=1)
    except Exception as exc:  # noqa: BLE001  (any failure to connect is the answer)
        return f"broker: {exc}"
    return None


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[1] == "web" and len(argv) <= 3:
        problem = web(*argv[2:])
    elif argv[1:] == ["broker"]:
        problem = broker()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
