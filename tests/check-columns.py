#!/usr/bin/env python3
"""check-columns.py README BINARY - every report type in the README's table of
report types ("| `TYPE` | `{arguments}` ... | columns |") downloads a CSV whose
header row is exactly the columns the table lists. Starts BINARY on a free
port with a virtual clock, runs each type with the table's example arguments,
and prints every difference; exits 1 when there is one."""
import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request


def readme_rows(path):
    """(type, arguments JSON, columns) for each row of the types table."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\| `([A-Z_]+)` \| `(\{.*?\})`[^|]*\|[^|]*\|[^|]*\| (.*) \|$", line)
            if m:
                rows.append((m.group(1), json.loads(m.group(2)), m.group(3)))
    return rows


def call(base, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


def wait_ended(base, token, task_id, bound_s=60):
    """The task's status once it ended (files stored), polled for up to bound_s."""
    deadline = time.monotonic() + bound_s
    while True:
        result = json.loads(call(base, "GET", f"/v2024/reports/{task_id}/result", token=token))
        if result.get("status"):
            return result["status"]
        if time.monotonic() > deadline:
            return f"still running after {bound_s} s"
        time.sleep(0.1)


def main():
    readme, binary = sys.argv[1], sys.argv[2]
    rows = readme_rows(readme)
    if len(rows) < 7:
        print(f"{readme}: found {len(rows)} rows in the report types table, expected 7")
        return 1
    srv = subprocess.Popen([binary, "--port", "0", "--clock", "virtual", "--quiet"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    bad = 0
    try:
        base = srv.stdout.readline().split()[-1]
        form = urllib.parse.urlencode({"grant_type": "client_credentials",
                                       "client_id": "demo-admin",
                                       "client_secret": "demo-admin-secret"}).encode()
        with urllib.request.urlopen(base + "/oauth/token", data=form, timeout=30) as r:
            token = json.load(r)["access_token"]
        for rtype, args, columns in rows:
            if rtype == "SEARCH_EXPORT":
                continue  # its columns are the ones asked for: a zip, checked by e2e tests
            task = json.loads(call(base, "POST", "/v2024/reports/run",
                                   {"reportType": rtype, "arguments": args}, token))
            call(base, "POST", "/mock/clock", {"advanceMs": 10000})
            status = wait_ended(base, token, task["id"])
            if status != "SUCCESS":
                print(f"{rtype}: the README's example arguments end {status}")
                bad += 1
                continue
            csv = call(base, "GET", f"/v2024/reports/{task['id']}?fileFormat=csv", token=token)
            header = csv.decode("utf-8").split("\r\n", 1)[0]
            if header.replace(",", ", ") != columns:
                print(f"{rtype}: the README lists\n  {columns}\nbut the CSV header is\n  "
                      f"{header.replace(',', ', ')}")
                bad += 1
    finally:
        srv.terminate()
        srv.wait(timeout=15)
    print(f"report columns: {len(rows) - 1 - bad} types agree, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
