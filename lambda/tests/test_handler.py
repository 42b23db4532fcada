"""Tests for lambda/handler.py, with S3 mocked by moto."""

import base64
import io
import json
import re
from types import SimpleNamespace

import boto3
import pytest
from moto import mock_aws

import handler as h

BUCKET = "test-log-bucket"
LAMBDA_ID = "lambda-req-0001"
API_ID = "apigw-req-0001"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    # Fake credentials so nothing can ever reach a real AWS account.
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "LOG_BUCKET_NAME": BUCKET,
        "ENVIRONMENT": "test",
        "SERVICE_NAME": "tapgen-test",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # Each test gets a client created inside its own moto mock.
    monkeypatch.setattr(h, "_s3", None)


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def logs():
    """Captures what the handler's own log handler writes; returns the lines."""
    buf = io.StringIO()
    old = h.LOG_HANDLER.setStream(buf)
    try:
        yield lambda: buf.getvalue().splitlines()
    finally:
        h.LOG_HANDLER.setStream(old)


def make_event(method="GET", path="/", body=None, b64=False, query=None, headers=None):
    """A trimmed but faithful API Gateway REST proxy event."""
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": None,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "requestId": API_ID,
            "stage": "dev",
            "httpMethod": method,
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "pytest-agent/1.0"},
        },
        "body": body,
        "isBase64Encoded": b64,
    }


def invoke(event):
    return h.handler(event, SimpleNamespace(aws_request_id=LAMBDA_ID, function_name="tapgen-api"))


def body_of(resp):
    assert resp["headers"]["Content-Type"] == "application/json"
    return json.loads(resp["body"])


def stored_records(s3):
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    return {k: json.loads(s3.get_object(Bucket=BUCKET, Key=k)["Body"].read()) for k in keys}


# --- routes and status codes -------------------------------------------------

def test_root_returns_service_info(s3):
    resp = invoke(make_event("GET", "/"))
    assert resp["statusCode"] == 200
    assert body_of(resp) == {"service": "tapgen-test", "environment": "test", "status": "ok"}


def test_root_service_defaults_to_function_name(s3, monkeypatch):
    monkeypatch.delenv("SERVICE_NAME")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "myapi-dev")
    assert body_of(invoke(make_event("GET", "/")))["service"] == "myapi-dev"


def test_health(s3):
    resp = invoke(make_event("GET", "/health"))
    assert resp["statusCode"] == 200
    assert body_of(resp) == {"status": "ok"}


def test_trailing_slash_is_same_route(s3):
    assert invoke(make_event("GET", "/health/"))["statusCode"] == 200


def test_unknown_path_is_404_json(s3):
    resp = invoke(make_event("GET", "/nope"))
    assert resp["statusCode"] == 404
    assert body_of(resp)["error"] == "not found"


@pytest.mark.parametrize("method,path,allow", [
    ("POST", "/", "GET"),
    ("DELETE", "/health", "GET"),
    ("GET", "/echo", "POST"),
    ("PUT", "/echo", "POST"),
])
def test_wrong_method_on_known_path_is_405(s3, method, path, allow):
    resp = invoke(make_event(method, path, body="{}"))
    assert resp["statusCode"] == 405
    assert resp["headers"]["Allow"] == allow
    assert body_of(resp) == {"error": "method not allowed"}


@pytest.mark.parametrize("payload", [{"a": 1, "nested": {"b": [1, 2, None]}}, [1, "two"], "text", 0])
def test_echo_returns_parsed_json(s3, payload):
    resp = invoke(make_event("POST", "/echo", body=json.dumps(payload)))
    assert resp["statusCode"] == 200
    assert body_of(resp) == payload


@pytest.mark.parametrize("raw", ["{not json", "", None, "NaN", '{"a": Infinity}'])
def test_echo_rejects_invalid_json_with_400(s3, raw):
    resp = invoke(make_event("POST", "/echo", body=raw))
    assert resp["statusCode"] == 400
    assert "JSON" in body_of(resp)["error"]


def test_echo_decodes_base64_body(s3):
    raw = base64.b64encode(json.dumps({"hello": "wörld"}).encode("utf-8")).decode("ascii")
    resp = invoke(make_event("POST", "/echo", body=raw, b64=True))
    assert resp["statusCode"] == 200
    assert body_of(resp) == {"hello": "wörld"}


@pytest.mark.parametrize("raw", [
    base64.b64encode(b"{not json").decode(),  # valid base64, invalid JSON
    "%%% not base64 %%%",                     # invalid base64
    base64.b64encode(b"\xff\xfe{}").decode(),  # not UTF-8
])
def test_echo_bad_base64_body_is_400(s3, raw):
    resp = invoke(make_event("POST", "/echo", body=raw, b64=True))
    assert resp["statusCode"] == 400
    assert body_of(resp)["error"] == "request body is not valid JSON"


def test_base64_body_is_not_decoded_unless_flagged(s3):
    raw = base64.b64encode(b'{"a": 1}').decode()
    assert invoke(make_event("POST", "/echo", body=raw, b64=False))["statusCode"] == 400


# --- S3 request records ------------------------------------------------------

def test_record_key_layout_and_content(s3):
    event = make_event(
        "POST", "/echo", body='{"password": "hunter2"}', query={"q": "x"},
        headers={"Authorization": "Bearer s3cr3t-token", "User-Agent": "pytest-agent/1.0"},
    )
    assert invoke(event)["statusCode"] == 200
    records = stored_records(s3)
    assert len(records) == 1
    (key, record), = records.items()
    m = re.fullmatch(rf"requests/(\d{{4}})/(\d{{2}})/(\d{{2}})/{LAMBDA_ID}\.json", key)
    assert m, key
    # The date in the key is the request's own (UTC) date.
    assert record["timestamp"].startswith("-".join(m.groups()))
    assert record["timestamp"].endswith("+00:00")
    assert record == {
        "timestamp": record["timestamp"],
        "requestId": LAMBDA_ID,
        "apiRequestId": API_ID,
        "method": "POST",
        "path": "/echo",
        "queryStringParameters": {"q": "x"},
        "sourceIp": "203.0.113.7",
        "userAgent": "pytest-agent/1.0",
        "status": 200,
    }
    raw = s3.get_object(Bucket=BUCKET, Key=key)
    assert raw["ContentType"] == "application/json"
    text = raw["Body"].read().decode()
    assert "hunter2" not in text and "s3cr3t-token" not in text


@pytest.mark.parametrize("method,path,status", [
    ("GET", "/nope", 404), ("POST", "/health", 405), ("POST", "/echo", 400),
])
def test_record_has_error_status(s3, method, path, status):
    invoke(make_event(method, path, body="{bad"))
    (record,) = stored_records(s3).values()
    assert record["status"] == status
    assert record["path"] == path


def test_s3_failure_does_not_fail_request(logs):
    with mock_aws():  # the bucket is never created: put_object gets NoSuchBucket
        resp = invoke(make_event("GET", "/health"))
    assert resp["statusCode"] == 200
    assert body_of(resp) == {"status": "ok"}
    errors = [json.loads(line) for line in logs() if json.loads(line)["level"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["message"] == "failed to write request record"
    assert errors[0]["bucket"] == BUCKET
    assert errors[0]["requestId"] == LAMBDA_ID
    assert "NoSuchBucket" in errors[0]["exception"]


def test_s3_client_exception_does_not_fail_request(monkeypatch, logs):
    class Broken:
        def put_object(self, **kwargs):
            raise RuntimeError("S3 is down")

    monkeypatch.setattr(h, "_s3", Broken())
    resp = invoke(make_event("GET", "/"))
    assert resp["statusCode"] == 200
    assert any("S3 is down" in json.loads(line).get("exception", "") for line in logs())


def test_missing_bucket_env_skips_write_with_warning(s3, monkeypatch, logs):
    monkeypatch.delenv("LOG_BUCKET_NAME")
    resp = invoke(make_event("GET", "/health"))
    assert resp["statusCode"] == 200
    assert stored_records(s3) == {}
    assert h._s3 is None  # no client was even created
    warnings = [json.loads(line) for line in logs() if json.loads(line)["level"] == "WARNING"]
    assert [w["message"] for w in warnings] == ["LOG_BUCKET_NAME is not set; request record not written"]
    assert warnings[0]["requestId"] == LAMBDA_ID


# --- unexpected errors -------------------------------------------------------

def test_unhandled_exception_is_opaque_500(s3, monkeypatch, logs):
    def boom(event):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setitem(h.ROUTES["/health"], "GET", boom)
    resp = invoke(make_event("GET", "/health"))
    assert resp["statusCode"] == 500
    assert body_of(resp) == {"error": "internal server error", "requestId": LAMBDA_ID}
    for leak in ("Traceback", "RuntimeError", "hunter2", "handler.py"):
        assert leak not in resp["body"]
    # ...but the logs have the full story, still one JSON object per line.
    (error,) = [json.loads(line) for line in logs() if json.loads(line)["level"] == "ERROR"]
    assert error["message"] == "unhandled error"
    assert "Traceback" in error["exception"] and "hunter2" in error["exception"]
    (record,) = stored_records(s3).values()
    assert record["status"] == 500


def test_malformed_event_does_not_crash(s3):
    # No path means "/", and no method is not GET: a clean 405, not a crash.
    for event in ({"requestContext": "garbage", "queryStringParameters": 5}, None):
        resp = h.handler(event, None)
        assert resp["statusCode"] == 405
        assert body_of(resp) == {"error": "method not allowed"}
    # Without a Lambda context each invocation still gets its own id, hence its own key.
    ids = sorted(r["requestId"] for r in stored_records(s3).values())
    assert len(ids) == 2 and ids[0] != ids[1]


# --- structured logs ---------------------------------------------------------

def test_log_lines_are_json_with_request_ids(s3, logs):
    invoke(make_event("GET", "/", query={"a": "1"}))
    lines = logs()
    assert lines, "handler logged nothing"
    entries = [json.loads(line) for line in lines]  # every line must parse on its own
    for entry in entries:
        assert entry["requestId"] == LAMBDA_ID
        assert entry["apiRequestId"] == API_ID
    done = entries[-1]
    assert done["message"] == "request completed"
    assert done["level"] == "INFO"
    assert (done["method"], done["path"], done["status"]) == ("GET", "/", 200)
    assert isinstance(done["durationMs"], (int, float)) and done["durationMs"] >= 0


def test_request_ids_do_not_leak_into_later_logs(s3, logs):
    invoke(make_event("GET", "/health"))
    h.logger.info("between invocations")
    last = json.loads(logs()[-1])
    assert last["message"] == "between invocations"
    assert "requestId" not in last
