"""The IMAP poller: unseen messages go through the inbound path, then get flagged \\Seen."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from core.models import InboundMessage, Reply
from tests.tools.sequence_kit import lead
from tools.imap_poll import poll_mailbox

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mime"


class FakeMailbox:
    """Just enough of imaplib.IMAP4: select, search UNSEEN, fetch RFC822, store flags."""

    def __init__(self, messages: dict[str, bytes]):
        self.messages, self.seen, self.selected = messages, set(), None

    def select(self, mailbox="INBOX"):
        self.selected = mailbox
        return "OK", [str(len(self.messages)).encode()]

    def search(self, charset, *criteria):
        unseen = [n for n in self.messages if n not in self.seen]
        return "OK", [" ".join(unseen).encode()]

    def fetch(self, num, parts):
        return "OK", [
            (f"{num} (RFC822 {{{len(self.messages[num])}}}".encode(), self.messages[num]),
            b")",
        ]

    def store(self, num, command, flags):
        assert (command, flags) == ("+FLAGS", "\\Seen")
        self.seen.add(num)
        return "OK", []


def test_unseen_mail_is_stored_handled_and_flagged(session):
    lead(session, "marc", email="marc@agence.example")
    box = FakeMailbox(
        {
            "1": (FIXTURES / "html_only.eml").read_bytes(),
            "2": (FIXTURES / "malformed_no_from.eml").read_bytes(),
        }
    )
    handled = []
    report = poll_mailbox(session, box, "Replies", handled.append)
    assert box.selected == "Replies" and box.seen == {"1", "2"}
    assert report.fetched == 2 and report.statuses == {"processed": 1, "malformed": 1}
    assert handled == [session.scalars(select(Reply.id)).one()]
    assert session.scalar(select(func.count()).select_from(InboundMessage)) == 2
    assert poll_mailbox(session, box).fetched == 0  # seen messages are not read again
