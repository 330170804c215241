"""Read a labelled set of messages (tests/data/topics/messages.txt) to measure the grouping.

Format: ``# topic: KEY | DEPARTMENT`` starts a topic; each following line is
``AUTHOR<TAB>TEXT``; other ``#`` lines and blank lines are comments.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from ..errors import OutreachError
from .model import Message


def load(path: Path, start: datetime | None = None) -> tuple[list[Message], list[str]]:
    """Messages (item ids from 1, one hour apart from ``start``) and their topic labels."""
    start = start or datetime(2026, 10, 1, 0, 0)
    messages: list[Message] = []
    labels: list[str] = []
    topic, department = None, ""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("# topic:"):
            head = line.split(":", 1)[1]
            topic, _, department = (part.strip() for part in head.partition("|"))
            continue
        if not line.strip() or line.startswith("#"):
            continue
        author, sep, text = line.partition("\t")
        if not sep or topic is None:
            raise OutreachError(f"{path}:{n}: expected AUTHOR<TAB>TEXT after a '# topic:' line")
        messages.append(Message(item_id=len(messages) + 1, author=author.strip(),
                                text=text.strip(), department=department,
                                created_at=start + timedelta(hours=len(messages))))
        labels.append(topic)
    return messages, labels
