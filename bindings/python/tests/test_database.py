# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""The package against a real PostgreSQL: the library's rules, as Python
sees them."""
import io
import os
import subprocess
import sys
import struct
import threading
import uuid
import zlib

import pytest

import wavelaunch
from conftest import psql



def _png():
    """A 1x1 PNG, chunks with their CRCs: typed by its bytes, whatever the
    name says."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00\xff")) + chunk(b"IEND", b""))


PNG = _png()


def test_clients_create_read_update_and_page(ctx):
    made = [ctx.clients.create({"name": "Py Client %02d" % i, "status": "active",
                                "monthly_fee_cents": 1000 * i}) for i in range(12)]
    got = ctx.clients.get(made[3]["id"])
    assert got["name"] == "Py Client 03" and got["monthly_fee_cents"] == 3000
    assert ctx.clients.update(made[3]["id"], {"niche": "pottery"})["niche"] == "pottery"
    page = ctx.clients.list(limit=5, sort="name")
    assert len(page["data"]) == 5 and page["next_cursor"]
    names = [c["name"] for c in ctx.clients.iterate(limit=5, sort="name", q="Py Client")]
    assert names == sorted("Py Client %02d" % i for i in range(12))


def test_errors_are_typed_with_field_errors(ctx):
    with pytest.raises(wavelaunch.ValidationError) as e:
        ctx.clients.create({"name": "X", "status": "royalty"})
    assert "status" in e.value.fields
    with pytest.raises(wavelaunch.ValidationError):
        ctx.clients.create({"name": "X", "unknown_field": 1})
    with pytest.raises(wavelaunch.NotFound):
        ctx.clients.get(str(uuid.uuid4()))
    with pytest.raises(wavelaunch.InvalidArgument):
        ctx.clients.list(limit=1000)


def test_a_client_user_sees_only_its_own_client(ctx):
    a = ctx.clients.create({"name": "Alpha"})
    b = ctx.clients.create({"name": "Beta"})
    as_a = wavelaunch.Actor(wavelaunch.CLIENT, str(uuid.uuid4()), a["id"])
    assert ctx.clients.get(a["id"], actor=as_a)["name"] == "Alpha"
    with pytest.raises(wavelaunch.NotFound):
        ctx.clients.get(b["id"], actor=as_a)
    with pytest.raises(wavelaunch.Forbidden):
        ctx.clients.create({"name": "Mine"}, actor=as_a)


def test_plans_deliverables_and_notes(ctx):
    c = ctx.clients.create({"name": "Gamma", "start_date": "2026-01-01"})
    plan = ctx.plans.create(c["id"], {"title": "Plan", "content_markdown": "# Go\n\n*now*"})
    assert "<em>now</em>" in plan["content_html"]
    assert ctx.plans.approve(plan["id"])["status"] == "approved"
    ds = ctx.deliverables.list(c["id"])["data"]
    assert sorted(d["milestone"] for d in ds) == list(range(1, 9))
    m1 = next(d for d in ds if d["milestone"] == 1)
    ctx.deliverables.update(m1["id"], {"content": "Kit", "status": "draft"})
    assert ctx.deliverables.mark_ready(m1["id"])["status"] == "ready"
    note = ctx.notes.create(c["id"], {"body": "Called."})
    assert [n["id"] for n in ctx.notes.list(c["id"])["data"]] == [note["id"]]
    ctx.notes.delete(note["id"])
    assert ctx.notes.list(c["id"])["data"] == []


def test_files_upload_from_a_path_and_a_file_object(ctx, tmp_path):
    c = ctx.clients.create({"name": "Delta"})
    p = tmp_path / "logo.png"
    p.write_bytes(PNG)
    f1 = ctx.files.upload(c["id"], str(p))
    f2 = ctx.files.upload(c["id"], io.BytesIO(PNG), name="../../etc/passwd.png")
    assert f1["content_type"] == "image/png" and f1["size"] == len(PNG)
    assert "/" not in f2["name"]
    link = ctx.files.download_link(f1["id"])
    assert link["url"].startswith("https://app.wavelaunch.test/")
    with pytest.raises(wavelaunch.Unsupported):
        ctx.files.upload(c["id"], io.BytesIO(b"MZ\x90\x00" + bytes(200)), name="a.exe")
    assert len(ctx.files.list(c["id"])["data"]) == 2


def test_a_python_handler_runs_jobs_through_the_library_worker(ctx):
    def count_words(task):
        return {"words": len(task.args["text"].split())}

    def broken(task):
        raise RuntimeError("no %s today" % task.args["what"])

    ok = ctx.jobs.enqueue("py.count", {"text": "one two three"}, queue="py")
    bad = ctx.jobs.enqueue("py.broken", {"what": "luck"}, queue="py", max_attempts=1)
    with wavelaunch.Worker(ctx, queues="py", concurrency=2) as w:
        w.register("py.count", count_words)
        w.register("py.broken", broken)
        t = threading.Thread(target=w.run)
        t.start()
        done = ctx.jobs.wait(ok, timeout=60)
        failed = ctx.jobs.wait(bad, timeout=60)
        w.stop()
        t.join(60)
    assert done["state"] == "completed"
    assert done["log"][-1]["message"] == '{"words": 3}'
    assert failed["state"] == "failed"
    assert "RuntimeError: no luck today" in failed["errors"][-1]["error"]
    assert {o["outcome"] for o in w.outcomes} == {"completed", "failed"}
    listed = ctx.jobs.list(kind="py.count")["data"]
    assert [j["id"] for j in listed] == [ok]
    ctx.jobs.retry(bad)
    assert ctx.jobs.get(bad)["state"] == "available"
    ctx.jobs.cancel(bad)
    assert ctx.jobs.get(bad)["state"] == "cancelled"


def test_email_and_tickets(ctx):
    c = ctx.clients.create({"name": "Epsilon", "email": "eps@example.com"})
    e = ctx.email.enqueue("welcome", to="eps@example.com", client_id=c["id"],
                          data={"client_name": "Epsilon"})
    assert e["status"] == "queued"
    assert ctx.email.get(e["id"])["template"] == "welcome"
    with pytest.raises(wavelaunch.ValidationError):
        ctx.email.enqueue("no_such_template", to="eps@example.com")
    admin_id = psql(ctx.db, "INSERT INTO users (email, name, role) VALUES"
                            " ('ada@example.com', 'Ada', 'admin') RETURNING id")
    ada = wavelaunch.Actor(wavelaunch.ADMIN, admin_id.splitlines()[-1])
    t = ctx.tickets.create({"subject": "Logo", "description": "Too *blue*",
                            "client_id": c["id"]}, actor=ada)
    ctx.tickets.reply(t["id"], {"message": "Fixed."}, actor=ada)
    msgs = ctx.tickets.messages(t["id"], actor=ada)["data"]
    assert [m["message"] for m in msgs] == ["Fixed."]
    assert ctx.tickets.close(t["id"], actor=ada)["status"] == "closed"


def test_the_python_example_does_its_work(ctx, settings_of):
    ctx.clients.create({"name": "Zeta", "status": "paused", "monthly_fee_cents": 12345})
    want = sum(1 for _ in ctx.clients.iterate(limit=100))
    example = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "example.py")
    r = subprocess.run([sys.executable, example, "one two  three\tfour"],
                       env={**os.environ, **settings_of}, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert 'completed: {"words": 4}' in r.stdout
    assert "all          %5d clients" % want in r.stdout
    assert "paused" in r.stdout
