// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
//
// The node peers of bench/jobs/run.sh, measured the way wl_bench measures
// wl-worker: one worker process, concurrency 10, a no-op handler that
// records when it started against the enqueue time stored in the job's args.
//
//   node peers.js bullmq|graphile drain N        N jobs added in bulk first,
//                                                then the worker runs until
//                                                all have completed
//   node peers.js bullmq|graphile latency M GAP  worker idle; M jobs added
//                                                one at a time, GAP µs apart
//
// Environment: BENCH_REDIS_PORT (bullmq), BENCH_GRAPHILE_URL (graphile).
// Prints one JSON line.  Every phase has a deadline, so it always ends.
'use strict';

const { performance } = require('node:perf_hooks');

const DEADLINE_MS = 120000;
const CONCURRENCY = 10;
const [system, mode, nArg, gapArg] = process.argv.slice(2);
const N = Number(nArg);
const GAP_US = Number(gapArg || 5000);

const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const lat = [];
const started = () => lat.length;
const record = (t) => lat.push(nowUs() - t);

function pct(sorted, p) {
  if (!sorted.length) return 0;
  return sorted[Math.round(p * (sorted.length - 1))] / 1000;
}

function report(t0, t1, t2) {
  const s = lat.slice().sort((a, b) => a - b);
  const secs = (t2 - t0) / 1e6;
  console.log(JSON.stringify({
    system, mode, jobs: s.length, seconds: +secs.toFixed(3),
    jobs_per_s: mode === 'drain' ? Math.round(s.length / secs) : 0,
    p50_ms: +pct(s, 0.5).toFixed(3), p99_ms: +pct(s, 0.99).toFixed(3),
    max_ms: +(s.length ? s[s.length - 1] / 1000 : 0).toFixed(3),
    all_started_s: +((t1 - t0) / 1e6).toFixed(3),
  }));
}

async function until(cond, deadline, stepMs) {
  while (!(await cond()) && Date.now() < deadline) await sleep(stepMs);
}

async function addPaced(add, deadline) {
  for (let i = 0; i < N && Date.now() < deadline; i++) {
    await add({ t: nowUs() });
    await sleep(GAP_US / 1000);
  }
}

async function bullmq() {
  const { Queue, Worker } = require('bullmq');
  const connection = { host: '127.0.0.1', port: Number(process.env.BENCH_REDIS_PORT) };
  const queue = new Queue('bench', { connection });
  await queue.obliterate({ force: true });
  if (mode === 'drain') {
    for (let i = 0; i < N; i += 1000) {
      const t = nowUs();
      const batch = [];
      for (let k = i; k < Math.min(N, i + 1000); k++) batch.push({ name: 'noop', data: { t } });
      await queue.addBulk(batch);
    }
  }
  let completed = 0;
  const t0 = nowUs();
  const deadline = Date.now() + DEADLINE_MS;
  const worker = new Worker('bench', async (job) => { record(job.data.t); },
    { connection, concurrency: CONCURRENCY });
  worker.on('completed', () => { completed++; });
  await worker.waitUntilReady();
  if (mode === 'latency') await addPaced((data) => queue.add('noop', data), deadline);
  await until(() => started() >= N, deadline, 1);
  const t1 = nowUs();
  await until(() => completed >= N, deadline, 1);
  const t2 = nowUs();
  await worker.close();
  await queue.close();
  report(t0, t1, t2);
}

async function graphile() {
  const { run, makeWorkerUtils, Logger } = require('graphile-worker');
  const connectionString = process.env.BENCH_GRAPHILE_URL;
  // Per-job log lines off, as for wl-worker (WL_LOG_LEVEL=warn).
  const logger = new Logger(() => (level, message) => {
    if (level === 'error' || level === 'warning') console.error(`graphile ${level}: ${message}`);
  });
  const utils = await makeWorkerUtils({ connectionString, logger });
  await utils.migrate();
  await utils.withPgClient((c) => c.query('DELETE FROM graphile_worker._private_jobs'));
  if (mode === 'drain') {
    for (let i = 0; i < N; i += 1000) {
      const t = nowUs();
      const specs = [];
      for (let k = i; k < Math.min(N, i + 1000); k++) specs.push({ identifier: 'noop', payload: { t } });
      await utils.addJobs(specs);
    }
  }
  const left = () => utils.withPgClient(async (c) =>
    Number((await c.query('SELECT count(*) AS n FROM graphile_worker._private_jobs')).rows[0].n) === 0);
  const t0 = nowUs();
  const deadline = Date.now() + DEADLINE_MS;
  const runner = await run({
    connectionString, concurrency: CONCURRENCY, noHandleSignals: true, pollInterval: 1000, logger,
    taskList: { noop: async (payload) => { record(payload.t); } },
  });
  if (mode === 'latency') await addPaced((payload) => utils.addJob('noop', payload), deadline);
  await until(() => started() >= N, deadline, 1);
  const t1 = nowUs();
  await until(left, deadline, 1);
  const t2 = nowUs();
  await runner.stop();
  await utils.release();
  report(t0, t1, t2);
}

const main = system === 'bullmq' ? bullmq : system === 'graphile' ? graphile : null;
if (!main || !['drain', 'latency'].includes(mode) || !(N > 0)) {
  console.error('usage: node peers.js bullmq|graphile drain N | latency M GAP_US');
  process.exit(2);
}
main().then(() => process.exit(lat.length >= N ? 0 : 1), (e) => {
  console.error(e);
  process.exit(1);
});
