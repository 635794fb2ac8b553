"""Reads a Statuspage-compatible page with two tools written for Statuspage,
as their users run them: statuscheck's Statuspage reader and
statuspage-prometheus-exporter's service check, both pointed at BASE_URL.
Prints one JSON line per reader with what it understood; exits 1 naming the
reader that failed. Run by crates/server/tests/readers.rs in a throwaway venv.

    python read_status_page.py http://127.0.0.1:PORT
"""
import json
import os
import sys
import tempfile

base = sys.argv[1].rstrip("/")
failed = []

try:
    from statuscheck.services.bases._statuspageio import BaseStatusPageAPI

    class Ours(BaseStatusPageAPI):
        name = "Sitrep"
        status_url = base + "/status"

        def _get_base_url(self) -> str:
            return base + "/api/v2/"

    s = Ours().get_summary()
    print(json.dumps({
        "reader": "statuscheck",
        "indicator": s.status.code,
        "components": sorted((c.name, c.status) for c in s.components),
        "incidents": sorted(i.name for i in s.incidents),
    }))
except Exception as e:  # a reader that cannot read us is the finding
    failed.append(f"statuscheck: {type(e).__name__}: {e}")

try:
    # The exporter caches answers in its working directory.
    os.chdir(tempfile.mkdtemp())
    from statuspage_prometheus_exporter.service_checker import check_service_status

    r = check_service_status("sitrep", {"url": base + "/api/v2/summary.json", "name": "Sitrep"})
    if not r.get("success"):
        raise RuntimeError(r.get("error") or r)
    print(json.dumps({
        "reader": "statuspage-prometheus-exporter",
        "indicator": r.get("raw_status"),
        "components": sorted(c.get("name", "") for c in r.get("component_metadata", [])),
        "incidents": sorted(i.get("name", "") for i in r.get("incident_metadata", [])),
    }))
except Exception as e:
    failed.append(f"statuspage-prometheus-exporter: {type(e).__name__}: {e}")

if failed:
    print("\n".join(failed), file=sys.stderr)
    sys.exit(1)
