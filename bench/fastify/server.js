// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
//
// The baseline of bench/clients.sh: GET /api/clients?limit=50 as a v1 user
// would build it in Fastify 5 + pg: the same session lookup (SHA-256 of the
// wl_session cookie) and the same list query as wl-server (plain columns,
// turned into JSON by the application), on a pool of 16
// connections, as a role without row-level security (a v1 application did
// not have it).
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const fastify = require('fastify')({ logger: false });
const { Pool } = require('pg');

const pool = new Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 16 });
const sessionSql = fs.readFileSync(path.join(__dirname, '..', 'sql', 'session.sql'), 'utf8');
// BENCH_LIST_JSON=1: the variant most favourable to node, where PostgreSQL
// builds each row's JSON (json_build_object) and node only passes it on.
const listJson = process.env.BENCH_LIST_JSON === '1';
const listSql = fs.readFileSync(path.join(__dirname, '..', 'sql',
  listJson ? 'clients_list_json.sql' : 'clients_list.sql'), 'utf8');

function cookie(req, name) {
  const header = req.headers.cookie || '';
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

fastify.get('/api/clients', async (req, reply) => {
  const token = cookie(req, 'wl_session');
  if (!token) return reply.code(401).send({ code: 'unauthenticated' });
  const hash = '\\x' + crypto.createHash('sha256').update(token).digest('hex');
  const s = await pool.query({ name: 'session', text: sessionSql, values: [hash, new Date().toISOString(), 86400] });
  if (s.rowCount !== 1) return reply.code(401).send({ code: 'unauthenticated' });
  const limit = Math.min(Math.max(parseInt(req.query.limit || '50', 10) || 50, 1), 100);
  const r = await pool.query({ name: 'list', text: listSql, values: [limit + 1] });
  const rows = r.rows.slice(0, limit).map((row) => (listJson ? row.j : row));
  reply.header('content-type', 'application/json; charset=utf-8');
  return { data: rows, next_cursor: r.rows.length > limit ? 'more' : null };
});

fastify.listen({ host: '127.0.0.1', port: parseInt(process.env.BENCH_PORT, 10) })
  .catch((e) => { console.error(e); process.exit(1); });
