"""CI gate: audit the installed Python packages for known vulnerabilities with pip-audit.

Fails (exit 1) on any known vulnerability that has a fixed release, unless it is listed in IGNORED
with the reason. Vulnerabilities without a fix are printed, not failed. When the advisory service
cannot be reached, or it does not know some packages, the audit is incomplete: it says so loudly and
fails (exit 2) under CI=true, unless BATON_AUDIT_ALLOW_INCOMPLETE=1 says that this machine is known
to have no advisory service (then it still prints the banner: never a silent skip).

    .venv/bin/python scripts/dependency_audit.py [--service pypi|osv]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

# Vulnerability id -> why it does not apply to Baton. Only with a written reason.
IGNORED: dict[str, str] = {}


def _on(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes"}


def classify(report: dict) -> tuple[list[str], list[str], list[str]]:
    """(fixable, unfixable, unaudited) from pip-audit's JSON report; ignored ids never count."""
    fixable, unfixable, unaudited = [], [], []
    for dep in report.get("dependencies", []):
        if "skip_reason" in dep:
            unaudited.append(dep["name"])
            continue
        for vuln in dep.get("vulns", []):
            if vuln["id"] in IGNORED:
                continue
            fixes = ", ".join(vuln.get("fix_versions") or []) or "-"
            line = f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})"
            (fixable if vuln.get("fix_versions") else unfixable).append(line)
    return fixable, unfixable, unaudited


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", default="pypi", choices=["pypi", "osv"])
    args = parser.parse_args()
    started = time.monotonic()
    command = [
        sys.executable, "-m", "pip_audit", "--local", "--skip-editable", "--progress-spinner", "off",
        "--format", "json", "--vulnerability-service", args.service, "--timeout", "30",
    ]  # fmt: skip
    for vuln in IGNORED:
        command += ["--ignore-vuln", vuln]
    run = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    seconds = time.monotonic() - started
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        report = None
    if report is None:
        tail = (run.stderr or run.stdout).strip().splitlines()[-1:] or ["(no output)"]
        return _incomplete(f"pip-audit could not finish ({args.service}): {tail[0]}", seconds)

    fixable, unfixable, unaudited = classify(report)
    audited = len(report.get("dependencies", [])) - len(unaudited)
    print(f"dependency audit ({args.service}): {audited} packages audited in {seconds:.1f} s")
    for line in unfixable:
        print(f"  known vulnerability without a fix yet: {line}")
    for vuln, reason in IGNORED.items():
        print(f"  ignored {vuln}: {reason}")
    if fixable:
        print("FAIL: known vulnerabilities with a fixed release; upgrade the pins:", file=sys.stderr)
        for line in fixable:
            print(f"  {line}", file=sys.stderr)
        return 1
    if unaudited:
        return _incomplete(
            f"{len(unaudited)} of {len(unaudited) + audited} packages could not be audited "
            f"(the advisory service does not know them), e.g. {', '.join(unaudited[:5])}",
            seconds,
        )
    print("dependency audit: no known vulnerabilities")
    return 0


def _incomplete(why: str, seconds: float) -> int:
    banner = "=" * 78
    print(f"{banner}\nDEPENDENCY AUDIT INCOMPLETE after {seconds:.1f} s: {why}\n{banner}", file=sys.stderr)
    if _on("CI") and not _on("BATON_AUDIT_ALLOW_INCOMPLETE"):
        print("CI=true: failing (allow with BATON_AUDIT_ALLOW_INCOMPLETE=1)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
