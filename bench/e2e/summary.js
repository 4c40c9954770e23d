#!/usr/bin/env node
// summary.js: the markdown summary of bench/e2e/run from its runs.jsonl.
// Every figure: median over the rounds, with min–max; the ratio is taken
// per round (e2e / intake alone of the same round) and then summarised.
// Exit status 1 when any run had a webhook that was not answered 2xx, or an
// e2e run missed a status (not visible, or not 'paid' in the database).
'use strict';
const fs = require('fs');

const runs = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean).map(JSON.parse);
const of = (kind) => runs.filter((r) => r.kind === kind).sort((a, b) => a.round - b.round);
const e2e = of('e2e'), ref = of('intake');

function med(v) {
  v = v.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return { med: v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2, min: v[0], max: v[v.length - 1], n: v.length };
}
function fmt(s, d = 2) {
  if (!s) return '–';
  const f = (x) => x.toFixed(d);
  return s.n > 1 ? `${f(s.med)} (${f(s.min)}–${f(s.max)})` : f(s.med);
}
const pick = (rs, fn) => rs.map((r) => { try { return fn(r); } catch (e) { return null; } });
function ratios(fnE, fnR) {
  return e2e.map((r) => {
    const q = ref.find((x) => x.round === r.round);
    try { return q ? fnE(r) / fnR(q) : null; } catch (e) { return null; }
  });
}

const out = [];
out.push('| figure | e2e: POST → status visible | intake alone: POST → 2xx | ratio e2e / intake |');
out.push('|---|---|---|---|');
for (const p of ['p50', 'p90', 'p99', 'max']) {
  out.push(`| ${p} latency, ms | ${fmt(med(pick(e2e, (r) => r.visible_ms[p])))} | ` +
           `${fmt(med(pick(ref, (r) => r.reply_ms[p])))} | ` +
           `${fmt(med(ratios((r) => r.visible_ms[p], (q) => q.reply_ms[p])), 1)} |`);
}
for (const p of ['p50', 'p90', 'p99', 'max']) {
  out.push(`| ${p} intake reply (2xx) latency, ms | ${fmt(med(pick(e2e, (r) => r.reply_ms[p])))} | ` +
           `${fmt(med(pick(ref, (r) => r.reply_ms[p])))} | ` +
           `${fmt(med(ratios((r) => r.reply_ms[p], (q) => q.reply_ms[p])), 1)} |`);
}
out.push(`| achieved rate, 2xx/s | ${fmt(med(pick(e2e, (r) => r.achieved_rps)), 0)} | ` +
         `${fmt(med(pick(ref, (r) => r.achieved_rps)), 0)} | |`);
out.push('');

const vp50 = med(pick(e2e, (r) => r.visible_ms.p50));
const vp99 = med(pick(e2e, (r) => r.visible_ms.p99));
const verdict = (s, lim) => (s ? (s.med <= lim ? 'met' : 'MISSED') : '–');
out.push(`Targets (issue 6, median of the rounds): p50 ≤ 5 ms: ${verdict(vp50, 5)}; ` +
         `p99 ≤ 50 ms: ${verdict(vp99, 50)}.`);
out.push('');

out.push('| run | sent | 2xx | non-2xx | errors | visible | missed | paid in DB | rate/s | late >1 ms / >10 ms | reply p50 / p99 ms | visible p50 / p99 / max ms |');
out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
let bad = [];
for (const r of [...ref, ...e2e].sort((a, b) => a.round - b.round || (a.kind > b.kind ? -1 : 1))) {
  const v = r.visible_ms;
  out.push(`| ${r.kind} ${r.round} | ${r.sent} | ${r.ok_2xx} | ${r.non_2xx} | ${r.errors + r.unanswered} | ` +
           `${r.visible ?? '–'} | ${r.missed ?? '–'} | ${r.db ? r.db.paid : '–'} | ${r.achieved_rps} | ` +
           `${r.late_over_1ms} / ${r.late_over_10ms} | ` +
           `${r.reply_ms ? `${r.reply_ms.p50} / ${r.reply_ms.p99}` : '–'} | ` +
           `${v ? `${v.p50} / ${v.p99} / ${v.max}` : '–'} |`);
  if (r.sent !== r.count || r.ok_2xx !== r.count || r.non_2xx || r.errors || r.unanswered) {
    bad.push(`${r.kind} ${r.round}: ${r.count - r.ok_2xx} of ${r.count} webhooks not answered 2xx`);
  }
  if (r.kind === 'e2e' && (r.missed !== 0 || !r.db || r.db.paid !== r.ok_2xx)) {
    bad.push(`${r.kind} ${r.round}: ${r.missed} status(es) not visible, ${r.db ? r.db.paid : '?'} of ${r.ok_2xx} orders paid`);
  }
}
if (!e2e.length || !ref.length) bad.push('a run is missing');
out.push('');
out.push(bad.length ? `FAILED: ${bad.join('; ')}` : 'Checks: every webhook answered 2xx; every status visible and paid in the database.');
console.log(out.join('\n'));
process.exit(bad.length ? 1 : 0);
