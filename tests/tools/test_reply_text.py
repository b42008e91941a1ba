"""Splitting a reply into new text, quoted history and signature."""

import pytest

from tools.reply_text import reply_subject, split_reply

QUOTES = [
    "Yes please.\n\nOn Tue, Mar 3, 2026 at 9:14 AM Alex <alex@n.io> wrote:\n> unsubscribe here",
    "Yes please.\n\nOn Tue, Mar 3, 2026 at 9:14 AM Alex Rivera\n<alex@n.io> wrote:\n> hi",
    "Yes please.\n> Would you like a call?",
    "Yes please.\n\n-----Original Message-----\nFrom: Alex\nSent: Monday\nSubject: hi",
    "Yes please.\n\n________________________________\nFrom: Alex <alex@n.io>\nSent: Tuesday",
    "Yes please.\n\nFrom: Alex <alex@n.io>\nSent: Tuesday, March 3, 2026\nTo: Kim",
    "Yes please.\n\nVon: Alex <alex@n.io>\nGesendet: Dienstag\nAn: Kim\nBetreff: Hallo",
    "Yes please.\n\nDe: Alex <alex@n.io>\nEnviado: martes\nPara: Kim",
    "Yes please.\n\nVan: Alex <alex@n.io>\nVerzonden: dinsdag\nAan: Kim",
    "Yes please.\n\nAm 03.03.2026 um 09:14 schrieb Alex <alex@n.io>:\n> Hallo",
    "Yes please.\n\nLe mar. 3 mars 2026 à 09:14, Alex <alex@n.io> a écrit :\n> Bonjour",
    "Yes please.\n\nEl mar, 3 mar 2026 a las 9:14, Alex (<alex@n.io>) escribió:\n> Hola",
]


@pytest.mark.parametrize("body", QUOTES)
def test_quoted_history_is_cut(body):
    parts = split_reply(body)
    assert parts.new_text == "Yes please."
    assert parts.quoted


@pytest.mark.parametrize(
    "tail",
    [
        "--\nKim Berg\nHead of Growth",
        "Sent from my iPhone",
        "Thanks,\nKim",
        "Mit freundlichen Grüßen\nKim",
        "This email and any attachments are confidential and intended solely for the addressee. "
        "If you received it in error, do not copy it; unsubscribe requests go to legal.",
    ],
)
def test_signatures_and_disclaimers_are_cut(tail):
    parts = split_reply(f"Send me the guide.\n\n{tail}")
    assert parts.new_text == "Send me the guide."
    assert parts.signature


def test_a_message_that_looks_like_a_disclaimer_is_kept():
    assert split_reply("Este correo es spam. No vuelvan a escribirme.").new_text.startswith("Este")


def test_reply_subject_keeps_only_what_the_sender_system_wrote():
    assert reply_subject("Re: Quick question about Q3") == ""
    assert reply_subject("Automatic reply: Re: Quick question") == "Automatic reply"
    assert reply_subject("Out of office until 3 Dec") == "Out of office until 3 Dec"


def test_an_attribution_never_swallows_the_reply_above_it():
    body = "Take me off your list, thanks\n\nOn Tue, Mar 3, 2026 at 9:14 AM Al <a@n.io> wrote:\n>"
    assert split_reply(body).new_text == "Take me off your list, thanks"
    assert split_reply("Ok\nAlex <a@n.io> wrote:\n> hi").new_text == "Ok"
