"""Robustness: real BPMN files from ~35 modelers either validate or are rejected with located
findings; never an internal error (tests/data/bpmn_corpus/README.md names the sources)."""

import re
from collections import Counter
from pathlib import Path

import pytest

from processes.validation import definition_validate

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bpmn_corpus"
FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix in {".bpmn", ".xml"})


def reason(finding) -> str:
    """A coarse class of a rejection, for the summary the test prints."""
    message = finding.message
    for needle, label in [
        ("not marked executable", "not executable"),
        ("is not supported", "unsupported element"),
        ("not well-formed", "malformed XML"),
        ("neither in this upload nor deployed", "missing called process"),
        ("DTD", "DTD"),
    ]:
        if needle in message:
            return label
    return "parser/XSD: " + message[:60]


def test_the_corpus_is_large_and_varied():
    assert len(FILES) >= 150
    tools = {p.name.split("__")[0] for p in FILES}
    assert len(tools) >= 20


def as_executable(body: bytes) -> bytes:
    """Most modelers export descriptive models (isExecutable="false"); flipping the flag drives
    every file through the deeper stages (XSD, SpiffWorkflow parse, metadata, scripts) too."""
    body = body.replace(b'isExecutable="false"', b'isExecutable="true"')
    return re.sub(rb"<((?:\w+:)?process) (?![^>]*isExecutable)", rb'<\1 isExecutable="true" ', body)


@pytest.mark.parametrize("variant", ["as exported", "made executable"])
def test_every_corpus_file_validates_or_is_rejected_with_located_findings(capsys, variant):
    outcomes = Counter()
    for path in FILES:
        body = path.read_bytes() if variant == "as exported" else as_executable(path.read_bytes())
        report = definition_validate({path.name: body})
        internal = [f for f in report.findings if "internal error" in f.message]
        assert not internal, f"{path.name}: {internal}"
        if report.ok:
            outcomes["deployable"] += 1
            assert report.key
            continue
        for error in report.errors:
            assert error.message
            assert error.file == path.name or error.element_id, f"{path.name}: unlocated {error}"
        outcomes[f"rejected: {reason(report.errors[0])}"] += 1
    with capsys.disabled():
        print(f"\nBPMN corpus, {variant}: {len(FILES)} files")
        for outcome, count in outcomes.most_common():
            print(f"  {count:4d}  {outcome}")
    assert sum(outcomes.values()) == len(FILES)
