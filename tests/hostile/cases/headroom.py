"""``capacity headroom`` on services files, options and servers that are not what they claim: every
refusal names its file, field or option; a server whose series cannot be fitted is a status (exit 1)."""

from __future__ import annotations

from ..harness import Case
from .specs import _bomb

SERVICES = "services.yaml"
HEAD = ("headroom", "--no-forecast")
RANGE = ("--start", "2026-09-01T00:00:00Z", "--end", "2026-09-01T06:00:00Z")


def _svc(**fields: str) -> str:
    base = {"throughput": "up", "latency_buckets": "up", "cpu": "up", "step": "1m", "history": "6h"}
    base.update(fields)
    return "services:\n  web:\n" + "".join(f"    {k}: {v}\n" for k, v in base.items())


def _on(behaviour: str, **fields: str) -> tuple[str, ...]:
    return (*HEAD, "--services", SERVICES, "--source", "{srv}/" + behaviour, *RANGE)


LOCAL = (*HEAD, "--services", SERVICES)

CASES = [
    Case("headroom-services-not-utf8", LOCAL, files={SERVICES: b"services: \xff\n"}, names=(SERVICES, "UTF-8")),
    Case("headroom-services-alias-bomb", LOCAL, files={SERVICES: _bomb()}, names=(SERVICES,), timeout=30),
    Case("headroom-services-empty", LOCAL, files={SERVICES: ""}, names=(SERVICES,)),
    Case("headroom-services-list", LOCAL, files={SERVICES: "- a\n"}, names=(SERVICES,)),
    Case(
        "headroom-services-unknown-key",
        LOCAL,
        files={SERVICES: _svc(colour="red")},
        names=(SERVICES, "services.web.colour"),
    ),
    Case(
        "headroom-services-negative-latency",
        LOCAL,
        files={SERVICES: _svc(objective="{latency: -1}")},
        names=(SERVICES, "services.web.objective.latency"),
    ),
    Case(
        "headroom-services-step-overflow",
        LOCAL,
        files={SERVICES: _svc(step="1000000y")},
        names=(SERVICES, "services.web.step"),
    ),
    Case(
        "headroom-services-replicas-text-series-missing",
        (*LOCAL, *RANGE),
        files={SERVICES: _svc(throughput="request_rate", replicas="no_such_series", latency_buckets="null")},
        rc=1,
        names=("no data for replicas",),
    ),
    Case("headroom-services-missing-file", (*HEAD, "--services", "nope.yaml"), names=("nope.yaml",)),
    Case("headroom-traffic-words", (*HEAD, "--traffic", "lots"), names=("--traffic",)),
    Case("headroom-traffic-minus-all", (*HEAD, "--traffic=-100%"), names=("--traffic",)),
    Case("headroom-replicas-negative", (*HEAD, "--replicas=-3"), names=("--replicas",)),
    Case("headroom-replicas-nan", (*HEAD, "--replicas", "nan"), names=("--replicas",)),
    Case("headroom-horizon-overflow", ("headroom", "--horizon", "1000000y"), names=("horizon",)),
    # servers: one series "up" = 1 whatever is asked (no le label, no load variation)
    Case(
        "headroom-server-not-a-histogram",
        _on("ok"),
        files={SERVICES: _svc()},
        names=("services.web.latency_buckets", "le"),
    ),
    Case(
        "headroom-server-flat-load",
        _on("ok"),
        files={SERVICES: _svc(latency_buckets="null")},
        rc=1,
        names=("too little load variation", "ran from 1 to 1 req/s"),
    ),
    Case(
        "headroom-server-nan-values",
        _on("values-nan"),
        files={SERVICES: _svc(latency_buckets="null")},
        rc=1,
        names=("no data for the request rate",),
    ),
    Case("headroom-server-502", _on("reflect-502"), files={SERVICES: _svc()}, names=("{srv}/reflect-502", "HTTP 502")),
]
