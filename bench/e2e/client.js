#!/usr/bin/env node
// client.js: the load client of bench/e2e/run and bench/memory/run.
//
// Sends correctly signed Stripe payment_intent.succeeded webhooks, each for
// its own pending order (metadata.order_number = PREFIX + i), and times
// each one on one monotonic clock (process.hrtime):
//   reply    the POST is about to be written -> its response has ended
//   visible  the POST is about to be written -> the order's new status is
//            committed: the bench-only trigger (visible.sql) sends
//            NOTIFY oh_bench_e2e with the order number, and PostgreSQL
//            delivers a NOTIFY only after its transaction commits, to the
//            LISTEN connection this process holds.
//
// usage: node client.js --url URL --secret-file F --prefix P --count N
//            [--first 1] [--rate R | --rate 0 --conns C] [--conns 64]
//            [--visible] [--timeout 10] [--out result.json] [--raw raw.csv]
//            [--sample role:pid,...] [--sample-every 2000] [--warmup 50000]
//            [--csv rss.csv] [--drain 1800] [--stall 60]
//
//   --rate R     open loop: webhook i is due at start + i/R (paced on a 1 ms
//                timer); 0 = closed loop with --conns requests in flight
//   --conns C    keep-alive connections (at most; paced requests queue in
//                the agent when all are busy, and that wait is in 'reply')
//   --visible    LISTEN and wait up to --timeout s after the last reply for
//                every 2xx webhook's order to become visible
//   --sample     processes whose memory is sampled (VmRSS from status, Pss
//                and Private_* from smaps_rollup) before, at --warmup
//                webhooks, every --sample-every ms, and after the drain
//   --drain S    after sending, wait up to S s until no webhook of the run
//                is pending or retry (giving up when none was settled for
//                --stall s), then count rows, states, paid orders
// PostgreSQL is reached through the PG* environment (LISTEN, drain, counts).
// Prints one line "E2EJSON {...}" (also written to --out).
'use strict';
module.paths.unshift(require('path').join(process.env.OH_BENCH_NODE_DIR || '/tmp/oh-scratch/e2e', 'node_modules'));
const fs = require('fs');
const http = require('http');
const crypto = require('crypto');

function parseArgs(argv) {
  const o = { first: 1, rate: 1000, conns: 64, timeout: 10, sampleEvery: 2000, warmup: 0, drain: 0, stall: 60 };
  const flags = new Set(['visible']);
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (flags.has(k)) { o[k] = true; continue; }
    o[k] = argv[++i];
  }
  for (const k of ['first', 'rate', 'conns', 'count', 'timeout', 'sampleEvery', 'warmup', 'drain', 'stall']) o[k] = Number(o[k]);
  if (!o.url || !o.secretFile || !o.prefix || !(o.count > 0)) {
    console.error('usage: client.js --url URL --secret-file F --prefix P --count N [options] (see the header)');
    process.exit(2);
  }
  return o;
}

const opt = parseArgs(process.argv.slice(2));
const secret = fs.readFileSync(opt.secretFile, 'utf8').trim();
const url = new URL(opt.url);
const hr = () => Number(process.hrtime.bigint()) / 1e6;   // ms, monotonic
const tag = crypto.randomBytes(6).toString('hex');         // event ids unique per invocation

// A payment_intent.succeeded event with Stripe's field set, compact JSON.
function body(i, created) {
  const n = String(i).padStart(9, '0');
  const pi = `pi_3Q${tag}${n}`;
  return JSON.stringify({
    id: `evt_3Q${tag}${n}`, object: 'event', api_version: '2024-06-20', created,
    data: { object: {
      id: pi, object: 'payment_intent', amount: 4999, amount_capturable: 0, amount_received: 4999,
      application: null, application_fee_amount: null,
      automatic_payment_methods: { allow_redirects: 'always', enabled: true },
      canceled_at: null, cancellation_reason: null, capture_method: 'automatic_async',
      client_secret: `${pi}_secret_Xy12Zw34Vu56Ts78`, confirmation_method: 'automatic',
      created: created - 3, currency: 'usd', customer: `cus_Q${tag}${n}`,
      description: `Order ${opt.prefix}${i}`, invoice: null, last_payment_error: null,
      latest_charge: `ch_3Q${tag}${n}`, livemode: false,
      metadata: { order_number: `${opt.prefix}${i}`, shop: 'bench-shop' },
      next_action: null, on_behalf_of: null, payment_method: `pm_1Q${tag}${n}`,
      payment_method_options: { card: { installments: null, mandate_options: null, network: null,
                                        request_three_d_secure: 'automatic' } },
      payment_method_types: ['card', 'link'], processing: null,
      receipt_email: `buyer${n}@example.com`, review: null, setup_future_usage: null,
      shipping: null, source: null, statement_descriptor: null,
      statement_descriptor_suffix: null, status: 'succeeded', transfer_data: null,
      transfer_group: null } },
    livemode: false, pending_webhooks: 1,
    request: { id: `req_${tag}${n}`, idempotency_key: `${tag}-${n}` },
    type: 'payment_intent.succeeded',
  });
}

function signature(payload, t) {
  const v1 = crypto.createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

// ---- memory samples -----------------------------------------------------
const samplePids = (opt.sample || '').split(',').filter(Boolean).map((s) => {
  const [role, pid] = s.split(':');
  return { role, pid: Number(pid) };
});
const csv = [];

function readKiB(file, keys) {
  const out = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (m && keys.includes(m[1])) out[m[1]] = Number(m[2]);
  }
  return out;
}

function sample(phase) {
  const t = ((hr() - t0) / 1000).toFixed(2);
  for (const p of samplePids) {
    let rss = -1, pss = -1, priv = -1;
    try {
      rss = readKiB(`/proc/${p.pid}/status`, ['VmRSS']).VmRSS;
      const r = readKiB(`/proc/${p.pid}/smaps_rollup`, ['Pss', 'Private_Clean', 'Private_Dirty']);
      pss = r.Pss; priv = r.Private_Clean + r.Private_Dirty;
    } catch (e) { /* gone: -1 marks it */ }
    csv.push([t, phase, sent, ok, p.role, p.pid, rss, pss, priv].join(','));
  }
}

// ---- sending ---------------------------------------------------------------
const N = opt.count;
const tSend = new Float64Array(N).fill(NaN);
const tReply = new Float64Array(N).fill(NaN);
const tVisible = new Float64Array(N).fill(NaN);
const status = new Uint16Array(N);
const byOrder = new Map();
let sent = 0, ok = 0, non2xx = 0, errors = 0, done = 0;
let late1 = 0, late10 = 0, lateMax = 0;
let t0 = hr(), tLastReply = 0, nextWarm = opt.warmup > 0;
const agent = new http.Agent({ keepAlive: true, maxSockets: opt.conns });
let finishSending;
const allReplied = new Promise((r) => { finishSending = r; });

function send(k) {
  const i = opt.first + k;
  const t = Math.floor(Date.now() / 1000);
  const payload = body(i, t);
  tSend[k] = hr();
  sent++;
  const req = http.request({
    agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
    headers: {
      'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'Content-Type': 'application/json; charset=utf-8',
      'Stripe-Signature': signature(payload, t),
      'Content-Length': Buffer.byteLength(payload),
    },
  }, (res) => {
    res.on('data', () => {});
    res.on('end', () => {
      tReply[k] = tLastReply = hr();
      status[k] = res.statusCode;
      if (res.statusCode >= 200 && res.statusCode < 300) ok++; else non2xx++;
      finished();
    });
  });
  req.on('error', (e) => {
    errors++;
    if (errors <= 5) console.error(`client: request ${i}: ${e.message}`);
    finished();
  });
  req.end(payload);
}

function finished() {
  done++;
  if (nextWarm && sent >= opt.warmup) { nextWarm = false; sample('warmup'); }
  if (opt.rate === 0 && sent < N) send(sent);
  if (done === N) finishSending();
}

function paced() {
  const interval = 1000 / opt.rate;
  let k = 0;
  const start = hr();
  const tick = () => {
    const now = hr();
    while (k < N && start + k * interval <= now) {
      const late = now - (start + k * interval);
      if (late > 1) late1++;
      if (late > 10) late10++;
      if (late > lateMax) lateMax = late;
      send(k++);
    }
    if (k < N) setTimeout(tick, Math.max(0, Math.min(1, start + k * interval - hr())));
  };
  tick();
}

// ---- visibility --------------------------------------------------------
async function listen() {
  const { Client } = require('pg');
  const c = new Client({ application_name: 'oh-bench-listen' });
  await c.connect();
  c.on('notification', (m) => {
    const now = hr();
    const k = byOrder.get(m.payload);
    if (k !== undefined && Number.isNaN(tVisible[k])) tVisible[k] = now;
  });
  if (opt.visible) await c.query('LISTEN oh_bench_e2e');
  return c;
}

function countVisible() {
  let v = 0;
  for (let k = 0; k < N; k++) if (!Number.isNaN(tVisible[k]) && status[k] >= 200 && status[k] < 300) v++;
  return v;
}

async function waitVisible() {
  const until = hr() + opt.timeout * 1000;
  while (countVisible() < ok && hr() < until) await new Promise((r) => setTimeout(r, 20));
}

// Gives up after --drain s, or when no row was settled for --stall s.
async function drain(db) {
  const until = hr() + opt.drain * 1000;
  const q = `SELECT count(*) FILTER (WHERE state IN ('pending', 'retry'))::int AS open
               FROM orderhooks.webhook_events WHERE event_id LIKE $1`;
  let last = Infinity, since = hr();
  for (;;) {
    const open = (await db.query(q, [`evt_3Q${tag}%`])).rows[0].open;
    if (open === 0) return true;
    if (open < last) { last = open; since = hr(); }
    if (hr() > until || hr() - since > opt.stall * 1000) {
      console.error(`client: ${open} webhooks still pending or retry; giving up`);
      return false;
    }
    await new Promise((res) => setTimeout(res, 500));
  }
}

async function dbCounts(db) {
  const ev = await db.query(
    `SELECT state, count(*)::int AS n FROM orderhooks.webhook_events
      WHERE event_id LIKE $1 GROUP BY state`, [`evt_3Q${tag}%`]);
  const states = {};
  for (const r of ev.rows) states[r.state] = r.n;
  const paid = await db.query(
    `SELECT count(*)::int AS n FROM orderhooks.orders
      WHERE order_number LIKE $1 AND status = 'paid'`, [`${opt.prefix}%`]);
  const rows = Object.entries(states).filter(([s]) => s !== 'rejected').reduce((a, [, n]) => a + n, 0);
  return { rows, states, paid: paid.rows[0].n };
}

// ---- figures ---------------------------------------------------------------
function stats(a) {
  const v = Array.from(a).filter((x) => !Number.isNaN(x)).sort((x, y) => x - y);
  if (!v.length) return null;
  const p = (q) => v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)];
  const r = (x) => Math.round(x * 1000) / 1000;
  return { n: v.length, p50: r(p(0.5)), p90: r(p(0.9)), p99: r(p(0.99)), max: r(v[v.length - 1]),
           mean: r(v.reduce((s, x) => s + x, 0) / v.length) };
}

function diff(a, b) {
  const d = new Float64Array(N);
  for (let k = 0; k < N; k++) d[k] = a[k] - b[k];
  return d;
}

async function main() {
  if (opt.visible) for (let k = 0; k < N; k++) byOrder.set(`${opt.prefix}${opt.first + k}`, k);
  const db = opt.visible || opt.drain ? await listen() : null;
  t0 = hr();
  if (samplePids.length) sample('before');
  const timer = samplePids.length ? setInterval(() => sample('run'), opt.sampleEvery) : null;
  if (opt.rate > 0) paced();
  else for (let k = 0; k < Math.min(opt.conns, N); k++) send(sent);
  const replyWait = setTimeout(() => finishSending(), (N / (opt.rate || 1000) + 120) * 1000);
  await allReplied;
  clearTimeout(replyWait);
  const tSent = tLastReply;
  if (opt.visible) await waitVisible();
  let drained = null, counts = null;
  let tDrained = NaN;
  if (opt.drain) {
    drained = await drain(db);
    tDrained = hr();
    counts = await dbCounts(db);
  }
  if (timer) clearInterval(timer);
  if (samplePids.length) sample('end');
  if (db) await db.end();
  agent.destroy();

  const visible = opt.visible ? countVisible() : null;
  const firstSend = tSend[0];
  const res = {
    tag, prefix: opt.prefix, count: N, rate: opt.rate, conns: opt.conns,
    sent, ok_2xx: ok, non_2xx: non2xx, errors, unanswered: N - done,
    duration_s: Math.round(tSent - firstSend) / 1000,
    achieved_rps: Math.round(ok / ((tSent - firstSend) / 1000)),
    late_over_1ms: late1, late_over_10ms: late10, late_max_ms: Math.round(lateMax * 1000) / 1000,
    reply_ms: stats(diff(tReply, tSend)),
    visible, missed: opt.visible ? ok - visible : null,
    visible_ms: opt.visible ? stats(diff(tVisible, tSend)) : null,
    drained, db: counts,
    drain_s: opt.drain ? Math.round(tDrained - tSend[0]) / 1000 : null,
    settled_rps: drained ? Math.round(counts.rows / ((tDrained - tSend[0]) / 1000)) : null,
  };
  if (opt.raw) {
    const lines = ['i,send_ms,status,reply_ms,visible_ms'];
    for (let k = 0; k < N; k++) {
      lines.push([opt.first + k, (tSend[k] - firstSend).toFixed(3), status[k],
                  (tReply[k] - tSend[k]).toFixed(3), (tVisible[k] - tSend[k]).toFixed(3)].join(','));
    }
    fs.writeFileSync(opt.raw, lines.join('\n') + '\n');
  }
  if (opt.csv) {
    fs.writeFileSync(opt.csv, 't_s,phase,sent,ok_2xx,role,pid,rss_kib,pss_kib,private_kib\n' + csv.join('\n') + '\n');
  }
  const line = JSON.stringify(res);
  if (opt.out) fs.writeFileSync(opt.out, line + '\n');
  console.log(`E2EJSON ${line}`);
}

main().catch((e) => { console.error(`client: ${e.stack || e}`); process.exit(1); });
