#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""Writes a WavelaunchOS v1 SQLite database as v1's Prisma schema laid it
out (docs/IMPORT-V1.md), with good rows and the bad ones a real v1 database
holds: missing parents, invalid emails, duplicate slugs and versions, unknown
enum values, out-of-range numbers, hashes v2 cannot check.

Usage: make_v1_fixture.py OUT.db [UPLOADS_DIR].  With UPLOADS_DIR it also
writes the uploaded files the File rows name there (and the hostile ones:
a path out of the folder, a symbolic link out, a virus test file, a program,
a name whose extension lies).  Prints the passwords of the users whose
bcrypt hashes it wrote, as JSON, for the test that logs in with them."""
import crypt
import json
import os
import sqlite3
import struct
import sys
import zlib

SCHEMA = '''
CREATE TABLE "Client" ("id" TEXT NOT NULL PRIMARY KEY, "creatorName" TEXT NOT NULL,
  "brandName" TEXT, "email" TEXT, "niche" TEXT, "status" TEXT NOT NULL DEFAULT 'LEAD',
  "monthlyFee" REAL NOT NULL DEFAULT 0, "startDate" DATETIME, "socialHandles" TEXT,
  "onboardingData" TEXT, "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" DATETIME NOT NULL);
CREATE TABLE "User" ("id" TEXT NOT NULL PRIMARY KEY, "email" TEXT NOT NULL, "name" TEXT,
  "passwordHash" TEXT, "role" TEXT NOT NULL DEFAULT 'CLIENT', "clientId" TEXT,
  "isActive" BOOLEAN NOT NULL DEFAULT true, "lastLoginAt" DATETIME,
  "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, "updatedAt" DATETIME NOT NULL);
CREATE TABLE "BusinessPlan" ("id" TEXT NOT NULL PRIMARY KEY, "clientId" TEXT NOT NULL,
  "version" INTEGER NOT NULL DEFAULT 1, "status" TEXT NOT NULL DEFAULT 'DRAFT',
  "title" TEXT, "content" TEXT NOT NULL, "approvedAt" DATETIME, "createdById" TEXT,
  "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, "updatedAt" DATETIME NOT NULL);
CREATE TABLE "Deliverable" ("id" TEXT NOT NULL PRIMARY KEY, "clientId" TEXT NOT NULL,
  "month" INTEGER NOT NULL, "title" TEXT NOT NULL, "status" TEXT NOT NULL DEFAULT 'PLANNED',
  "dueDate" DATETIME, "content" TEXT, "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" DATETIME NOT NULL);
CREATE TABLE "Note" ("id" TEXT NOT NULL PRIMARY KEY, "clientId" TEXT NOT NULL,
  "authorId" TEXT, "content" TEXT NOT NULL,
  "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, "updatedAt" DATETIME NOT NULL);
CREATE TABLE "Ticket" ("id" TEXT NOT NULL PRIMARY KEY, "clientId" TEXT NOT NULL,
  "subject" TEXT NOT NULL, "description" TEXT, "status" TEXT NOT NULL DEFAULT 'OPEN',
  "priority" TEXT NOT NULL DEFAULT 'MEDIUM', "category" TEXT, "createdById" TEXT,
  "assignedToId" TEXT, "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" DATETIME NOT NULL);
CREATE TABLE "TicketMessage" ("id" TEXT NOT NULL PRIMARY KEY, "ticketId" TEXT NOT NULL,
  "authorId" TEXT, "message" TEXT NOT NULL, "isAdminReply" BOOLEAN NOT NULL DEFAULT false,
  "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE "HelpArticle" ("id" TEXT NOT NULL PRIMARY KEY, "slug" TEXT NOT NULL,
  "title" TEXT NOT NULL, "content" TEXT NOT NULL, "excerpt" TEXT, "category" TEXT,
  "tags" TEXT, "published" BOOLEAN NOT NULL DEFAULT false, "publishedAt" DATETIME,
  "authorId" TEXT, "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" DATETIME NOT NULL);
CREATE TABLE "Notification" ("id" TEXT NOT NULL PRIMARY KEY, "userId" TEXT NOT NULL,
  "clientId" TEXT, "type" TEXT NOT NULL, "title" TEXT NOT NULL, "message" TEXT,
  "link" TEXT, "read" BOOLEAN NOT NULL DEFAULT false,
  "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE "TokenUsage" ("id" TEXT NOT NULL PRIMARY KEY, "clientId" TEXT, "userId" TEXT,
  "purpose" TEXT, "model" TEXT NOT NULL, "inputTokens" INTEGER NOT NULL DEFAULT 0,
  "outputTokens" INTEGER NOT NULL DEFAULT 0, "cost" REAL NOT NULL DEFAULT 0,
  "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE "File" ("id" TEXT NOT NULL PRIMARY KEY, "clientId" TEXT NOT NULL,
  "fileName" TEXT NOT NULL, "fileType" TEXT, "fileSize" INTEGER NOT NULL DEFAULT 0,
  "storagePath" TEXT NOT NULL, "uploadedById" TEXT,
  "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP);
'''

# The EICAR test file, which every virus scanner reports.
EICAR = rb'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'


def png_1x1():
    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data
                + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 2, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(b'\x00\xff\x80\x00')) + chunk(b'IEND', b''))


PDF = (b'%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n'
       b'2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n')

# id, client, name, storage path, uploader; the bytes (None: not written)
FILES = [
    ('f1', 'c1', 'Brand guide.pdf', 'c1/brand-guide.pdf', 'u1', PDF),
    ('f2', 'c1', 'logo.png', 'c1/logo.png', 'u3', png_1x1()),
    ('f3', 'c1', 'notes.txt', 'c1/missing.txt', 'u1', None),
    ('f4', 'c1', 'secrets.txt', '../outside.txt', 'u1', None),
    ('f5', 'c1', 'eicar.txt', 'c1/eicar.txt', 'u1', EICAR),
    ('f6', 'c404', 'orphan.txt', 'orphan.txt', 'u1', b'a file of a client v1 lost\n'),
    ('f7', 'c1', 'setup.exe', 'c1/setup.exe', 'u1', b'MZ\x90\x00' + bytes(200)),
    ('f8', 'c1', 'link.txt', 'c1/link.txt', 'u1', None),
    ('f9', 'c1', 'photo.png', 'c1/photo.png', 'u1', b'just words, not a picture\n'),
]


def write_uploads(folder):
    os.makedirs(os.path.join(folder, 'c1'), exist_ok=True)
    for _, _, _, path, _, data in FILES:
        if data is not None:
            with open(os.path.join(folder, path), 'wb') as f:
                f.write(data)
    # Outside the folder: what the two escaping rows aim at.
    outside = os.path.join(os.path.dirname(os.path.abspath(folder)), 'outside.txt')
    with open(outside, 'w') as f:
        f.write('not yours\n')
    os.symlink(outside, os.path.join(folder, 'c1', 'link.txt'))

T0 = 1717236000000  # 2024-06-01T10:00:00Z in Prisma's milliseconds


def main():
    out = sys.argv[1]
    db = sqlite3.connect(out)
    db.executescript(SCHEMA)
    pw = {'admin@v1.test': 'Admin-V1-Lantern-93', 'zoe@client.test': 'Zoe-V1-Harbor-27'}
    bcrypt = {e: crypt.crypt(p, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
              for e, p in pw.items()}
    ins = lambda t, *rows: db.executemany(  # noqa: E731
        'INSERT INTO "%s" VALUES (%s)' % (t, ','.join('?' * len(rows[0]))), rows)
    ins('Client',
        ('c1', 'Ζωή Παπαδοπούλου', 'Zoe Makes', 'Zoe@Client.test', 'crafts', 'ACTIVE', 1500.0,
         T0, '{"instagram":"@zoe"}', '{"goals":"launch"}', T0, T0 + 1000),
        ('c2', 'Kenji Watanabe', None, None, 'music', 'ONBOARDING', 899.99,
         '2024-03-01', None, None, '2024-03-01 10:00:00', '2024-03-02T11:00:00.000Z'),
        ('c3', '', None, None, None, 'LEAD', 0, None, None, None, T0, T0),
        ('c4', 'Bad Mail', None, 'not-an-email', None, 'LEAD', 0, None, None, None, T0, T0),
        ('c5', 'Vip', None, None, None, 'VIP', 0, None, None, None, T0, T0),
        ('c6', 'Bad Date', None, None, None, 'LEAD', 0, 'yesterday', None, None, T0, T0))
    ins('User',
        ('u1', 'admin@v1.test', 'Ada Admin', bcrypt['admin@v1.test'], 'ADMIN', None, 1, T0,
         T0, T0),
        ('u2', 'sam@v1.test', 'Sam Staff', 'sha1$abc$def', 'STAFF', None, 1, None, T0, T0),
        ('u3', 'zoe@client.test', 'Zoe', bcrypt['zoe@client.test'], 'CLIENT', 'c1', 1, None,
         T0, T0),
        ('u4', 'ghost@client.test', 'Ghost', None, 'CLIENT', 'c404', 1, None, T0, T0),
        ('u5', ' ADMIN@v1.test ', 'Twin', None, 'ADMIN', None, 1, None, T0, T0),
        ('u6', 'no-at-sign', 'Nobody', None, 'STAFF', None, 1, None, T0, T0))
    ins('BusinessPlan',
        ('p1', 'c1', 1, 'APPROVED', 'Plan', '# Plan\n\nSell **prints**.', T0, 'u1', T0, T0),
        ('p2', 'c1', 2, 'DRAFT', 'Plan v2', '# Plan v2\n\n<script>x</script>', None, 'u1', T0,
         T0),
        ('p3', 'c404', 1, 'DRAFT', 'Orphan', 'x', None, None, T0, T0),
        ('p4', 'c1', 2, 'DRAFT', 'Twin', 'y', None, None, T0, T0))
    ins('Deliverable',
        ('d1', 'c1', 1, 'Brand kit', 'READY', T0, '## Kit', T0, T0),
        ('d2', 'c1', 9, 'Ninth', 'PLANNED', None, None, T0, T0),
        ('d3', 'c2', 1, 'Brand kit', 'DRAFT', '2024-07-01', 'Draft', T0, T0))
    ins('Note',
        ('n1', 'c1', 'u1', 'Called Zoe.', T0, T0),
        ('n2', 'c1', 'u404', 'Author gone.', T0, T0),
        ('n3', 'c404', 'u1', 'Orphan.', T0, T0))
    ins('Ticket',
        ('t1', 'c1', 'Logo colours', 'The **blue** is off', 'OPEN', 'HIGH', 'DELIVERABLE',
         'u3', 'u1', T0, T0),
        ('t2', 'c1', 'Invoice', None, 'WAITING_ON_CLIENT', 'LOW', 'Billing', 'u3', None, T0,
         T0 + 5000),
        ('t3', 'c404', 'Orphan', None, 'OPEN', 'LOW', None, None, None, T0, T0))
    ins('TicketMessage',
        ('m1', 't1', 'u1', 'Fixed, see the new kit.', 1, T0),
        ('m2', 't404', 'u1', 'Orphan', 0, T0),
        ('m3', 't1', 'u3', '   ', 0, T0))
    ins('HelpArticle',
        ('h1', 'getting-started', 'Getting started', '# Welcome\n\nStart here.', 'Start',
         'Onboarding', '["Basics","first steps"]', 1, T0, 'u1', T0, T0),
        ('h2', 'getting-started', 'Twin', 'Twin', None, None, None, 0, None, None, T0, T0),
        ('h3', 'Bad Slug!', 'Bad', 'Bad', None, None, None, 0, None, None, T0, T0),
        ('h4', 'billing-faq', 'Billing FAQ', 'Pay monthly.', None, None, 'billing, money', 0,
         None, 'u404', T0, T0))
    ins('Notification',
        ('x1', 'u1', 'c1', 'ticket_created', 'New ticket #1', 'Logo colours', '/tickets/t1', 1,
         T0),
        ('x2', 'u404', None, 'ticket_created', 'Orphan', None, None, 0, T0))
    ins('TokenUsage',
        ('k1', 'c1', 'u1', 'business_plan', 'claude-sonnet-4-5', 1200, 3400, 0.0552, T0),
        ('k2', 'c1', None, 'coach', 'claude-sonnet-4-5', -5, 10, 0.01, T0))
    ins('File', *[(i, c, n, None, len(d or b''), p, u, T0) for i, c, n, p, u, d in FILES])
    if len(sys.argv) > 2:
        write_uploads(sys.argv[2])
    db.commit()
    db.close()
    print(json.dumps(pw))


if __name__ == '__main__':
    main()
