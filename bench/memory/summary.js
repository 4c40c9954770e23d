#!/usr/bin/env node
// summary.js: the markdown summary of bench/memory/run from the client's
// result (client.json) and its memory samples (rss.csv).
// Growth per process: end (after the drain) minus before the load, and end
// minus the warm-up sample; the target is under 1 MiB of VmRSS after the
// warm-up.  Exit status 1 when the run's checks fail (a webhook not 2xx,
// rows != 2xx, a row not done, an order not paid, not drained, a sampled
// process gone); growth over the target is reported, not failed.
'use strict';
const fs = require('fs');

const res = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const rows = fs.readFileSync(process.argv[3], 'utf8').split('\n').slice(1).filter(Boolean)
  .map((l) => {
    const [t, phase, sent, ok, role, pid, rss, pss, priv] = l.split(',');
    return { t: +t, phase, sent: +sent, ok: +ok, role, pid: +pid, rss: +rss, pss: +pss, priv: +priv };
  });
const LIMIT_KIB = 1024;

const procs = new Map();
for (const r of rows) {
  const k = `${r.role}:${r.pid}`;
  if (!procs.has(k)) procs.set(k, []);
  procs.get(k).push(r);
}
const kib = (x) => (x >= 0 ? `${x}` : 'gone');
const sgn = (x) => (x > 0 ? `+${x}` : `${x}`);

const bad = [];
const out = [];
out.push('| process | pid | VmRSS before / warm-up / end KiB | growth from before | growth from warm-up | max after warm-up | Pss growth from warm-up | Private growth from warm-up | < 1 MiB |');
out.push('|---|---|---|---|---|---|---|---|---|');
for (const [k, s] of procs) {
  const [role, pid] = k.split(':');
  const before = s.find((r) => r.phase === 'before');
  const warm = s.find((r) => r.phase === 'warmup');
  const end = s.find((r) => r.phase === 'end');
  if (!before || !warm || !end || [before, warm, end].some((r) => r.rss < 0)) {
    bad.push(`${role} ${pid}: missing samples or process gone`);
    out.push(`| ${role} | ${pid} | – | – | – | – | – | – | – |`);
    continue;
  }
  const after = s.filter((r) => r.t >= warm.t && r.rss >= 0);
  const maxRss = Math.max(...after.map((r) => r.rss));
  const g = end.rss - warm.rss;
  out.push(`| ${role} | ${pid} | ${kib(before.rss)} / ${kib(warm.rss)} / ${kib(end.rss)} | ` +
           `${sgn(end.rss - before.rss)} | ${sgn(g)} | ${maxRss} (${sgn(maxRss - warm.rss)}) | ` +
           `${sgn(end.pss - warm.pss)} | ${sgn(end.priv - warm.priv)} | ${g < LIMIT_KIB ? 'yes' : 'NO'} |`);
}
out.push('');
const warmSample = rows.find((r) => r.phase === 'warmup');
out.push(`Samples: ${new Set(rows.map((r) => r.t)).size} (every row in rss.csv); warm-up sample at ` +
         `${warmSample ? warmSample.sent : '?'} webhooks sent; end sample after the workers drained.`);
out.push('');
const db = res.db || { rows: -1, states: {}, paid: -1 };
out.push('| sent | 2xx | non-2xx | errors | intake rate/s | reply p50 / p99 / max ms | rows | done | other states | paid orders | drained | first send → all settled | settled/s |');
out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
const other = Object.entries(db.states).filter(([s]) => s !== 'done').map(([s, n]) => `${s} ${n}`).join(', ') || '–';
const rp = res.reply_ms;
out.push(`| ${res.sent} | ${res.ok_2xx} | ${res.non_2xx} | ${res.errors + res.unanswered} | ${res.achieved_rps} | ` +
         `${rp ? `${rp.p50} / ${rp.p99} / ${rp.max}` : '–'} | ${db.rows} | ${db.states.done || 0} | ${other} | ` +
         `${db.paid} | ${res.drained ? 'yes' : 'NO'} | ${res.drain_s} s | ${res.settled_rps} |`);
if (res.ok_2xx !== res.count || res.non_2xx || res.errors || res.unanswered) bad.push(`${res.count - res.ok_2xx} webhooks not answered 2xx`);
if (db.rows !== res.ok_2xx) bad.push(`rows ${db.rows} != 2xx ${res.ok_2xx}`);
if ((db.states.done || 0) !== db.rows) bad.push(`${db.rows - (db.states.done || 0)} rows not done`);
if (db.paid !== res.ok_2xx) bad.push(`${db.paid} of ${res.ok_2xx} orders paid`);
if (!res.drained) bad.push('the workers did not drain in time');
out.push('');
out.push(bad.length ? `FAILED: ${bad.join('; ')}` : 'Checks: rows == 2xx replies == paid orders; every row done; drained.');
console.log(out.join('\n'));
process.exit(bad.length ? 1 : 0);
