"""Schemathesis checks of vigil's own (loaded through SCHEMATHESIS_HOOKS by schemathesis.sh)."""
import schemathesis


@schemathesis.check
def error_has_json_body(ctx, response, case):
    """Every 4xx answer is a JSON object whose `error` says what is wrong."""
    if 400 <= response.status_code < 500:
        try:
            body = response.json()
        except Exception as exc:  # noqa: BLE001 - any decoding failure is the finding
            raise AssertionError(f"{response.status_code} without a JSON body: {exc}") from exc
        if not isinstance(body, dict) or not isinstance(body.get("error"), str) or not body["error"].strip():
            raise AssertionError(f"{response.status_code} without an `error` sentence: {body!r}")
