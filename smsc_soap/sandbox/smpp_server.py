"""The sandbox's SMPP face on a TCP port: binds, query_sm, enquire_link, unbind, receipts.

A thread per connection reads its PDUs; query_sm is answered by a pool of workers, so
answers can overtake each other as a real SMSC's do; a pusher thread sends DELIVER_SM
receipts for the status changes of the book (``then_status``) as they come due, to a
receiver or transceiver session, queued until one is bound. A receipt stays the sandbox's
until its deliver_sm_resp comes back: one answered with an error, or left unanswered when the
connection ends, is sent again, as the service does.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from smsc_soap.errors import SmscError
from smsc_soap.runtime.foreign_errors import Step, mapped
from smsc_soap.sandbox.app import SandboxApp
from smsc_soap.sandbox.book import StatusChange, status_changes
from smsc_soap.sandbox.smpp_face import (
    answer_query,
    bind_status,
    deliver_sm,
    query_sm_resp,
)
from smsc_soap.smpp.protocol import (
    BIND_RECEIVER,
    BIND_TRANSCEIVER,
    BIND_TRANSMITTER,
    DELIVER_SM,
    ENQUIRE_LINK,
    ESME_RALYBND,
    ESME_RINVBNDSTS,
    ESME_RINVCMDID,
    ESME_RINVCMDLEN,
    ESME_RSYSERR,
    GENERIC_NACK,
    HEADER,
    QUERY_SM,
    RESPONSE_BIT,
    UNBIND,
    header_of,
    pdu,
)
from smsc_soap.smpp.session import read_frame

__all__ = ["IDLE_TIMEOUT", "SmppServer"]

logger = logging.getLogger("smsc_soap.sandbox.smpp")

_MAX_PDU_BYTES = 1 << 16
_WORKERS = 12  # as many as the HTTP side's threads: error 9 comes from the rules
_IDLE_WAKE = 1.0  # seconds the pusher sleeps with nothing due
IDLE_TIMEOUT = 300.0
"""Seconds a connection may send nothing (not even enquire_link) before it is dropped."""


class _Peer:
    """One client connection: who bound on it, and how."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.login: str | None = None
        self.receives = False
        self.unacknowledged: dict[int, StatusChange] = {}  # by the DELIVER_SM's sequence number
        self._send_lock = threading.Lock()
        self._sequence = 0

    def send(self, data: bytes) -> None:
        with self._send_lock, mapped(Step.SEND):
            self.connection.sendall(data)

    def next_sequence(self) -> int:
        with self._send_lock:
            self._sequence += 1
            return self._sequence

    def drop(self) -> None:
        with contextlib.suppress(SmscError), mapped(Step.SEND):
            self.connection.shutdown(socket.SHUT_RDWR)


class SmppServer:
    """The sandbox's SMPP server; ``port=0`` picks a free port. ``binds`` counts the bind
    requests it was sent, accepted or not, ``unbinds`` the unbinds, and ``acknowledged``
    the receipts answered with deliver_sm_resp. A connection quiet for ``idle_timeout`` seconds
    is dropped, as a real SMSC drops a session that stopped sending enquire_link."""

    def __init__(
        self,
        app: SandboxApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        self.app = app
        self.idle_timeout = idle_timeout
        self._listener = socket.create_server((host, port))
        self.host, self.port = self._listener.getsockname()[:2]
        self.binds = 0
        self.unbinds = 0
        self.acknowledged = 0
        self._lock = threading.Lock()
        # In the order they connected: receipts go to the earliest receiver still bound, not
        # to whichever a set would yield first.
        self._peers: dict[_Peer, None] = {}
        self._workers = ThreadPoolExecutor(_WORKERS, thread_name_prefix="smsc-sandbox-smpp")
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._threads = [
            threading.Thread(target=self._accept_all, name="smsc-sandbox-smpp", daemon=True),
            threading.Thread(target=self._push_receipts, name="smsc-sandbox-smpp", daemon=True),
        ]
        self._receipts = status_changes(app.book, app.started)

    def start(self) -> SmppServer:
        for thread in self._threads:
            thread.start()
        return self

    def close(self) -> None:
        """Stop accepting, drop every connection, and end the threads."""
        self._stopped.set()
        self._wake.set()
        with contextlib.suppress(SmscError), mapped(Step.SEND):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
        self._listener.close()
        self.drop_connections()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=5)
        self._workers.shutdown(wait=True)

    def drop_connections(self) -> None:
        """Drop every connection unannounced, as a restarting SMSC does."""
        with self._lock:
            peers = list(self._peers)
        for peer in peers:
            peer.drop()

    def push_now(self) -> None:
        """Look for receipts due at once (after the app's clock was moved)."""
        self._wake.set()

    def reply_to_query(
        self, login: str, sequence: int, message_id: str, source_addr: str
    ) -> tuple[bytes, bool]:
        """What answers a query_sm, and whether the connection is dropped after it. The
        app's faults for the message read as SMPP ones: ``reset`` drops the connection
        unanswered, ``truncated`` sends half the answer and drops it, ``http_500`` answers
        generic_nack, ``soap_fault`` query_sm_resp with ESME_RSYSERR."""
        fault = self.app.fault_for([message_id])
        if fault == "reset":
            return b"", True
        if fault == "http_500":
            return pdu(GENERIC_NACK, sequence, status=ESME_RSYSERR), False
        if fault == "soap_fault":
            return pdu(QUERY_SM | RESPONSE_BIT, sequence, status=ESME_RSYSERR), False
        answer = answer_query(self.app, login, message_id, source_addr)
        reply = query_sm_resp(sequence, message_id, answer)
        if fault == "truncated":
            return reply[: len(reply) // 2], True
        return reply, False

    def _accept_all(self) -> None:
        while not self._stopped.is_set():
            try:
                with mapped(Step.READ):
                    connection, _ = self._listener.accept()
            except SmscError:
                return  # the listener was shut
            connection.settimeout(self.idle_timeout)
            peer = _Peer(connection)
            with self._lock:
                self._peers[peer] = None
            threading.Thread(
                target=self._serve, args=(peer,), name="smsc-sandbox-smpp", daemon=True
            ).start()

    def _serve(self, peer: _Peer) -> None:
        try:
            while not self._stopped.is_set():
                frame = read_frame(peer.connection, _MAX_PDU_BYTES)
                if not frame or not self._handle(peer, frame):
                    return
        except SmscError as error:
            logger.debug("an SMPP connection ended: %s", error)
        finally:
            with self._lock:
                self._peers.pop(peer, None)
                self._send_again(list(peer.unacknowledged.values()))
                peer.unacknowledged.clear()
            peer.connection.close()

    def _handle(self, peer: _Peer, frame: bytes) -> bool:
        """Act on one PDU; False when the connection is to end."""
        command_id, status, sequence = header_of(frame)
        if command_id in (BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER):
            self._bind(peer, command_id, sequence, frame)
        elif command_id == ENQUIRE_LINK:
            peer.send(pdu(ENQUIRE_LINK | RESPONSE_BIT, sequence))
        elif command_id == UNBIND:
            with self._lock:
                self.unbinds += 1
            peer.send(pdu(UNBIND | RESPONSE_BIT, sequence))
            return False
        elif command_id == DELIVER_SM | RESPONSE_BIT:
            self._acknowledged(peer, sequence, status)
        elif command_id & RESPONSE_BIT:
            pass  # enquire_link_resp: nothing waits on it here
        elif peer.login is None:
            peer.send(pdu(GENERIC_NACK, sequence, status=ESME_RINVBNDSTS))
        elif command_id == QUERY_SM:
            self._workers.submit(self._query, peer, peer.login, sequence, frame)
        else:
            peer.send(pdu(GENERIC_NACK, sequence, status=ESME_RINVCMDID))
        return True

    def _bind(self, peer: _Peer, command_id: int, sequence: int, frame: bytes) -> None:
        with self._lock:
            self.binds += 1
        try:
            system_id, password = _c_strings(frame, 2)
        except ValueError:
            peer.send(pdu(GENERIC_NACK, sequence, status=ESME_RINVCMDLEN))
            return
        if peer.login is not None:
            status = ESME_RALYBND
        else:
            status = bind_status(self.app, system_id, password)
        body = b"SMSC\0" if status == 0 else b""
        peer.send(pdu(command_id | RESPONSE_BIT, sequence, body, status))
        if status == 0:
            peer.login = system_id
            peer.receives = command_id != BIND_TRANSMITTER
            self._wake.set()

    def _acknowledged(self, peer: _Peer, sequence: int, status: int) -> None:
        with self._lock:
            receipt = peer.unacknowledged.pop(sequence, None)
            if receipt is None:
                return
            if status:
                self._send_again([receipt])
            else:
                self.acknowledged += 1
        self._wake.set()

    def _send_again(self, receipts: list[StatusChange]) -> None:
        """Put receipts back at the head of the queue, oldest first (the lock held)."""
        self._receipts[:0] = sorted(receipts, key=lambda receipt: receipt.at)
        self._wake.set()

    def _query(self, peer: _Peer, login: str, sequence: int, frame: bytes) -> None:
        try:
            message_id, source_addr = _query_fields(frame)
        except ValueError:
            peer.send(pdu(GENERIC_NACK, sequence, status=ESME_RINVCMDLEN))
            return
        reply, then_drop = self.reply_to_query(login, sequence, message_id, source_addr)
        try:
            peer.send(reply)
            if then_drop:
                peer.drop()
        except SmscError as error:
            logger.debug("an SMPP answer could not be sent: %s", error)

    def _push_receipts(self) -> None:
        while not self._stopped.is_set():
            now = self.app.now()
            with self._lock:
                receiver = next((peer for peer in self._peers if peer.receives), None)
            if receiver is not None and not self._push_due(receiver, now):
                continue  # that receiver is retired: the next one, at once
            wait = _IDLE_WAKE
            with self._lock:
                if self._receipts and receiver is not None:
                    wait = min(wait, (self._receipts[0].at - now).total_seconds())
            self._wake.wait(max(wait, 0.0))
            self._wake.clear()

    def _push_due(self, receiver: _Peer, now: datetime) -> bool:
        """Send ``receiver`` the receipts due by ``now``; False if its connection failed,
        which ends it as a receiver (it is dropped) and keeps the receipt for the next."""
        while True:
            with self._lock:
                if not self._receipts or self._receipts[0].at > now:
                    return True
                receipt = self._receipts.pop(0)
                sequence = receiver.next_sequence()
                receiver.unacknowledged[sequence] = receipt
            try:
                data = deliver_sm(sequence, receipt, self.app.started)
            except ValueError as error:
                with self._lock:
                    receiver.unacknowledged.pop(sequence, None)
                logger.warning(
                    "the receipt of message %r cannot be written as a DELIVER_SM and is skipped:"
                    " %s",
                    receipt.message.id,
                    error,
                )
                continue
            try:
                receiver.send(data)
            except SmscError as error:
                with self._lock:
                    if receiver.unacknowledged.pop(sequence, None) is not None:
                        self._send_again([receipt])
                receiver.receives = False
                receiver.drop()
                logger.debug("a receipt could not be pushed: %s", error)
                return False


def _c_strings(frame: bytes, count: int) -> list[str]:
    """The first ``count`` C-octet strings of a PDU's body."""
    parts = frame[HEADER.size :].split(b"\0", count)
    if len(parts) <= count:
        raise ValueError("the PDU ends inside its strings")
    return [part.decode("latin-1") for part in parts[:count]]


def _query_fields(frame: bytes) -> tuple[str, str]:
    """message_id and source_addr of a query_sm (source_addr after its ton and npi)."""
    message_id, _, rest = frame[HEADER.size :].partition(b"\0")
    source_addr, ended, _ = rest[2:].partition(b"\0")
    if len(rest) < 3 or not ended:
        raise ValueError("the query_sm ends inside its fields")
    return message_id.decode("latin-1"), source_addr.decode("latin-1")
