"""A long-lived receiver session: the delivery receipts the service pushes, handed over one by
one, each acknowledged only once it was taken.

The seed's rule: receipts come to a session bound as a receiver or a transceiver (the
transport's query_sm session binds as a transmitter so that they do not come there). This one
binds as a receiver (it sends nothing), on the same ``SmppSession`` the transport uses: it
answers the server's enquire_link and sends its own after a quiet spell, and a server's unbind
ends it. Each DELIVER_SM receipt goes to ``on_receipt`` as a ``MessageStatus`` (read by
``ReceiptListener``); its deliver_sm_resp is sent after ``on_receipt`` returns, so a receipt
whose callback raised is left unanswered, the session is dropped, and the service delivers
it again on the next bind. After a drop the session is bound again, after a back-off that
doubles with each bind that fails, up to a cap, on an injectable ``Clock``.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from smsc_soap.errors import InvalidParametersError, ReceiptError, SmscError, TransportError
from smsc_soap.models import MessageStatus
from smsc_soap.runtime.clock import SYSTEM_CLOCK, Clock
from smsc_soap.service.credentials import Credentials
from smsc_soap.smpp.binding import BindMode, bind_credentials, bind_session, unbind
from smsc_soap.smpp.listener import ReceiptListener, read_deliver_sm
from smsc_soap.smpp.protocol import (
    DELIVER_SM,
    ESME_RINVCMDID,
    GENERIC_NACK,
    RESPONSE_BIT,
    header_of,
    pdu,
)
from smsc_soap.smpp.session import SmppSession

__all__ = ["Backoff", "ReceiptReceiver"]

logger = logging.getLogger("smsc_soap.smpp.receiver")

_MAX_PDU_BYTES = 1 << 16  # a DELIVER_SM carries at most 255 octets of text and a few TLVs


@dataclass(frozen=True)
class Backoff:
    """Seconds to wait before binding again: ``first`` after a drop, doubled for each bind in
    a row that failed, at most ``cap``."""

    first: float = 0.5
    cap: float = 30.0

    def __post_init__(self) -> None:
        if not 0 < self.first <= self.cap:
            raise InvalidParametersError(
                "the back-off needs 0 < first <= cap seconds", option="backoff"
            )

    def delay(self, failures: int) -> float:
        """The wait after ``failures`` (1 or more) binds or sessions in a row that failed."""
        return float(min(self.cap, self.first * 2 ** min(max(failures - 1, 0), 32)))


class ReceiptReceiver:
    """One receiver session to ``host:port``, bound by ``start()`` and kept bound until
    ``stop()``, which unbinds. Thread-safe; the callbacks run on the session's reader thread,
    one receipt at a time.

    ``on_receipt`` takes each receipt's status; ``on_unreadable`` each receipt that cannot be
    read (it is acknowledged all the same, or the service would send it forever; logged as a
    warning without one). DELIVER_SMs that are not receipts (incoming messages) are
    acknowledged and dropped. The credentials are checked before anything is sent and never
    shown: not in a log line, an error or a repr.
    """

    def __init__(
        self,
        host: str,
        port: int,
        credentials: Credentials,
        on_receipt: Callable[[MessageStatus], object],
        *,
        on_unreadable: Callable[[ReceiptError], object] | None = None,
        mode: BindMode = "receiver",
        system_type: str = "",
        timeout: float = 10.0,
        enquire_link_interval: float = 30.0,
        backoff: Backoff | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if mode == "transmitter":
            raise InvalidParametersError(
                "receipts come to a receiver or a transceiver, not a transmitter", option="mode"
            )
        self._login, self._password = bind_credentials(credentials)
        self.host, self.port = host, port
        self._on_unreadable = on_unreadable
        self._listener = ReceiptListener(on_receipt, on_error=self._unreadable)
        self._mode = mode
        self._system_type = system_type
        self._timeout = timeout
        self._keepalive = enquire_link_interval
        self.backoff = backoff or Backoff()
        self._clock = clock
        self._condition = threading.Condition()
        self._stopping = False
        self._session: SmppSession | None = None
        self._connecting: SmppSession | None = None  # while its bind waits for an answer
        self._taken = 0  # receipts handed over on the current session
        self._thread: threading.Thread | None = None
        self.binds = 0
        """Binds the server accepted."""
        self.delays: deque[float] = deque(maxlen=64)
        """The back-offs waited before binding again, the latest 64 in order."""

    @property
    def bound(self) -> bool:
        """Whether a bound session is alive now."""
        with self._condition:
            return self._session is not None and self._session.alive

    def start(self) -> ReceiptReceiver:
        """Bind in the background, and keep bound until ``stop()``."""
        with self._condition:
            if self._thread is not None:
                raise RuntimeError("the receiver was started already")
            self._thread = threading.Thread(
                target=self._run, name=f"smsc-soap-receipts-{self.host}:{self.port}", daemon=True
            )
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Unbind (at once, from this thread) and bind no more: a bind waiting for its answer
        is cut off; wait up to ``timeout`` seconds for a connection under way to end."""
        with self._condition:
            self._stopping = True
            session, connecting = self._session, self._connecting
            thread = self._thread
            self._condition.notify_all()
        if connecting is not None:
            connecting.abort()
        if session is not None:
            session.close(unbind)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def __enter__(self) -> ReceiptReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self) -> None:
        failures = 0
        while not self._stopped():
            session = self._bind()
            if session is not None:
                began = self._clock.monotonic()
                self._hold(session)
                if self._stopped():
                    return
                with self._condition:
                    taken = self._taken
                if taken or self._clock.monotonic() - began >= self.backoff.cap:
                    failures = 0  # it worked for a while: the next bind is not a retry
                logger.info(
                    "the SMPP receiver session to %s:%d ended (%s); binding again",
                    self.host,
                    self.port,
                    session.failure or "closed",
                )
            failures += 1
            delay = self.backoff.delay(failures)
            with self._condition:
                if self._stopping:
                    return
                self.delays.append(delay)
                self._clock.wait(self._condition, delay)

    def _stopped(self) -> bool:
        with self._condition:
            return self._stopping

    def _bind(self) -> SmppSession | None:
        try:
            bound = bind_session(
                self.host,
                self.port,
                self._mode,
                login=self._login,
                password=self._password,
                system_type=self._system_type,
                timeout=self._timeout,
                keepalive=self._keepalive,
                max_pdu_bytes=_MAX_PDU_BYTES,
                io_timeout=self._timeout,
                on_request=self._answer,
                on_connected=self._connected,
            )
        except SmscError as error:
            if not self._stopped():
                logger.warning(
                    "the SMPP receiver could not bind to %s:%d: %s", self.host, self.port, error
                )
            return None
        finally:
            with self._condition:
                self._connecting = None
        if isinstance(bound, int):
            logger.warning(
                "the SMPP server at %s:%d refused the receiver's bind (status 0x%08x)",
                self.host,
                self.port,
                bound,
            )
            return None
        return bound

    def _connected(self, session: SmppSession) -> None:
        with self._condition:
            stopping = self._stopping
            self._connecting = session
        if stopping:  # stop() came while connecting
            session.abort()

    def _hold(self, session: SmppSession) -> None:
        """Keep ``session`` as the current one until it ends (or ``stop()`` closes it)."""
        with self._condition:
            if self._stopping:
                stopping = True
            else:
                stopping = False
                self._session, self._taken = session, 0
                self.binds += 1
        if stopping:  # stop() came while the bind was under way
            session.close(unbind)
            return
        logger.info("the SMPP receiver is bound to %s:%d", self.host, self.port)
        session.wait_ended()
        with self._condition:
            self._session = None

    def _answer(self, frame: bytes) -> bytes:
        """On the reader thread: a request the server sent, answered once it was taken."""
        command_id, _, sequence = header_of(frame)
        if command_id != DELIVER_SM:
            return pdu(GENERIC_NACK, sequence, status=ESME_RINVCMDID)
        try:
            received = read_deliver_sm(frame)
        except ReceiptError as error:
            self._unreadable(error)
        else:
            try:
                self._listener(received)
            except Exception as error:
                logger.warning(
                    "a delivery receipt was left unacknowledged, for the service to deliver"
                    " again: handing it over failed (%s: %s)",
                    type(error).__name__,
                    error,
                )
                raise TransportError("a delivery receipt was not taken") from None
        with self._condition:
            self._taken += 1
        return pdu(DELIVER_SM | RESPONSE_BIT, sequence, b"\0")

    def _unreadable(self, error: ReceiptError) -> None:
        if self._on_unreadable is None:
            logger.warning("an unreadable delivery receipt was acknowledged: %s", error)
        else:
            self._on_unreadable(error)
