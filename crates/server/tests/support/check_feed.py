"""Reads a feed with feedparser (the reference Python feed reader) and
prints what it made of it as JSON: the format it recognised, whether it had
to work around anything (bozo) and why, and each entry's id, title, link."""
import json
import sys
import urllib.request

import feedparser

with urllib.request.urlopen(sys.argv[1]) as resp:
    body = resp.read()
    content_type = resp.headers.get("Content-Type", "")
d = feedparser.parse(body, response_headers={"content-type": content_type})
print(json.dumps({
    "version": d.version,
    "bozo": bool(d.bozo),
    "bozo_exception": str(d.get("bozo_exception", "")),
    "title": d.feed.get("title", ""),
    "entries": [{"id": e.get("id", ""), "title": e.get("title", ""), "link": e.get("link", ""),
                 "published": e.get("published", ""), "summary": e.get("summary", "")} for e in d.entries],
}))
