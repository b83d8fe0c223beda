"""One rule for the message ids people and callers give, on the command line and the gateway."""

from __future__ import annotations

import re

import pytest

from smsc_soap.errors import InvalidParametersError
from smsc_soap.gateway.phones import ID_PATTERN, caller_message_id
from smsc_soap.service.message_ids import unusable_id


@pytest.mark.parametrize("message_id", ["1", "9" * 20])
def test_an_id_of_up_to_20_digits_is_taken_everywhere(message_id: str) -> None:
    assert unusable_id(message_id) is None
    assert re.search(ID_PATTERN, message_id)
    assert caller_message_id(message_id) == message_id


@pytest.mark.parametrize("message_id", ["9" * 21, "абв", "12a", ""])
def test_an_id_that_is_no_service_id_is_refused_everywhere(message_id: str) -> None:
    assert unusable_id(message_id) is not None
    assert not re.search(ID_PATTERN, message_id)
    with pytest.raises(InvalidParametersError):
        caller_message_id(message_id)
