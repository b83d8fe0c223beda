"""The service's documented codes: message statuses, delivery errors, message types.

Every table here is written from the service's status page. Each code carries the service's
own name (``label``) and description, and each status belongs to one ``Outcome``: the single
place that says which statuses are pending, delivered, failed or final.
"""

from __future__ import annotations

import enum
from typing import TypeVar


class Outcome(enum.Enum):
    """What a status means for the caller."""

    PENDING = "pending"  # the message may still be delivered; ask again later
    DELIVERED = "delivered"  # it reached the recipient (read and clicked imply delivered)
    FAILED = "failed"  # it will not be delivered
    NOT_FOUND = "not_found"  # unknown id or moved to the archive; asking again will not help
    UNKNOWN = "unknown"  # a code the service has not documented


class StatusCode(enum.IntEnum):
    """Message (or HLR request) status codes, values of ``<status>``."""

    NOT_FOUND = -3
    STOPPED = -2
    WAITING = -1
    TRANSFERRED = 0
    DELIVERED = 1
    READ = 2
    EXPIRED = 3
    CLICKED = 4
    UNDELIVERABLE = 20
    WRONG_NUMBER = 22
    BANNED = 23
    INSUFFICIENT_FUNDS = 24
    UNAVAILABLE_NUMBER = 25

    @property
    def label(self) -> str:
        """The service's name for the status."""
        return _STATUSES[self][0]

    @property
    def description(self) -> str:
        return _STATUSES[self][1]

    @property
    def outcome(self) -> Outcome:
        return _STATUSES[self][2]


_STATUSES: dict[StatusCode, tuple[str, str, Outcome]] = {
    StatusCode.NOT_FOUND: (
        "Message not found",
        "No message was found for the phone number and id, or it has moved to the archive.",
        Outcome.NOT_FOUND,
    ),
    StatusCode.STOPPED: (
        "Stopped",
        "A mailing-list message held back while its mailing is paused.",
        Outcome.PENDING,
    ),
    StatusCode.WAITING: (
        "Waiting send",
        "Waiting for its scheduled sending time or, briefly, for hand-over to the SMS center.",
        Outcome.PENDING,
    ),
    StatusCode.TRANSFERRED: (
        "Transferred to the operator",
        "Handed to the operator's SMS center for delivery.",
        Outcome.PENDING,
    ),
    StatusCode.DELIVERED: (
        "Delivered",
        "Delivered to the subscriber.",
        Outcome.DELIVERED,
    ),
    StatusCode.READ: (
        "Read",
        "Read (opened) by the recipient; possible for HTML e-mail messages.",
        Outcome.DELIVERED,
    ),
    StatusCode.EXPIRED: (
        "Expired",
        "Its lifetime ran out before it could be delivered.",
        Outcome.FAILED,
    ),
    StatusCode.CLICKED: (
        "Click on link",
        "Delivered, and the subscriber clicked the short link in it.",
        Outcome.DELIVERED,
    ),
    StatusCode.UNDELIVERABLE: (
        "Unable to deliver",
        "The delivery attempt failed (subscriber blocked, absent, roaming without SMS, ...).",
        Outcome.FAILED,
    ),
    StatusCode.WRONG_NUMBER: (
        "Wrong number",
        "Incorrect phone number format.",
        Outcome.FAILED,
    ),
    StatusCode.BANNED: (
        "Banned",
        "Stopped by duplicate, flood, blacklist, spam-filter or sender-id restrictions.",
        Outcome.FAILED,
    ),
    StatusCode.INSUFFICIENT_FUNDS: (
        "Insufficient funds",
        "The account did not have enough money to send the message.",
        Outcome.FAILED,
    ),
    StatusCode.UNAVAILABLE_NUMBER: (
        "Unavailable number",
        "The number does not accept SMS, or there is no working route to its operator.",
        Outcome.FAILED,
    ),
}


class SmsError(enum.IntEnum):
    """Delivery error codes of SMS messages and HLR requests, values of ``<err>``."""

    NO_ERROR = 0
    SUBSCRIBER_DOES_NOT_EXIST = 1
    SUBSCRIBER_OFFLINE = 6
    SERVICE_NOT_CONNECTED = 11
    PHONE_ERROR = 12
    SUBSCRIBER_BLOCKED = 13
    SERVICE_NOT_SUPPORTED = 21
    VIRTUAL_SENDING = 200
    SIM_CARD_REPLACED = 219
    OPERATOR_QUEUE_OVERFLOW = 220
    CALLEE_NOT_RESPONDING = 237
    NO_TEMPLATE = 238
    FORBIDDEN_IP_ADDRESS = 239
    SUBSCRIBER_BUSY = 240
    CONVERSION_ERROR = 241
    ANSWERING_MACHINE = 242
    NO_CONTRACT = 243
    MAILING_PROHIBITED = 244
    STATUS_NOT_RECEIVED = 245
    TIME_LIMIT = 246
    MESSAGE_LIMIT_EXCEEDED = 247
    NO_ROUTE = 248
    INVALID_NUMBER_FORMAT = 249
    NUMBER_FORBIDDEN_BY_SETTINGS = 250
    NUMBER_LIMIT_EXCEEDED = 251
    NUMBER_NOT_PERMITTED = 252
    SPAM_FILTER = 253
    UNREGISTERED_SENDER_ID = 254
    REJECTED_BY_OPERATOR = 255

    @property
    def label(self) -> str:
        """The service's name for the error."""
        return _SMS_ERRORS[self]


_SMS_ERRORS: dict[SmsError, str] = {
    SmsError.NO_ERROR: "No error",
    SmsError.SUBSCRIBER_DOES_NOT_EXIST: "The subscriber does not exist",
    SmsError.SUBSCRIBER_OFFLINE: "Subscriber is offline",
    SmsError.SERVICE_NOT_CONNECTED: "The service is not connected",
    SmsError.PHONE_ERROR: "Error in the subscriber's phone",
    SmsError.SUBSCRIBER_BLOCKED: "Subscriber is blocked",
    SmsError.SERVICE_NOT_SUPPORTED: "No support for the service",
    SmsError.VIRTUAL_SENDING: "Virtual sending",
    SmsError.SIM_CARD_REPLACED: "SIM card replacement",
    SmsError.OPERATOR_QUEUE_OVERFLOW: "Queue overflowed at the operator",
    SmsError.CALLEE_NOT_RESPONDING: "The callee is not responding",
    SmsError.NO_TEMPLATE: "No template",
    SmsError.FORBIDDEN_IP_ADDRESS: "Forbidden IP address",
    SmsError.SUBSCRIBER_BUSY: "Subscriber is busy",
    SmsError.CONVERSION_ERROR: "Conversion error",
    SmsError.ANSWERING_MACHINE: "Recorded answering machine",
    SmsError.NO_CONTRACT: "No contract",
    SmsError.MAILING_PROHIBITED: "Mailing is prohibited",
    SmsError.STATUS_NOT_RECEIVED: "Status is not received",
    SmsError.TIME_LIMIT: "Time limit",
    SmsError.MESSAGE_LIMIT_EXCEEDED: "Message limit exceeded",
    SmsError.NO_ROUTE: "No route",
    SmsError.INVALID_NUMBER_FORMAT: "Invalid number format",
    SmsError.NUMBER_FORBIDDEN_BY_SETTINGS: "Number forbidden by settings",
    SmsError.NUMBER_LIMIT_EXCEEDED: "Limit exceeded on a single number",
    SmsError.NUMBER_NOT_PERMITTED: "Number not permitted",
    SmsError.SPAM_FILTER: "Prohibited by spam filter",
    SmsError.UNREGISTERED_SENDER_ID: "Unregistered sender id",
    SmsError.REJECTED_BY_OPERATOR: "Rejected by operator",
}


class EmailError(enum.IntEnum):
    """Delivery error codes of e-mail messages, values of ``<err>``."""

    NO_ERROR = 0
    RECIPIENT_DOES_NOT_EXIST = 1
    INBOX_FULL = 2
    RECIPIENT_SERVER_NOT_FOUND = 3
    MAILBOX_LOCKED = 4
    FORBIDDEN_IP_ADDRESS = 239
    STATUS_NOT_RECEIVED = 245
    NO_ROUTE = 248
    INVALID_FORMAT = 249
    ADDRESS_PROHIBITED = 252
    SPAM_FILTER = 253
    UNREGISTERED_SENDER = 254
    REJECTED_BY_RECIPIENT_SERVER = 255

    @property
    def label(self) -> str:
        """The service's name for the error."""
        return _EMAIL_ERRORS[self]


_EMAIL_ERRORS: dict[EmailError, str] = {
    EmailError.NO_ERROR: "No error",
    EmailError.RECIPIENT_DOES_NOT_EXIST: "Recipient does not exist",
    EmailError.INBOX_FULL: "Crowded inbox",
    EmailError.RECIPIENT_SERVER_NOT_FOUND: "Recipient server was not found",
    EmailError.MAILBOX_LOCKED: "Mailbox is locked",
    EmailError.FORBIDDEN_IP_ADDRESS: "Forbidden IP address",
    EmailError.STATUS_NOT_RECEIVED: "Status is not received",
    EmailError.NO_ROUTE: "No route",
    EmailError.INVALID_FORMAT: "Invalid format",
    EmailError.ADDRESS_PROHIBITED: "E-mail address is prohibited",
    EmailError.SPAM_FILTER: "Prohibited by spam filter",
    EmailError.UNREGISTERED_SENDER: "Unregistered sender",
    EmailError.REJECTED_BY_RECIPIENT_SERVER: "Rejected by the recipient server",
}


class MessageType(enum.IntEnum):
    """Message types, in ``<type>`` and in bits 0-3 of ``<flag>``."""

    SMS = 0
    FLASH_SMS = 1
    BINARY_SMS = 2
    WAP_PUSH = 3
    HLR = 4
    PING_SMS = 5
    MMS = 6
    CALL = 7
    EMAIL = 8
    VIBER = 10
    SOCIAL_NETWORK = 12


class TemplateKind(enum.IntEnum):
    """Kinds of template message, bits 10 and 9 of ``<flag>``."""

    SERVICE = 0b00
    TRANSACTIONAL = 0b01
    AUTHORIZATION = 0b10
    ADVERTISING = 0b11


_Code = TypeVar("_Code", bound=enum.IntEnum)


def known_or_number(enum_type: type[_Code], code: int) -> _Code | int:
    """The enum member for ``code``, or the bare number when the service has not documented it."""
    try:
        return enum_type(code)
    except ValueError:
        return code
