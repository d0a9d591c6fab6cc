"""CI step: pip-audit over requirements.lock, saying plainly when it could not check.

    python -m staffrota.security.dependency_audit requirements.lock

Exit 1 when a locked package has a known vulnerability. When the vulnerability data cannot
be reached (no network, or a package index mirror without PyPI's JSON API, as on our
development machines) pip-audit skips every package and reports "no known
vulnerabilities"; this step prints a loud NOT CHECKED banner instead and exits 0, or 1
with --strict (use that where PyPI is reachable).
"""

import argparse
import json
import subprocess  # nosec B404
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Summary:
    audited: int = 0
    skipped: int = 0
    vulnerable: dict[str, list[str]] = field(default_factory=dict)
    skip_example: str = ""

    @property
    def checked_nothing(self) -> bool:
        return self.audited == 0


def summarise(report: dict) -> Summary:
    summary = Summary()
    for dependency in report.get("dependencies", []):
        if dependency.get("skip_reason"):
            summary.skipped += 1
            summary.skip_example = summary.skip_example or dependency["skip_reason"]
            continue
        summary.audited += 1
        vulns = dependency.get("vulns") or []
        if vulns:
            name = f"{dependency['name']} {dependency.get('version', '')}".strip()
            summary.vulnerable[name] = [
                f"{v['id']} (fixed in {', '.join(v.get('fix_versions') or ['-'])})" for v in vulns
            ]
    return summary


def _banner(lines: list[str]) -> str:
    width = max(len(line) for line in lines) + 4
    return "\n".join(["!" * width, *(f"! {line}" for line in lines), "!" * width])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", type=Path)
    parser.add_argument("--strict", action="store_true", help="fail when nothing was checked")
    args = parser.parse_args(argv)
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--requirement",
        str(args.lock),
        "--require-hashes",
        "--disable-pip",
        "--vulnerability-service",
        "pypi",
        "--format",
        "json",
        "--progress-spinner",
        "off",
    ]
    try:
        result = subprocess.run(  # noqa: S603  # nosec B603
            command, capture_output=True, text=True, timeout=600, check=False
        )
        report = json.loads(result.stdout or "{}")
    except (subprocess.TimeoutExpired, ValueError) as error:
        report, result = {}, None
        print(f"pip-audit did not produce a report: {error}")
    summary = summarise(report)
    if summary.vulnerable:
        print("Known vulnerabilities in locked dependencies:")
        for name, ids in summary.vulnerable.items():
            print(f"  {name}: {'; '.join(ids)}")
        return 1
    if summary.checked_nothing:
        reason = summary.skip_example or (result.stderr.strip()[-300:] if result else "")
        print(
            _banner(
                [
                    "pip-audit could NOT check the dependencies: no vulnerability data reached.",
                    f"{summary.skipped} packages skipped. First reason: {reason[:120]}",
                    "Run `python -m staffrota.security.dependency_audit requirements.lock "
                    "--strict`",
                    "on a machine that reaches pypi.org before a release.",
                ]
            )
        )
        return 1 if args.strict else 0
    note = f" ({summary.skipped} could not be checked)" if summary.skipped else ""
    print(f"pip-audit: {summary.audited} packages checked, no known vulnerabilities{note}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
