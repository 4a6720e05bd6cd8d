#!/usr/bin/python3
"""Helpers of scripts/bench-progress.sh (standard library only).

  progress.py bodies SECRET COURSE_ID LEARNERS MODULES LINES OUT
      Writes LINES heartbeat bodies (one JSON per line, for `oha -Z`): each of LEARNERS
      learners is watching one of MODULES modules (as at any moment in real use), and a body
      is one random learner reporting one random 10-second window of the 300-second video,
      with a progress token signed as the server signs it (HMAC-SHA256 over "progress:" +
      payload), issued a day ago so that the learner's playback allowance starts full (126 s,
      then 2 s a second: more than the windows a learner sends in a run). The first report of
      a learner creates their row; the later ones merge into it.
  progress.py oha FILE
      Prints "rps p50_ms p99_ms ok errors" from oha's JSON output.
"""
import base64
import hashlib
import hmac
import json
import random
import sys
import time


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def bodies(secret, course_id, learners, modules, lines, out):
    rng = random.Random(20261126)
    now = int(time.time())
    key = secret.encode()
    with open(out, "w") as f:
        for _ in range(lines):
            user = rng.randint(1, learners)
            module = 1 + (user * 7919) % modules
            claims = {"u": user, "c": course_id, "m": f"bench-module-{module:02d}",
                      "d": 300000, "w": 90, "q": True,
                      "i": now - 86400, "e": now + 86400}
            payload = b64(json.dumps(claims, separators=(",", ":")).encode())
            sig = b64(hmac.new(key, b"progress:" + payload.encode(), hashlib.sha256).digest())
            start = rng.randint(0, 29) * 10
            f.write(json.dumps({"token": f"{payload}.{sig}",
                                "intervals": [[start, start + 10]],
                                "position": start + 10}, separators=(",", ":")) + "\n")


def oha(path):
    with open(path) as f:
        r = json.load(f)
    summary = r["summary"]
    codes = r.get("statusCodeDistribution", {})
    ok = sum(n for code, n in codes.items() if code.startswith("2"))
    errors = sum(n for code, n in codes.items() if not code.startswith("2"))
    errors += sum(r.get("errorDistribution", {}).values())
    pct = r["latencyPercentiles"]
    print(f'{summary["requestsPerSec"]:.0f} {pct["p50"] * 1000:.2f} {pct["p99"] * 1000:.2f} {ok} {errors}')


if __name__ == "__main__":
    if sys.argv[1] == "bodies":
        bodies(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7])
    elif sys.argv[1] == "oha":
        oha(sys.argv[2])
    else:
        sys.exit(__doc__)
