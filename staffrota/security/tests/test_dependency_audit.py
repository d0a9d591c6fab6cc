"""The CI dependency audit says when it found something, and when it could check nothing."""

from staffrota.security import dependency_audit
from staffrota.security.dependency_audit import summarise


def test_dependency_audit_counts_vulnerable_packages():
    report = {
        "dependencies": [
            {
                "name": "django",
                "version": "5.2.1",
                "vulns": [{"id": "PYSEC-1", "fix_versions": ["5.2.2"]}],
            },
            {"name": "celery", "version": "5.4.0", "vulns": []},
            {"name": "odd", "skip_reason": "not on PyPI"},
        ]
    }
    summary = summarise(report)
    assert summary.audited == 2 and summary.skipped == 1
    assert summary.vulnerable == {"django 5.2.1": ["PYSEC-1 (fixed in 5.2.2)"]}


def test_dependency_audit_all_skipped_is_reported_not_checked(monkeypatch, capsys, tmp_path):
    skipped = '{"dependencies": [{"name": "a", "skip_reason": "Dependency not found on PyPI"}]}'

    class Result:
        stdout, stderr, returncode = skipped, "", 0

    monkeypatch.setattr(dependency_audit.subprocess, "run", lambda *a, **k: Result())
    assert dependency_audit.main([str(tmp_path / "lock")]) == 0
    assert "could NOT check" in capsys.readouterr().out
    assert dependency_audit.main([str(tmp_path / "lock"), "--strict"]) == 1


def test_dependency_audit_fails_on_a_known_vulnerability(monkeypatch, capsys, tmp_path):
    found = '{"dependencies": [{"name": "a", "version": "1", "vulns": [{"id": "GHSA-x"}]}]}'

    class Result:
        stdout, stderr, returncode = found, "", 1

    monkeypatch.setattr(dependency_audit.subprocess, "run", lambda *a, **k: Result())
    assert dependency_audit.main([str(tmp_path / "lock")]) == 1
    assert "a 1: GHSA-x (fixed in -)" in capsys.readouterr().out
