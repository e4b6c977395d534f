"""A stand-in for the messaging service in the app's own tests: a local HTTP server that checks
every POST's X-Portal-Signature with twilio's RequestValidator (as the service does) and
answers from a script. The end-to-end suite (test/django) runs against the real service."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator


class FakeService:
    def __init__(self, secret="s" * 40):
        self.secret = secret
        self.requests = []  # (method, path, params, signature_ok, headers)
        self.answers = []  # (status, body, headers); the last one repeats
        self.hold = threading.Event()
        self.hold.set()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, params, signature_ok):
                service.requests.append((self.command, self.path, params, signature_ok, dict(self.headers)))
                service.hold.wait(30)
                status, body, headers = service.answers[0] if len(service.answers) == 1 else service.answers.pop(0)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = json.loads(raw or "{}")
                    self._answer(params, None)
                    return
                params = dict(parse_qsl(raw, keep_blank_values=True))
                url = "http://127.0.0.1:%d%s" % (service.port, self.path)
                ok = RequestValidator(service.secret).validate(url, params, self.headers.get("X-Portal-Signature", ""))
                self._answer(params, ok)

            def do_GET(self):
                self._answer({}, None)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def script(self, *answers):
        self.answers = [(a[0], a[1], a[2] if len(a) > 2 else None) for a in answers]

    def close(self):
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()
