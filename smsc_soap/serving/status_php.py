"""status.php requests read and replies written as the service's HTTP status API does, in its
four formats, for one message or many.

Answers in windows-1251 unless ``charset`` asks for utf-8 or koi8-r, as the service does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from smsc_soap.errors import API_ERROR_DESCRIPTIONS
from smsc_soap.serving.field_orders import ReplyFields, not_found_fields
from smsc_soap.serving.http_reply import HttpReply

__all__ = [
    "STATUS_PATH",
    "StatusAnswer",
    "StatusForm",
    "read_status_form",
    "status_items",
    "status_reply",
]

STATUS_PATH = "/sys/status.php"

_CHARSETS = {"utf-8", "koi8-r", "windows-1251"}
_NUMBERS = {"status", "last_timestamp", "flag", "err", "send_timestamp", "type", "sms_cnt"}
# fmt=0 and fmt=1 leave these out; fmt=0 renames the first two.
_FMT0_LABELS = {"status": "Status", "last_date": "check_time"}
_FMT0_SKIPS = {"last_timestamp", "flag", "send_timestamp", "sms_cnt"}
_FMT1_SKIPS = {"last_date", "flag", "send_date", "sms_cnt"}

StatusAnswer = list[ReplyFields] | int | str
"""A reply's items, an error code, or "OK" for a deletion."""


@dataclass(frozen=True)
class StatusForm:
    """A status.php request: its parameters, and what they say about the reply."""

    params: dict[str, str]
    fmt: str
    charset: str
    ids: list[str]
    phones: list[str]
    mass: bool
    """A comma list (of one message, too): the reply is a list whose items name their message."""

    @property
    def well_formed(self) -> bool:
        """As many phones as ids, none empty, and a known ``all``."""
        return (
            len(self.ids) == len(self.phones)
            and all(self.ids + self.phones)
            and self.params.get("all", "0") in ("0", "1", "2")
        )

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Each message's phone and id, of a well-formed form."""
        return list(zip(self.phones, self.ids, strict=True))

    @property
    def level(self) -> int:
        """The detail ``all`` asks for, of a well-formed form."""
        return int(self.params.get("all", "0"))

    @property
    def deletes(self) -> bool:
        """``del=1``: the messages are to be deleted, not looked up."""
        return self.params.get("del") == "1"

    def __repr__(self) -> str:  # the parameters hold the password
        return f"StatusForm(fmt={self.fmt}, ids={len(self.ids)})"


def read_status_form(query: str, body: bytes) -> StatusForm:
    """The parameters of a GET's query and a POST's form together, the form's winning."""
    params = dict(parse_qsl(query, keep_blank_values=True))
    params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    charset = params.get("charset", "").lower()
    return StatusForm(
        params=params,
        fmt=params.get("fmt", "0") if params.get("fmt") in ("0", "1", "2", "3") else "0",
        charset=charset if charset in _CHARSETS else "windows-1251",
        ids=_list(params.get("id", "")),
        phones=_list(params.get("phone", "")),
        mass="," in params.get("id", ""),
    )


def status_reply(form: StatusForm, answer: StatusAnswer) -> HttpReply:
    """``answer`` written in the format and charset ``form`` asks for."""
    text = _RENDER[form.fmt](answer)
    content_type = {"2": "text/xml", "3": "application/json"}.get(form.fmt, "text/plain")
    return HttpReply(
        "200 OK",
        f"{content_type}; charset={form.charset}",
        text.encode(form.charset, errors="replace"),
    )


def status_items(form: StatusForm, found: Iterable[ReplyFields | None]) -> list[ReplyFields]:
    """A reply's items, one for each of ``form``'s messages: its fields, or status -3 alone
    for a message not found (None); an item of a mass reply then names its message."""
    items = [not_found_fields() if fields is None else fields for fields in found]
    if not form.mass:
        return items
    return [
        [*fields, ("id", message_id), ("phone", phone)]
        for fields, (phone, message_id) in zip(items, form.pairs, strict=True)
    ]


def _list(text: str) -> list[str]:
    # "To preserve the format of a multiple request" a single id may end with a comma.
    items = text.split(",")
    return items[:-1] if len(items) > 1 and items[-1] == "" else items


def _fmt0(answer: StatusAnswer) -> str:
    if isinstance(answer, int):
        return f"ERROR = {answer} ({API_ERROR_DESCRIPTIONS.get(answer, '')})"
    if isinstance(answer, str):
        return answer
    return "\n".join(
        ", ".join(
            f"{_FMT0_LABELS.get(name, name)} = {value}"
            for name, value in item
            if name not in _FMT0_SKIPS
        )
        for item in answer
    )


def _fmt1(answer: StatusAnswer) -> str:
    if isinstance(answer, int):
        return f"0,-{answer}"
    if isinstance(answer, str):
        return answer
    return "\n".join(",".join(v for name, v in item if name not in _FMT1_SKIPS) for item in answer)


def _fmt2(answer: StatusAnswer) -> str:
    if isinstance(answer, int):
        description = escape(API_ERROR_DESCRIPTIONS.get(answer, ""))
        return f"<result><error>{description}</error><error_code>{answer}</error_code></result>"
    if isinstance(answer, str):
        return f"<result>{answer}</result>"
    items = [
        "<sms>" + "".join(f"<{n}>{escape(v)}</{n}>" for n, v in item) + "</sms>" for item in answer
    ]
    return "<list>" + "".join(items) + "</list>" if _is_mass(answer) else items[0]


def _fmt3(answer: StatusAnswer) -> str:
    if isinstance(answer, int):
        return json.dumps({"error": API_ERROR_DESCRIPTIONS.get(answer, ""), "error_code": answer})
    if isinstance(answer, str):
        return json.dumps({"result": answer})
    objects = [
        {n: int(v) if n in _NUMBERS and v.lstrip("-").isdigit() else v for n, v in item}
        for item in answer
    ]
    return json.dumps(objects if _is_mass(answer) else objects[0], ensure_ascii=False)


def _is_mass(items: list[ReplyFields]) -> bool:
    # Items of a mass request carry their id (see status_items); a single reply does not.
    return any(name == "id" for name, _ in items[0])


_RENDER: dict[str, Callable[[StatusAnswer], str]] = {"0": _fmt0, "1": _fmt1, "2": _fmt2, "3": _fmt3}
