"""The HTML report in a real browser with JavaScript disabled: the score and hints must still show.

Scripts are blocked the way CI servers block them, with a Content-Security-Policy (Jenkins' default
policy, as a ``<meta>`` tag in a copy of the report). Chromium's ``scriptEnabled=false`` setting is not
usable here because ``--dump-dom`` itself needs script access to read the page.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

JENKINS_CSP = (
    '<meta http-equiv="Content-Security-Policy" '
    "content=\"default-src 'none'; img-src 'self'; style-src 'self' 'unsafe-inline';\">"
)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install -y chromium)")
def test_report_renders_score_and_hints_without_javascript(make_lab, grade, tmp_path: Path) -> None:
    lab = make_lab({"iam/policy.json": json.dumps(
        {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:x"}]}
    )})
    grade(lab)
    blocked = tmp_path / "report-no-js.html"
    blocked.write_text((lab / "reports" / "report.html").read_text().replace("<head>", f"<head>{JENKINS_CSP}", 1))
    page = blocked.as_uri()
    browser = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*browser, "--dump-dom", page], capture_output=True, text=True, timeout=120, check=True).stdout
    assert "Tiny lab: Score 7/9 (78%)" in dom
    assert "Which Version string do AWS examples use?" in dom
    js_table = re.search(r'<table id="results-table">.*?</table>', dom, re.S)
    assert js_table is not None and "results-table-row" not in js_table.group(0), "scripts ran: the JS table was built"
    shot = tmp_path / "report.png"
    subprocess.run([*browser, f"--screenshot={shot}", "--window-size=1280,1400", page], capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 10_000
