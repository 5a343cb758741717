"""The client: events are queued (bounded), sent in batches by one background thread to vigil's
HTTP API (or produced to Kafka), retried while vigil or Kafka is unavailable, and flushed on exit."""
from __future__ import annotations

import atexit
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

Scalar = Union[int, float, str, bool, None]
log = logging.getLogger("vigil_client")


class VigilClientError(Exception):
    """A problem the caller can act on: a full queue, a closed client, a bad argument."""


@dataclass(frozen=True)
class Rejected:
    """An event vigil refused (it does not fit the contract): never retried."""

    kind: str
    event: Dict[str, Any]
    reason: str


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _time(t: Union[None, str, datetime]) -> str:
    if t is None:
        return _now()
    if isinstance(t, datetime):
        if t.tzinfo is None:
            raise VigilClientError("timestamp: a datetime needs a time zone (vigil reads RFC 3339 with one)")
        return t.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return t


@dataclass
class _Batch:
    kind: str  # "predictions" or "labels"
    events: List[Dict[str, Any]] = field(default_factory=list)


class VigilClient:
    """Sends prediction and label events to vigil.

    ``url`` is the API's base URL (``http://vigil:8080``) with ``token`` an ingest-scope token;
    or ``kafka={"bootstrap.servers": ...}`` to produce to ``vigil.predictions`` and
    ``vigil.labels`` directly (needs the ``kafka`` extra). ``log_*`` only queue: at most
    ``max_queue`` events wait; when full, a call waits up to ``block_seconds`` and then raises.
    Events refused by vigil are passed to ``on_rejected`` (default: logged), never retried;
    while vigil or Kafka is unavailable a batch is retried with backoff until ``close``.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        token: Optional[str] = None,
        *,
        kafka: Optional[Mapping[str, Any]] = None,
        topics: Optional[Mapping[str, str]] = None,
        batch_size: int = 500,
        flush_interval: float = 1.0,
        max_queue: int = 10_000,
        block_seconds: float = 1.0,
        timeout: float = 10.0,
        on_rejected: Optional[Callable[[Rejected], None]] = None,
    ) -> None:
        if (url is None) == (kafka is None):
            raise VigilClientError("give url (vigil's HTTP API) or kafka (producer settings), one of them")
        if url is not None and not token:
            raise VigilClientError("the HTTP API needs a token with the ingest scope")
        self._url = url.rstrip("/") if url else None
        self._token = token
        self._topics = {"predictions": "vigil.predictions", "labels": "vigil.labels", **(topics or {})}
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._block = block_seconds
        self._timeout = timeout
        self._on_rejected = on_rejected or (lambda r: log.warning("vigil refused a %s event: %s", r.kind[:-1], r.reason))
        self._queue: "queue.Queue[Optional[tuple]]" = queue.Queue(maxsize=max_queue)
        self._closed = False
        self._producer = None
        if kafka is not None:
            try:
                from confluent_kafka import Producer  # type: ignore[import-not-found]
            except ImportError as err:  # pragma: no cover - depends on the extra
                raise VigilClientError("kafka needs the extra: pip install 'vigil-client[kafka]'") from err
            self._producer = Producer({"enable.idempotence": True, "acks": "all", **kafka})
        self._flushed = threading.Condition()
        self._flush_now = threading.Event()
        self._pending = 0  # events queued or in flight
        self._thread = threading.Thread(target=self._run, name="vigil-client", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    # -- what a service calls -------------------------------------------------------------

    def log_prediction(
        self,
        *,
        model_id: str,
        prediction_id: str,
        features: Mapping[str, Scalar],
        model_version: str,
        label: Optional[str] = None,
        score: Optional[float] = None,
        probabilities: Optional[Mapping[str, float]] = None,
        value: Optional[float] = None,
        attributes: Optional[Mapping[str, Scalar]] = None,
        timestamp: Union[None, str, datetime] = None,
    ) -> None:
        """Queues one prediction event (schemas/events/prediction.v1); the time defaults to now."""
        prediction = {k: v for k, v in (("label", label), ("score", score), ("probabilities", probabilities), ("value", value)) if v is not None}
        if not prediction:
            raise VigilClientError("a prediction needs a label, score, probabilities or value")
        event: Dict[str, Any] = {
            "schema_version": 1,
            "prediction_id": prediction_id,
            "model_id": model_id,
            "model_version": model_version,
            "timestamp": _time(timestamp),
            "features": dict(features),
            "prediction": {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in prediction.items()},
        }
        if attributes:
            event["attributes"] = dict(attributes)
        self._put("predictions", event)

    def log_label(
        self,
        *,
        model_id: str,
        prediction_id: str,
        label: Union[str, int, float],
        timestamp: Union[None, str, datetime] = None,
    ) -> None:
        """Queues the ground truth of an earlier prediction (schemas/events/label.v1)."""
        self._put("labels", {
            "schema_version": 1,
            "prediction_id": prediction_id,
            "model_id": model_id,
            "timestamp": _time(timestamp),
            "label": label,
        })

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Waits until every queued event was accepted or refused; False if ``timeout`` passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        self._flush_now.set()
        with self._flushed:
            while self._pending > 0:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._flushed.wait(left)
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Sends what is queued (waiting up to ``timeout``) and stops; later ``log_*`` calls raise."""
        if self._closed:
            return
        self._closed = True
        if not self.flush(timeout):
            log.warning("vigil client closed with %d events unsent", self._pending)
        self._queue.put(None)
        self._thread.join(timeout=1.0)

    # -- the sender -----------------------------------------------------------------------

    def _put(self, kind: str, event: Dict[str, Any]) -> None:
        if self._closed:
            raise VigilClientError("the client is closed")
        with self._flushed:
            self._pending += 1
        try:
            self._queue.put((kind, event), timeout=self._block)
        except queue.Full:
            with self._flushed:
                self._pending -= 1
            raise VigilClientError(f"the queue is full ({self._queue.maxsize} events): vigil is not keeping up or unreachable") from None

    def _run(self) -> None:
        batches: Dict[str, _Batch] = {}
        due = time.monotonic() + self._flush_interval
        stop = False
        while not stop:
            try:
                wait = 0.05 if self._flush_now.is_set() else max(0.0, due - time.monotonic())
                item = self._queue.get(timeout=wait)
                if item is None:
                    stop = True
                else:
                    kind, event = item
                    batches.setdefault(kind, _Batch(kind)).events.append(event)
            except queue.Empty:
                pass
            full = any(len(b.events) >= self._batch_size for b in batches.values())
            # A flush (or close) sends once the queue is drained rather than at the interval.
            asked = self._flush_now.is_set() and self._queue.empty()
            if stop or full or asked or time.monotonic() >= due:
                for batch in batches.values():
                    if batch.events:
                        self._send(batch)
                batches.clear()
                due = time.monotonic() + self._flush_interval
                if asked:
                    self._flush_now.clear()

    def _done(self, n: int) -> None:
        with self._flushed:
            self._pending -= n
            self._flushed.notify_all()

    def _send(self, batch: _Batch) -> None:
        delay = 0.2
        while True:
            try:
                refused = self._deliver(batch)
            except _Retry as err:
                if self._closed and delay > 5:
                    log.warning("vigil unavailable while closing, %d %s dropped: %s", len(batch.events), batch.kind, err)
                    self._done(len(batch.events))
                    return
                log.warning("vigil unavailable, retrying in %.1f s: %s", delay, err)
                time.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            except VigilClientError as err:
                # Not worth retrying (a wrong token, a body over the API's limit): every event is refused.
                refused = [(i, str(err)) for i in range(len(batch.events))]
            for index, reason in refused:
                try:
                    self._on_rejected(Rejected(batch.kind, batch.events[index], reason))
                except Exception:  # noqa: BLE001 - the caller's callback must not stop the sender
                    log.exception("on_rejected raised")
            self._done(len(batch.events))
            return

    def _deliver(self, batch: _Batch) -> Sequence[tuple]:
        if self._producer is not None:
            return self._produce(batch)
        body = "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in batch.events).encode()
        req = urllib.request.Request(
            f"{self._url}/v1/{batch.kind}",
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-ndjson", "Authorization": f"Bearer {self._token}"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self._timeout) as res:
                answer = json.loads(res.read() or b"{}")
        except urllib.error.HTTPError as err:
            text = err.read().decode("utf8", "replace")
            if err.code in (429, 502, 503, 504):
                raise _Retry(f"HTTP {err.code}: {text}") from None
            if err.code == 400:
                # Every record was refused; the answer lists them.
                try:
                    answer = json.loads(text)
                except ValueError:
                    answer = {}
                listed = answer.get("rejected") or [{"index": i, "reason": answer.get("error", text)} for i in range(len(batch.events))]
                return [(r["index"], r["reason"]) for r in listed]
            raise VigilClientError(f"vigil answered HTTP {err.code}: {text}") from None
        except (urllib.error.URLError, OSError) as err:
            raise _Retry(str(err)) from None
        return [(r["index"], r["reason"]) for r in answer.get("rejected", [])]

    def _produce(self, batch: _Batch) -> Sequence[tuple]:
        errors: List[str] = []
        topic = self._topics[batch.kind]
        for e in batch.events:
            self._producer.produce(topic, key=e["model_id"], value=json.dumps(e), on_delivery=lambda err, _m: err and errors.append(str(err)))
        left = self._producer.flush(self._timeout)
        if left > 0 or errors:
            raise _Retry(errors[0] if errors else f"{left} messages not acknowledged")
        return []


class _Retry(Exception):
    """vigil or Kafka is unavailable: the batch is sent again."""
