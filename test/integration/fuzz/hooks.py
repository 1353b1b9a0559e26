"""Schemathesis hooks of the schema-fuzzing test (test/integration/fuzz/schemathesis.test.ts).

The fuzzer authenticates with one admin key. Revoking it ends the run (every later call is a 401),
and rotating it twice ends its old secret's grace. The stateful phase finds the key's id through
the document's links (GET /api/v1/me, GET /api/v1/api-keys), so those two operations would sooner or
later aim at it. Rather than excluding them, a call that targets the fuzzer's own key is redirected
to a decoy admin key the test created for this purpose: both operations stay fuzzed, including their
success and 409 paths.
"""

import json
import os

import schemathesis
from schemathesis.core import NotSet

OWN_KEY_ID = os.environ["FUZZ_OWN_KEY_ID"]
DECOY_KEY_ID = os.environ["FUZZ_DECOY_KEY_ID"]
KEY_PATHS = {("DELETE", "/api/v1/api-keys/{id}"), ("POST", "/api/v1/api-keys/{id}/rotate")}


@schemathesis.hook("before_call")
def spare_own_key(context, case, kwargs):
    operation = (case.operation.method.upper(), case.operation.path)
    if operation in KEY_PATHS and str(case.path_parameters.get("id", "")).strip() == OWN_KEY_ID:
        case.path_parameters["id"] = DECOY_KEY_ID


CLAIM_PATH = ("POST", "/api/v1/agent/jobs/claim")


@schemathesis.hook("before_call")
def short_long_polls(context, case, kwargs):
    """A job claim is a long poll of `waitSeconds` (default 25, at most 60) when no job is queued, as
    here: 2 workers would spend the run waiting. A valid wait is shortened to 0 or 1 s, which keeps a
    valid request valid; an invalid one (wrong type, out of range) is sent as generated."""
    if (case.operation.method.upper(), case.operation.path) != CLAIM_PATH:
        return
    if isinstance(case.body, NotSet):
        # No body: the default wait. Sent as an explicit zero wait (the API reads both alike).
        case.body = {"waitSeconds": 0}
        case.media_type = "application/json"
        return
    if not isinstance(case.body, dict):
        return
    wait = case.body.get("waitSeconds")
    if wait is None and "waitSeconds" not in case.body:
        case.body["waitSeconds"] = 0
    elif is_whole_number(wait) and 1 < wait <= 60:
        # 44.0 is as valid as 44 (JSON has one number type): shortened alike.
        case.body["waitSeconds"] = 1


def is_whole_number(value):
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


# Request-validation gaps (ST201: the API accepted a request the document forbids; ST202: it refused
# one the document allows) are findings about how precisely the document describes the route
# schemas, not server errors or responses that break the document. They are dropped from the
# verdict and written, one JSON line each, to $FUZZ_GAPS_FILE, which the test prints grouped by
# operation (api/README.md "Schema fuzzing" lists them). Every other failure fails the run.
REQUEST_VALIDATION_GAPS = {"ST201", "ST202"}
GAPS_FILE = os.environ.get("FUZZ_GAPS_FILE")


@schemathesis.hook
def filter_failure(context, failure, case, response):
    code = getattr(failure, "code", None)
    if code not in REQUEST_VALIDATION_GAPS or response is None or response.status_code >= 500:
        return True
    if GAPS_FILE:
        with open(GAPS_FILE, "a", encoding="utf-8") as out:
            record = {
                "operation": f"{case.operation.method.upper()} {case.operation.path}",
                "code": code,
                "status": response.status_code,
                "response": response.text[:300],
            }
            out.write(json.dumps(record) + "\n")
    return False
