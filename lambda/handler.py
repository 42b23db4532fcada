"""AWS Lambda handler behind an API Gateway REST API (AWS_PROXY integration).

Scaffolded by `tapgen init`; edit freely. Uses only the standard library and
boto3 (which the Lambda Python runtime provides), so deploying it needs no
build step: the directory is zipped as-is.

Routes: GET /, GET /health, POST /echo. Each request is logged as one JSON
line and recorded as a JSON object in the S3 bucket named by LOG_BUCKET_NAME.
"""

import base64
import contextvars
import datetime
import json
import logging
import os
import sys
import time
import uuid

import boto3

# Request ids of the invocation in progress, added to every log line so that
# all lines of one request can be found together in CloudWatch.
_log_context = contextvars.ContextVar("log_context", default={})


class JsonFormatter(logging.Formatter):
    """One JSON object per line: Logs Insights can query the fields directly,
    and a multi-line traceback stays inside a single log event."""

    def format(self, record):
        entry = {
            "timestamp": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat(),
            "level": record.levelname,
            "message": record.getMessage(),
            **_log_context.get(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


logger = logging.getLogger("tapgen")
LOG_HANDLER = logging.StreamHandler(sys.stdout)
LOG_HANDLER.setFormatter(JsonFormatter())
logger.handlers[:] = [LOG_HANDLER]  # assignment, not append: safe on re-import
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
# The Lambda runtime puts its own plain-text handler on the root logger;
# not propagating keeps every line JSON and printed only once.
logger.propagate = False

# Created on first use and then reused by warm invocations. Not created at
# import so that tests can start moto's mock first (and reset it to None).
_s3 = None


def s3_client():
    global _s3
    if _s3 is None:
        _s3 = boto3.client("s3")
    return _s3


class BadRequest(Exception):
    """A client error whose message is safe to return to the caller."""


def _dict(value):
    # API Gateway sends null (not {}) for absent maps such as query parameters.
    return value if isinstance(value, dict) else {}


def response(status, body, headers=None):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(body),
    }


def _reject_constant(name):
    # Python accepts NaN/Infinity, but they are not JSON and could not be echoed as JSON.
    raise ValueError(f"{name} is not valid JSON")


def parse_json_body(event):
    body = event.get("body")
    if not body:
        raise BadRequest("request body must be JSON")
    try:
        if event.get("isBase64Encoded"):  # API Gateway encodes binary media types
            body = base64.b64decode(body, validate=True).decode("utf-8")
        return json.loads(body, parse_constant=_reject_constant)
    except ValueError as exc:  # covers bad base64, bad UTF-8 and bad JSON alike
        raise BadRequest("request body is not valid JSON") from exc


def get_root(event):
    return response(200, {
        # SERVICE_NAME if the user sets one, else the name Lambda itself provides.
        "service": os.environ.get("SERVICE_NAME") or os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "tapgen-api"),
        "environment": os.environ.get("ENVIRONMENT", "unknown"),
        "status": "ok",
    })


def get_health(event):
    return response(200, {"status": "ok"})


def post_echo(event):
    return response(200, parse_json_body(event))


ROUTES = {"/": {"GET": get_root}, "/health": {"GET": get_health}, "/echo": {"POST": post_echo}}


def normalized_path(event):
    return (event.get("path") or "/").rstrip("/") or "/"  # "/health/" is "/health"


def route(event):
    path = normalized_path(event)
    methods = ROUTES.get(path)
    if methods is None:
        return response(404, {"error": "not found", "path": path})
    handler_fn = methods.get(event.get("httpMethod"))
    if handler_fn is None:
        return response(405, {"error": "method not allowed"}, {"Allow": ", ".join(sorted(methods))})
    try:
        return handler_fn(event)
    except BadRequest as exc:
        return response(400, {"error": str(exc)})


def request_record(event, ids, status, started):
    # Deliberately no headers and no body: they may carry credentials or personal data.
    identity = _dict(_dict(event.get("requestContext")).get("identity"))
    return {
        "timestamp": started.isoformat(),
        **ids,
        "method": event.get("httpMethod"),
        "path": event.get("path"),
        "queryStringParameters": _dict(event.get("queryStringParameters")),
        "sourceIp": identity.get("sourceIp"),
        "userAgent": identity.get("userAgent"),
        "status": status,
    }


def write_record(record, started):
    bucket = os.environ.get("LOG_BUCKET_NAME")
    if not bucket:
        logger.warning("LOG_BUCKET_NAME is not set; request record not written")
        return
    key = f"requests/{started:%Y/%m/%d}/{record['requestId']}.json"
    try:
        s3_client().put_object(Bucket=bucket, Key=key, Body=json.dumps(record).encode("utf-8"),
                               ContentType="application/json")
    except Exception:
        # The record is an audit trail, not the product: losing it must not fail the request.
        logger.exception("failed to write request record", extra={"fields": {"bucket": bucket, "key": key}})


def handler(event, context):
    started = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.perf_counter()
    event = _dict(event)
    ids = {
        # Always set by Lambda; the fallback keeps local runs from sharing one S3 key.
        "requestId": getattr(context, "aws_request_id", None) or str(uuid.uuid4()),
        "apiRequestId": _dict(event.get("requestContext")).get("requestId"),
    }
    token = _log_context.set(ids)
    try:
        try:
            resp = route(event)
        except Exception:
            # The traceback goes to the logs only; the caller gets an id to quote to us.
            logger.exception("unhandled error")
            resp = response(500, {"error": "internal server error", "requestId": ids["requestId"]})
        write_record(request_record(event, ids, resp["statusCode"], started), started)
        logger.info("request completed", extra={"fields": {
            "method": event.get("httpMethod"),
            "path": event.get("path"),
            "status": resp["statusCode"],
            "durationMs": round((time.perf_counter() - t0) * 1000, 2),
        }})
        return resp
    finally:
        _log_context.reset(token)
