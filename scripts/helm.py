#!/usr/bin/env python3
"""Helm's own library (PyPI helm-sdkpy: Helm v4 built as a shared library) for the tests: lint a
chart, install or uninstall a release. Prints one JSON object; exits 1 on failure.

  helm.py lint CHART
  helm.py install KUBECONFIG NAMESPACE RELEASE CHART [VALUES_JSON]
  helm.py uninstall KUBECONFIG NAMESPACE RELEASE
  helm.py session      one command per line on stdin (a JSON array of the words above), one JSON
                       result per line on stdout: with HELM_DRIVER=memory the releases live in
                       this process (in one Configuration per kubeconfig and namespace), so
                       install and uninstall must share it

scripts/setup installs it into .build/helm-venv (its wheels say Python 3.12, it runs on 3.11)."""
import asyncio
import json
import sys

from helm_sdkpy import Configuration, Install, Lint, Uninstall


# One Configuration per (kubeconfig, namespace): with HELM_DRIVER=memory it holds the releases.
configurations = {}


def configuration(namespace, kubeconfig=None):
    key = (namespace, kubeconfig)
    if key not in configurations:
        configurations[key] = Configuration(namespace=namespace, kubeconfig=kubeconfig)
    return configurations[key]


async def main(argv):
    command = argv[0]
    if command == "lint":
        result = await Lint(configuration("default")).run(argv[1])
        # Severity: 1 info, 2 warning, 3 error. Helm's own `helm lint` fails on errors; we fail on
        # warnings too. (The messages' texts come back empty from the library; the paths do not.)
        problems = [m for m in result.get("Messages") or [] if m.get("Severity", 0) >= 2]
        ok = not result.get("Errors") and not problems
        return ok, {"ok": ok, "charts": result.get("TotalChartsLinted"), "problems": problems}
    if command == "install":
        kubeconfig, namespace, release, chart = argv[1:5]
        values = json.loads(argv[5]) if len(argv) > 5 else {}
        installed = await Install(configuration(namespace, kubeconfig)).run(
            release, chart, values=values, wait=False, timeout=120)
        info = installed.get("info", {})
        return True, {"ok": True, "status": info.get("status"), "notes": info.get("notes", ""), "manifest": installed.get("manifest", "")}
    if command == "uninstall":
        kubeconfig, namespace, release = argv[1:4]
        removed = await Uninstall(configuration(namespace, kubeconfig)).run(release, wait=False, timeout=120)
        return True, {"ok": True, "status": removed.get("release", {}).get("info", {}).get("status")}
    raise SystemExit(f"unknown command {command}")


async def run(argv):
    try:
        return await main(argv)
    except Exception as error:  # Helm's errors: report them as data, the test prints them
        return False, {"ok": False, "error": f"{type(error).__name__}: {error}"}


async def session():
    for line in sys.stdin:
        if line.strip():
            _, result = await run(json.loads(line))
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["session"]:
        asyncio.run(session())
        sys.exit(0)
    ok, result = asyncio.run(run(sys.argv[1:]))
    print(json.dumps(result))
    sys.exit(0 if ok else 1)
