#!/usr/bin/env node
// bench/intake summary: the harness's runs (results.jsonl) and the paced runs
// (paced.jsonl) of one invocation -> a short markdown table, the ratios the
// intake issue asks for, and the verdict on each target.
//
// usage: summary.js OUT_DIR [PRODUCT_PREFIX=OH]
// Exit status 1 when a product run's row check failed (LOST, EXTRA, SUSPECT,
// WRAPPED, MISMATCH), a product run saw errors, or a paced run is missing:
// the benchmark did not measure what it claims.  Missed performance targets
// do not change the exit status (benchmarks are not tests).
'use strict';
const fs = require('fs');
const path = require('path');

const [outDir, prefix = 'OH'] = process.argv.slice(2);
const load = (f) => {
  const p = path.join(outDir, f);
  if (!fs.existsSync(p)) return [];
  return fs.readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
};
const runs = load('results.jsonl');
const paced = load('paced.jsonl');

const med = (a) => {
  const s = a.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).sort((x, y) => x - y);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f0 = (x) => (x === null || x === undefined ? '–' : Math.round(x).toLocaleString('en-US'));
const f2 = (x) => (x === null || x === undefined ? '–'
  : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const thr = (r) => (r.kind === 'pgb' ? r.rows_per_s : r.ok_rps);
const isProduct = (t) => t.startsWith(prefix);
const okCheck = (r) => r.rows_check === null || r.rows_check.startsWith('ok');
const errors = (r) => (r.non_2xx || 0) + (r.sock_errors || 0) + (r.failed || 0);

function group(list) {
  const order = [];
  const by = {};
  for (const r of list) {
    if (!by[r.target]) { by[r.target] = []; order.push(r.target); }
    by[r.target].push(r);
  }
  return { order, by };
}

function statsOf(rs) {
  const v = rs.map(thr);
  return {
    med: med(v), min: Math.min(...v), max: Math.max(...v),
    p50: med(rs.map((r) => r.p50_ms)), p99: med(rs.map((r) => r.p99_ms)),
    p99max: Math.max(...rs.map((r) => r.p99_ms)),
  };
}

function checkText(r) {
  if (r.kind === 'pgb') return r.rows_check.startsWith('ok') ? `${r.rows}=${r.expected_rows}` : r.rows_check;
  if (r.rows === null) return 'n/a (no DB)';
  return okCheck(r) ? `${r.rows}/${r.ok_2xx} ok` : `${r.rows}/${r.ok_2xx} ${r.rows_check}`;
}

let bad = 0;
const problems = [];
const { order, by } = group(runs);
const stats = {};

console.log('| target | what | accepted/s median (min–max) | p50 ms | p99 ms | rows/2xx per run | CPU cores loadgen/server/pg/other |');
console.log('|---|---|---|---|---|---|---|');
for (const t of order) {
  const rs = by[t];
  const s = statsOf(rs);
  stats[t] = s;
  const r0 = rs[0];
  let what;
  if (r0.kind === 'pgb') {
    what = `pgbench c=${r0.clients}, ${r0.rows_per_tx} row/tx`;
  } else {
    what = `wrk -c${r0.conns}` + (r0.rows === null ? ', no DB' : '');
  }
  const nerr = rs.reduce((a, r) => a + errors(r), 0);
  if (nerr) what += `, ${nerr} errors`;
  if (rs.some((r) => r.busy_waited_s < 0)) what += ' ⚠ foreign load';
  const cpu = ['loadgen', 'server', 'pg', 'other']
    .map((k) => f2(med(rs.map((r) => (r.cpu ? r.cpu.cores[k] : null))))).join(' / ');
  console.log(`| ${t} | ${what} | ${f0(s.med)} (${f0(s.min)}–${f0(s.max)}) | ${f2(s.p50)} | ${f2(s.p99)} | ${rs.map(checkText).join('; ')} | ${cpu} |`);
  for (const r of rs) {
    const productRun = isProduct(t);
    if (!okCheck(r) || (r.kind === 'pgb' && !r.rows_check.startsWith('ok'))) {
      problems.push(`${t} r${r.round}: rows check ${r.rows_check}`);
      if (productRun) bad++;
    }
    if (productRun && errors(r)) {
      problems.push(`${t} r${r.round}: ${errors(r)} non-2xx/socket errors`);
      bad++;
    }
  }
}

// ---- ratios -------------------------------------------------------------
const best = (re) => {
  let name = null;
  for (const t of order) if (re.test(t) && stats[t].med !== null && (!name || stats[t].med > stats[name].med)) name = t;
  return name;
};
const bestB = best(/^B\d+$/);
const bestC = best(/^C\d+$/);
const products = order.filter(isProduct);
const ratio = (a, b) => (stats[a] && stats[b] && stats[b].med ? stats[a].med / stats[b].med : null);
const fr = (x) => (x === null ? '–' : `${x.toFixed(x >= 10 ? 1 : 2)}×`);
const pct = (x) => (x === null ? '–' : `${(x * 100).toFixed(0)} %`);
const sameConc = products.length ? by[products[0]][0].conns : null;
const bSame = sameConc && stats[`B${sameConc}`] ? `B${sameConc}` : null;

if (products.length) {
  console.log('\n| product | accepted/s | vs best 1-row pgbench' + (bestB ? ` (${bestB})` : '') +
    ' | vs pgbench at same concurrency' + (bSame ? ` (${bSame})` : '') +
    ' | vs best Express' + (bestC ? ` (${bestC})` : '') + ' | vs A1 | vs Aauto |');
  console.log('|---|---|---|---|---|---|---|');
  for (const p of products) {
    console.log(`| ${p} | ${f0(stats[p].med)} | ${fr(ratio(p, bestB))} | ${fr(ratio(p, bSame))} | ${fr(ratio(p, bestC))} | ${pct(ratio(p, 'A1'))} | ${pct(ratio(p, 'Aauto'))} |`);
  }
}

// ---- paced runs -----------------------------------------------------------
const pg = group(paced);
if (pg.order.length) {
  console.log('\n| paced run | target rate (half of peak) | achieved/s median | p50 ms | p99 ms median (max) | sends late > 1 ms / > 10 ms (max late) | rows/2xx per run |');
  console.log('|---|---|---|---|---|---|---|');
  for (const t of pg.order) {
    const rs = pg.by[t];
    const s = statsOf(rs);
    stats[`paced:${t}`] = s;
    const late = rs.map((r) => `${r.pace.late_over_1ms}/${r.pace.late_over_10ms} (${r.pace.late_max_ms.toFixed(1)} ms)`).join('; ');
    console.log(`| ${t} | ${f0(rs[0].pace.target_rps)} | ${f0(s.med)} | ${f2(s.p50)} | ${f2(s.p99)} (${f2(s.p99max)}) | ${late} | ${rs.map(checkText).join('; ')} |`);
    for (const r of rs) {
      if (!okCheck(r)) { problems.push(`paced ${t} r${r.round}: rows check ${r.rows_check}`); bad++; }
      if (errors(r)) { problems.push(`paced ${t} r${r.round}: ${errors(r)} errors`); bad++; }
      if (thr(r) < 0.95 * r.pace.target_rps) problems.push(`paced ${t} r${r.round}: achieved ${f0(thr(r))}/s < 95 % of the target rate`);
    }
  }
}

// ---- verdict ----------------------------------------------------------------
if (products.length) {
  const top = products.reduce((a, b) => (stats[b].med > stats[a].med ? b : a));
  const aTop = best(/^A(1|auto)$/);
  const lines = [];
  const verdict = (ok) => (ok === null ? '?' : ok ? 'met' : 'MISSED');
  const r3 = ratio(top, bestB);
  lines.push(`≥ 3× best single-row pgbench: ${top} ${fr(r3)} ${bestB || ''} → ${verdict(r3 === null ? null : r3 >= 3)}`);
  const r10 = ratio(top, bestC);
  lines.push(`≥ 10× Express peer: ${top} ${fr(r10)} ${bestC || ''} → ${verdict(r10 === null ? null : r10 >= 10)}`);
  const ra = ratio(top, aTop);
  lines.push(`≥ 35 % of nginx return 200 (best of A1/Aauto): ${top} ${pct(ra)} of ${aTop || '–'} → ${verdict(ra === null ? null : ra >= 0.35)}`);
  for (const t of pg.order) {
    const s = stats[`paced:${t}`];
    lines.push(`p99 ≤ 10 ms at half of peak: ${t} p99 ${f2(s.p99)} ms (worst run ${f2(s.p99max)} ms) → ${verdict(s.p99 <= 10)}`);
  }
  if (!pg.order.length) { lines.push('p99 at half of peak: no paced run'); bad++; }
  console.log('\nTargets (intake issue, issue 6):');
  for (const l of lines) console.log(`- ${l}`);
}
if (problems.length) {
  console.log('\nProblems:');
  for (const p of problems) console.log(`- ${p}`);
}
process.exit(bad ? 1 : 0);
