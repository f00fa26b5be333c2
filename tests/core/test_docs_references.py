"""Every reference to the project's own documents resolves: `docs/<name>.md#<anchor>` in the code, templates and
settings names an existing file and one of its headings, and so do the links between the documents. Nothing cites the
documents that are not in the repository (the old `domain.md §N`, `style.md`)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
SKIP = {".venv", ".git", "locale", "var", "node_modules", "media", "static", "__pycache__"}
SUFFIXES = {".py", ".html", ".txt", ".md", ".toml", ".cfg", ".yml", ".yaml", ".sh"}
REFERENCE = re.compile(r"docs/([\w-]+\.md)#([\w-]+)")
LINK = re.compile(r"\]\(([\w-]+\.md)?#([\w-]+)\)")  # [text](law.md#anchor) or [text](#anchor) inside docs/
ABSENT = re.compile(r"\b(?:domain|style)\.md\b")


def slug(heading: str) -> str:
    """A heading's anchor as GitHub and most Markdown renderers make it."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(document: Path) -> set[str]:
    text = document.read_text(encoding="utf-8")
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*$", text, re.MULTILINE)}


def sources() -> list[Path]:
    found = []
    for path in REPO.rglob("*"):
        relative = path.relative_to(REPO)
        if SKIP & set(relative.parts) or not path.is_file():
            continue
        if path.suffix in SUFFIXES or path.name == "Makefile":
            found.append(path)
    return found


def test_slug_follows_the_renderers():
    assert slug("The statutory procedure") == "the-statutory-procedure"
    assert slug("Settings, not constants") == "settings-not-constants"


def test_every_reference_to_docs_names_an_existing_heading():
    cited: list[tuple[str, str, str]] = []
    for path in sources():
        text = path.read_text(encoding="utf-8", errors="replace")
        where = str(path.relative_to(REPO))
        cited += [(where, name, anchor) for name, anchor in REFERENCE.findall(text)]
        if path.parent == DOCS:
            cited += [(where, name or path.name, anchor) for name, anchor in LINK.findall(text)]
    assert len(cited) > 20  # the code does cite the documents
    dangling = [
        f"{where}: docs/{name}#{anchor}"
        for where, name, anchor in cited
        if not (DOCS / name).is_file() or anchor not in anchors(DOCS / name)
    ]
    assert dangling == []


def test_no_code_cites_documents_that_are_not_in_the_repository():
    # README.md is left to its own editors; everything else (code, templates, migrations, tests, docs) is checked.
    citing = [
        str(path.relative_to(REPO))
        for path in sources()
        if path.name != "README.md" and path != Path(__file__) and ABSENT.search(path.read_text(errors="replace"))
    ]
    assert citing == []
