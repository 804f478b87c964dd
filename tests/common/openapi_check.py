#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""Checks every HTTP test's exchange against docs/openapi.json.

A long-lived process (scripts/test starts one per run): tests/common/testhttp.c
sends each exchange test_http makes over a Unix socket, one connection per
exchange, as a JSON object

    {"method", "path" (with its query string), "request_headers": [...],
     "request_body" (base64 or null), "status", "headers" (the raw header
     block), "body" (base64)}

and reads back "ok" or the reasons the exchange breaks the document.  What
is checked, with Debian's python3-jsonschema (JSON Schema 2020-12, the
dialect of OpenAPI 3.1):

- the path and method name an operation (a path the document does not have
  is answered with a 404 problem, a method it does not take with a 405
  problem carrying Allow);
- the status is one the operation documents (no `default` responses);
- the Content-Type is one the response documents, and a JSON body is valid
  against its schema (formats checked: uuid, date-time, date, email, uri);
  a response without content has an empty body;
- every header the response marks required is there, and every documented
  header that is there is valid against its schema;
- for a success, the request itself: every query parameter is valid (and,
  on a list, which refuses what it does not take, documented), the required ones are there, path parameters are valid, and a
  JSON request body is valid against the operation's requestBody.

Paths outside /api (the web UI's files) are not the API's and pass; so does
a CORS preflight (OPTIONS).  Failures are also appended to --log, one JSON
line each, so a whole run's findings can be read at once.
"""
import argparse
import base64
import json
import os
import re
import signal
import socketserver
import sys
import threading
import time
import urllib.parse

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match

try:  # jsonschema >= 4.18 resolves references with `referencing`
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError:  # Debian 12's python3-jsonschema 4.10
    Registry = None
    from jsonschema import RefResolver

BASE = 'urn:wavelaunch:openapi'
UUID_RE = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
DATE_RE = re.compile(r'^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$')
# RFC 3339 date-time (the API always answers in UTC with a "Z" or an offset).
DATETIME_RE = re.compile(r'^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:'
                         r'([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$')
EMAIL_RE = re.compile(r'^[^@\s]+@[^@\s]+$')
URI_RE = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$')
URIREF_RE = re.compile(r'^[^\s]*$')


def format_checker():
    fc = FormatChecker(formats=())
    for name, rx in (('uuid', UUID_RE), ('date', DATE_RE), ('date-time', DATETIME_RE),
                     ('email', EMAIL_RE), ('uri', URI_RE), ('uri-reference', URIREF_RE)):
        fc.checks(name)(lambda v, rx=rx: not isinstance(v, str) or bool(rx.match(v)))
    return fc


def pointer(*parts):
    return '/' + '/'.join(str(p).replace('~', '~0').replace('/', '~1') for p in parts)


class Spec:
    def __init__(self, path):
        with open(path, encoding='utf-8') as f:
            self.doc = json.load(f)
        if Registry is not None:
            registry = Registry().with_resource(BASE, Resource(self.doc, DRAFT202012))
            self.refs = lambda: {'registry': registry}
        else:
            self.refs = lambda: {'resolver': RefResolver(BASE, self.doc, store={BASE: self.doc})}
        self.fc = format_checker()
        self.cache = {}
        self.lock = threading.Lock()
        # Literal segments win over parameters, as in the server's router.
        self.templates = []
        for tpl in self.doc['paths']:
            segs = tpl.strip('/').split('/')
            rx = '^/' + '/'.join('([^/]+)' if s.startswith('{') else re.escape(s) for s in segs) + '$'
            literal = sum(not s.startswith('{') for s in segs)
            names = [s[1:-1] for s in segs if s.startswith('{')]
            self.templates.append((-literal, tpl, re.compile(rx), names))
        self.templates.sort(key=lambda t: (t[0], t[1]))

    def resolve(self, node):
        while isinstance(node, dict) and '$ref' in node:
            ref = node['$ref']
            assert ref.startswith('#/'), ref
            node = self.doc
            for part in ref[2:].split('/'):
                node = node[part.replace('~1', '/').replace('~0', '~')]
        return node

    def validator(self, ptr):
        with self.lock:
            v = self.cache.get(ptr)
            if v is None:
                v = Draft202012Validator({'$ref': BASE + '#' + ptr}, format_checker=self.fc,
                                         **self.refs())
                self.cache[ptr] = v
            return v

    def errors(self, ptr, value):
        out = []
        for e in sorted(self.validator(ptr).iter_errors(value), key=lambda e: list(e.path)):
            # Of an anyOf/oneOf, the failure of the branch that came closest.
            while e.context:
                e = best_match(e.context)
            where = '/'.join(str(p) for p in e.absolute_path) or '(root)'
            out.append(f'{where}: {e.message[:300]}')
        return out[:8]

    def match(self, path):
        for _, tpl, rx, names in self.templates:
            m = rx.match(path)
            if m:
                return tpl, dict(zip(names, (urllib.parse.unquote(g) for g in m.groups())))
        return None, {}


def parse_headers(raw):
    """The last response's headers (a 100 Continue may come first)."""
    blocks = [b for b in raw.replace('\r\n', '\n').split('\n\n') if b.strip()]
    block = blocks[-1] if blocks else ''
    headers = {}
    for line in block.split('\n')[1:]:
        if ':' in line:
            k, v = line.split(':', 1)
            headers.setdefault(k.strip().lower(), v.strip())
    return headers


def media_type(ct):
    return ct.split(';', 1)[0].strip().lower() if ct else ''


def is_json(mt):
    return mt == 'application/json' or mt.endswith('+json')


def coerce(value, schema):
    """A query or header value as the type its schema names."""
    types = schema.get('type')
    types = types if isinstance(types, list) else [types]
    if 'integer' in types and re.fullmatch(r'-?\d+', value):
        return int(value)
    if 'boolean' in types and value in ('true', 'false'):
        return value == 'true'
    return value


class Checker:
    def __init__(self, spec):
        self.spec = spec
        self.seen = set()  # (method, path, status) the exchanges reached
        self.seen_lock = threading.Lock()

    def coverage(self):
        """The operations and responses the exchanges reached, of all."""
        ops = {(m, p) for p, it in self.spec.doc['paths'].items() for m in it if m != 'parameters'}
        reached = {(m, p) for m, p, _ in self.seen}
        return {'operations': len(ops), 'operations_reached': len(reached & ops),
                'responses_reached': sorted('%s %s %s' % (m.upper(), p, st) for m, p, st in self.seen),
                'operations_not_reached': sorted('%s %s' % (m.upper(), p) for m, p in ops - reached)}

    def check(self, x):
        method = x['method'].upper()
        url = urllib.parse.urlsplit(x['path'])
        path = url.path
        status = str(x['status'])
        headers = parse_headers(x.get('headers', ''))
        body = base64.b64decode(x.get('body') or '')
        if method == 'OPTIONS' or not (path.startswith('/api/') or path == '/metrics'):
            return []
        tpl, params = self.spec.match(path)
        problems = []
        if tpl is None:
            return self.check_problem(status, headers, body, '404' if status == '404' else None,
                                      f'{method} {path}: no such path in the document')
        item = self.spec.doc['paths'][tpl]
        op_method = 'get' if method == 'HEAD' else method.lower()
        if op_method not in item:
            return self.check_problem(status, headers, body, '405',
                                      f'{method} {tpl}: the document has no such operation')
        op = item[op_method]
        base = pointer('paths', tpl, op_method)
        where = f'{method} {tpl} -> {status}'
        with self.seen_lock:
            self.seen.add((op_method, tpl, status))
        responses = op.get('responses', {})
        if status not in responses:
            return [f'{where}: status {status} is not documented (documented: '
                    f'{", ".join(sorted(responses))}); body: {body[:300]!r}']
        resp_ptr = pointer('paths', tpl, op_method, 'responses', status)
        resp = responses[status]
        if '$ref' in resp:
            resp_ptr = resp['$ref'][1:]
            resp = self.spec.resolve(resp)
        problems += self.check_headers(where, resp, resp_ptr, headers)
        content = resp.get('content')
        mt = media_type(headers.get('content-type'))
        if not content:
            if body and method != 'HEAD':
                problems.append(f'{where}: a body ({len(body)} bytes, {mt or "no type"}) where the '
                                f'document has none: {body[:200]!r}')
        elif method != 'HEAD':
            key = self.media_key(content, mt)
            if key is None:
                problems.append(f'{where}: Content-Type {mt or "(none)"} is not documented '
                                f'({", ".join(content)})')
            elif is_json(mt) and 'schema' in content[key]:
                try:
                    doc = json.loads(body)
                except ValueError as e:
                    problems.append(f'{where}: the body is not JSON ({e}): {body[:200]!r}')
                else:
                    ptr = resp_ptr + pointer('content', key, 'schema')
                    for err in self.spec.errors(ptr, doc):
                        problems.append(f'{where}: response {err}')
        if status.startswith('2'):
            problems += self.check_request(where, op, base, item, params, url.query, x)
        return problems

    def media_key(self, content, mt):
        if mt in content:
            return mt
        family = mt.split('/', 1)[0] + '/*'
        if family in content:
            return family
        return '*/*' if '*/*' in content else None

    def check_headers(self, where, resp, resp_ptr, headers):
        out = []
        for name, h in resp.get('headers', {}).items():
            hp = resp_ptr + pointer('headers', name)
            if '$ref' in h:
                hp = h['$ref'][1:]
                h = self.spec.resolve(h)
            value = headers.get(name.lower())
            if value is None:
                if h.get('required'):
                    out.append(f'{where}: the required header {name} is missing')
                continue
            schema = self.spec.resolve(h.get('schema', {}))
            for err in self.spec.errors(hp + '/schema', coerce(value, schema)):
                out.append(f'{where}: header {name}: {err}')
        return out

    def check_problem(self, status, headers, body, want, why):
        """An exchange outside the operations: a problem document of its status."""
        if want and status != want:
            return [f'{why}, and the answer is {status}, not {want}: {body[:200]!r}']
        if not status.startswith(('4', '5')):
            return [f'{why}: answered {status}']
        if status == '405':  # a path's other methods: no operation to hold it
            out = [] if headers.get('allow') else [f'{why}: 405 without Allow']
            if 'x-request-id' not in headers:
                out.append(f'{why}: 405 without X-Request-Id')
            try:
                doc = json.loads(body)
            except ValueError:
                return out + [f'{why}: 405 body is not JSON']
            if doc.get('status') != 405 or doc.get('code') != 'method_not_allowed':
                out.append(f'{why}: 405 with status {doc.get("status")}, code {doc.get("code")}')
            return out + [f'{why} -> 405: {e}' for e in
                          self.spec.errors(pointer('components', 'schemas', 'Problem'), doc)]
        names = {'400': 'BadRequest', '401': 'Unauthenticated', '403': 'Forbidden',
                 '404': 'NotFound', '413': 'PayloadTooLarge',
                 '415': 'UnsupportedMediaType', '429': 'TooManyRequests',
                 '500': 'InternalError', '503': 'Unavailable'}
        if status not in names:
            return [f'{why}: answered {status}, which no path-less answer may be']
        rp = pointer('components', 'responses', names[status])
        resp = self.spec.resolve({'$ref': '#' + rp})
        out = self.check_headers(f'{why} -> {status}', resp, rp, headers)
        if media_type(headers.get('content-type')) != 'application/problem+json':
            return out + [f'{why}: {status} is not a problem document']
        try:
            doc = json.loads(body)
        except ValueError:
            return out + [f'{why}: {status} body is not JSON']
        for err in self.spec.errors(rp + pointer('content', 'application/problem+json', 'schema'), doc):
            out.append(f'{why} -> {status}: {err}')
        return out

    def check_request(self, where, op, base, item, params, query, x):
        out = []
        declared = {}
        for i, p in enumerate(item.get('parameters', []) + op.get('parameters', [])):
            p = self.spec.resolve(p)
            declared[(p['in'], p['name'])] = p
        # path parameters
        for name, value in params.items():
            p = declared.get(('path', name))
            if p is None:
                out.append(f'{where}: path parameter {name} is not declared')
                continue
            schema = self.spec.resolve(p.get('schema', {}))
            out += [f'{where}: path {name}={value!r}: {e}' for e in self.errors_of(schema, value)]
        # query parameters
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        is_list = any(p.get('$ref') == '#/components/parameters/Limit' for p in op.get('parameters', []))
        seen = set()
        for name, value in pairs:
            seen.add(name)
            p = declared.get(('query', name))
            if p is None:
                # Lists refuse what they do not take (400); other operations
                # ignore the query string.
                if is_list:
                    out.append(f'{where}: succeeded with the undocumented query parameter {name!r}')
                continue
            schema = self.spec.resolve(p.get('schema', {}))
            out += [f'{where}: query {name}={value!r}: {e}'
                    for e in self.errors_of(schema, coerce(value, schema))]
        for (loc, name), p in declared.items():
            if loc == 'query' and p.get('required') and name not in seen:
                out.append(f'{where}: succeeded without the required query parameter {name}')
        # the body
        rb = op.get('requestBody')
        rq_headers = {}
        for h in x.get('request_headers') or []:
            if ':' in h:
                k, v = h.split(':', 1)
                rq_headers[k.strip().lower()] = v.strip()
        raw = base64.b64decode(x.get('request_body') or '')
        mt = media_type(rq_headers.get('content-type'))
        if raw and rb is None and x['method'].upper() not in ('GET', 'HEAD', 'DELETE'):
            out.append(f'{where}: succeeded with a body the document does not describe')
        if rb is not None:
            rb_ptr = base + '/requestBody'
            if '$ref' in rb:
                rb_ptr = rb['$ref'][1:]
                rb = self.spec.resolve(rb)
            if not raw and rb.get('required'):
                out.append(f'{where}: succeeded without the required request body')
            if raw and is_json(mt):
                key = self.media_key(rb.get('content', {}), mt)
                if key is None:
                    out.append(f'{where}: succeeded with a {mt} body the document does not take')
                else:
                    try:
                        doc = json.loads(raw)
                    except ValueError:
                        doc = None
                        out.append(f'{where}: succeeded with a malformed JSON body')
                    if doc is not None:
                        ptr = rb_ptr + pointer('content', key, 'schema')
                        out += [f'{where}: request {e}' for e in self.spec.errors(ptr, doc)]
        return out

    def errors_of(self, schema, value):
        v = Draft202012Validator(schema, format_checker=self.spec.fc, **self.spec.refs())
        return [e.message[:200] for e in v.iter_errors(value)]


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        data = self.rfile.read()
        t0 = time.perf_counter()
        try:
            x = json.loads(data)
            # One at a time: Debian's jsonschema resolves $refs on a shared,
            # stateful resolver.  A check takes about a millisecond.
            with self.server.check_lock:
                problems = self.server.checker.check(x)
        except Exception as e:  # a broken request is a failure, not a pass
            x, problems = {}, [f'the checker could not read the exchange: {e!r}']
        with self.server.log_lock:
            self.server.count += 1
            self.server.seconds += time.perf_counter() - t0
        if problems:
            with self.server.log_lock, open(self.server.log_path, 'a', encoding='utf-8') as f:
                f.write(json.dumps({'method': x.get('method'), 'path': x.get('path'),
                                    'status': x.get('status'), 'problems': problems,
                                    'body': base64.b64decode(x.get('body') or '')[:4000]
                                    .decode('utf-8', 'replace')}) + '\n')
            self.wfile.write('\n'.join(problems).encode())
        else:
            self.wfile.write(b'ok')


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--spec', required=True)
    ap.add_argument('--socket', required=True)
    ap.add_argument('--log', required=True)
    ap.add_argument('--check', metavar='EXCHANGE_JSON',
                    help='check one exchange from a file and exit (1 when it breaks the document)')
    a = ap.parse_args()
    checker = Checker(Spec(a.spec))
    if a.check:
        with open(a.check, encoding='utf-8') as f:
            problems = checker.check(json.load(f))
        print('\n'.join(problems) or 'ok')
        return 1 if problems else 0
    if os.path.exists(a.socket):
        os.unlink(a.socket)
    srv = Server(a.socket, Handler)
    srv.checker, srv.count, srv.log_path, srv.log_lock = checker, 0, a.log, threading.Lock()
    srv.seconds = 0.0
    srv.check_lock = threading.Lock()

    def stop(*_):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    open(a.log, 'a').close()
    print('ready', flush=True)
    started = time.monotonic()
    try:
        srv.serve_forever()
    finally:
        cov = checker.coverage()
        with open(a.log + '.coverage.json', 'w', encoding='utf-8') as f:
            json.dump(cov, f, indent=1)
        print(f'checked {srv.count} exchanges in {srv.seconds:.2f} s of checking '
              f'({time.monotonic() - started:.0f} s up); they reached {cov["operations_reached"]} '
              f'of {cov["operations"]} operations with {len(cov["responses_reached"])} '
              f'(operation, status) pairs', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
