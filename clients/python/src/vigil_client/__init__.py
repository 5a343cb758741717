"""Log predictions and labels to vigil from a Python service.

    import vigil_client
    vigil_client.configure(url="http://vigil:8080", token=os.environ["VIGIL_TOKEN"])
    vigil_client.log_prediction(model_id="fraud", prediction_id=request_id, model_version="v3",
                                features={"amount": 120.5, "country": "DE"}, label="ok", score=0.12)
    vigil_client.log_label(model_id="fraud", prediction_id=request_id, label="fraud")

Calls only queue; a background thread sends batches and the queue is flushed on exit.
"""
from __future__ import annotations

from typing import Any, Optional

from ._client import Rejected, VigilClient, VigilClientError

__all__ = ["Rejected", "VigilClient", "VigilClientError", "configure", "log_label", "log_prediction", "flush"]

_default: Optional[VigilClient] = None


def configure(*args: Any, **kwargs: Any) -> VigilClient:
    """Creates the module's client (the arguments of :class:`VigilClient`), closing any earlier one."""
    global _default
    if _default is not None:
        _default.close()
    _default = VigilClient(*args, **kwargs)
    return _default


def _client() -> VigilClient:
    if _default is None:
        raise VigilClientError("call vigil_client.configure(url=..., token=...) first")
    return _default


def log_prediction(**kwargs: Any) -> None:
    """:meth:`VigilClient.log_prediction` on the configured client."""
    _client().log_prediction(**kwargs)


def log_label(**kwargs: Any) -> None:
    """:meth:`VigilClient.log_label` on the configured client."""
    _client().log_label(**kwargs)


def flush(timeout: Optional[float] = None) -> bool:
    """:meth:`VigilClient.flush` on the configured client."""
    return _client().flush(timeout)
