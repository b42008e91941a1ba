"""The two sender settings: the envelope sender (bounces) and the fallback From, each validated."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.agent_settings import AgentSettings
from core.settings import Settings


def test_the_envelope_sender_reads_its_new_name_and_its_old_one():
    assert Settings(_env_file=None, NURTURE_ENVELOPE_SENDER="b@acme.io").sender_email == "b@acme.io"
    assert (
        Settings(_env_file=None, NURTURE_SENDER_EMAIL="old@acme.io").sender_email == "old@acme.io"
    )


@pytest.mark.parametrize("value", ["Team <t@acme.io>", "nobody", "a@b", "two@at@acme.io"])
def test_a_sender_that_is_not_a_plain_address_is_refused_with_its_name(value):
    with pytest.raises(ValidationError, match="NURTURE_ENVELOPE_SENDER"):
        Settings(_env_file=None, NURTURE_ENVELOPE_SENDER=value)
    with pytest.raises(ValidationError, match="NURTURE_DEFAULT_SENDER_EMAIL"):
        AgentSettings(_env_file=None, NURTURE_DEFAULT_SENDER_EMAIL=value)
