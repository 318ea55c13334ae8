#!/usr/bin/env python3
"""An S3-compatible server for the tests: moto's S3 behind a gate that checks signatures.

moto answers S3 requests like S3, but it does not check presigned URLs at all (an expired or
altered URL is served), and with its IAM authentication switched on it fails with a 500 on any
presigned URL. So this script runs moto's WSGI application behind a gate that does what S3
does with AWS Signature Version 4, recomputing every signature with botocore (AWS's own SDK)
as the reference, independently of the Swift signer under test:

- a request signed in the Authorization header: access key, region and service of the scope,
  x-amz-date within 15 minutes, x-amz-content-sha256 equal to the body's SHA-256, signature;
- a presigned URL (X-Amz-Signature in the query): access key, scope, expiry (X-Amz-Date +
  X-Amz-Expires, at most 7 days), signature;
- anything else is refused with 403, as S3 refuses anonymous access to a private bucket.

Refusals are S3's XML errors (AccessDenied, SignatureDoesNotMatch, ...). Run with the python of
the virtualenv that has moto[server]:

    python scripts/s3-test-server.py --port 9000 --access-key KEY --secret-key SECRET
"""

import argparse
import datetime
import hashlib
import hmac
import io
import sys
from urllib.parse import parse_qsl, urlsplit

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

ALGORITHM = "AWS4-HMAC-SHA256"
TIMESTAMP = "%Y%m%dT%H%M%SZ"
MAX_SKEW = datetime.timedelta(minutes=15)
MAX_EXPIRES = 7 * 24 * 3600


class Refused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def s3_error(start_response, code, message):
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    ).encode()
    start_response(
        "403 Forbidden",
        [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
    )
    return [body]


def parse_timestamp(value):
    try:
        return datetime.datetime.strptime(value, TIMESTAMP).replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        raise Refused("AccessDenied", "X-Amz-Date is missing or malformed")


class SignatureGate:
    """WSGI middleware: refuses what S3 would refuse, passes the rest to moto."""

    def __init__(self, app, access_key, secret_key, region):
        self.app = app
        self.credentials = Credentials(access_key, secret_key)
        self.access_key = access_key
        self.region = region

    def __call__(self, environ, start_response):
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
        if raw_uri.startswith("/moto-api"):
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").lower()] = environ[key]
        url = "http://" + headers.get("host", "localhost") + raw_uri
        query = dict(parse_qsl(urlsplit(raw_uri).query, keep_blank_values=True))
        try:
            if "X-Amz-Signature" in query:
                self.check_presigned(environ["REQUEST_METHOD"], url, headers, query)
            elif "authorization" in headers:
                self.check_header_signed(environ["REQUEST_METHOD"], url, headers, body)
            else:
                raise Refused("AccessDenied", "Anonymous access is not allowed")
        except Refused as refused:
            return s3_error(start_response, refused.code, refused.message)
        return self.app(environ, start_response)

    def check_scope(self, credential, timestamp):
        parts = credential.split("/")
        if len(parts) != 5 or parts[4] != "aws4_request" or parts[3] != "s3":
            raise Refused("AuthorizationHeaderMalformed", f"malformed credential scope {credential}")
        if parts[0] != self.access_key:
            raise Refused("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist")
        if parts[2] != self.region:
            raise Refused("AuthorizationHeaderMalformed", f"the region {parts[2]} is wrong; expecting {self.region}")
        if parts[1] != timestamp[0:8]:
            raise Refused("AuthorizationHeaderMalformed", "the credential date does not match X-Amz-Date")

    def signed_request(self, method, url, headers, signed_names, body):
        missing = [name for name in signed_names if name not in headers]
        if missing:
            raise Refused("AccessDenied", f"signed headers missing from the request: {missing}")
        request = AWSRequest(
            method=method, url=url, headers={name: headers[name] for name in signed_names}, data=body
        )
        return request

    def check_header_signed(self, method, url, headers, body):
        authorization = headers["authorization"]
        if not authorization.startswith(ALGORITHM + " "):
            raise Refused("AccessDenied", "only AWS4-HMAC-SHA256 is accepted")
        fields = {}
        for part in authorization[len(ALGORITHM) + 1 :].split(","):
            key, _, value = part.strip().partition("=")
            fields[key] = value
        timestamp = headers.get("x-amz-date", "")
        signed_at = parse_timestamp(timestamp)
        if abs(datetime.datetime.now(datetime.timezone.utc) - signed_at) > MAX_SKEW:
            raise Refused("RequestTimeTooSkewed", "The difference between the request time and the server's time is too large")
        self.check_scope(fields.get("Credential", ""), timestamp)
        content_sha256 = headers.get("x-amz-content-sha256")
        if content_sha256 is None:
            raise Refused("InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
        if content_sha256 != "UNSIGNED-PAYLOAD" and content_sha256 != hashlib.sha256(body).hexdigest():
            raise Refused("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed")
        signed_names = fields.get("SignedHeaders", "").split(";")
        if "host" not in signed_names:
            raise Refused("AccessDenied", "the host header must be signed")
        request = self.signed_request(method, url, headers, signed_names, body)
        request.context["timestamp"] = timestamp
        auth = S3SigV4Auth(self.credentials, "s3", self.region)
        canonical = auth.canonical_request(request)
        expected = auth.signature(auth.string_to_sign(request, canonical), request)
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            raise Refused("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided")

    def check_presigned(self, method, url, headers, query):
        if query.get("X-Amz-Algorithm") != ALGORITHM:
            raise Refused("AuthorizationQueryParametersError", "X-Amz-Algorithm must be AWS4-HMAC-SHA256")
        timestamp = query.get("X-Amz-Date", "")
        signed_at = parse_timestamp(timestamp)
        try:
            expires = int(query.get("X-Amz-Expires", ""))
        except ValueError:
            raise Refused("AuthorizationQueryParametersError", "X-Amz-Expires must be a number")
        if expires < 1 or expires > MAX_EXPIRES:
            raise Refused("AuthorizationQueryParametersError", "X-Amz-Expires must be between 1 and 604800 seconds")
        now = datetime.datetime.now(datetime.timezone.utc)
        if now > signed_at + datetime.timedelta(seconds=expires):
            raise Refused("AccessDenied", "Request has expired")
        if signed_at - now > MAX_SKEW:
            raise Refused("AccessDenied", "Request is not valid yet")
        self.check_scope(query.get("X-Amz-Credential", ""), timestamp)
        signed_names = query.get("X-Amz-SignedHeaders", "").split(";")
        if "host" not in signed_names:
            raise Refused("AccessDenied", "the host header must be signed")
        scheme, rest = url.split("://", 1)
        path_and_query = rest[rest.index("/") :] if "/" in rest else "/"
        path, _, raw_query = path_and_query.partition("?")
        unsigned_query = "&".join(
            pair for pair in raw_query.split("&") if not pair.startswith("X-Amz-Signature=")
        )
        unsigned_url = f"{scheme}://{rest.split('/', 1)[0]}{path}" + (f"?{unsigned_query}" if unsigned_query else "")
        request = self.signed_request(method, unsigned_url, headers, signed_names, b"")
        request.context["timestamp"] = timestamp
        auth = S3SigV4QueryAuth(self.credentials, "s3", self.region, expires=expires)
        canonical = auth.canonical_request(request)
        expected = auth.signature(auth.string_to_sign(request, canonical), request)
        if not hmac.compare_digest(expected, query.get("X-Amz-Signature", "")):
            raise Refused("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--access-key", required=True)
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--region", default="us-east-1")
    arguments = parser.parse_args()
    app = SignatureGate(
        DomainDispatcherApplication(create_backend_app),
        arguments.access_key,
        arguments.secret_key,
        arguments.region,
    )
    server = make_server(arguments.host, arguments.port, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"S3 test server (moto behind a SigV4 gate) on http://{arguments.host}:{arguments.port}", file=sys.stderr)
    server.serve_forever()


if __name__ == "__main__":
    main()
