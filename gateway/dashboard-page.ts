import { DEFAULT_PRIVACY_BUDGET } from '../src/core/ldp/privacy-budget.js';
import { OUTCOME_METRICS, type Interval, type OutcomeMetric } from '../src/core/outcome-estimate.js';
import type { PriorsBundle } from '../src/core/priors.js';
import { esc, intervalChart, PALETTE, stackedBars } from './dashboard-charts.js';
import type { EstimatesFile, ExperimentEstimates } from './experiment-estimates.js';
import type { ReportPolicy } from './report-policy.js';

/** What the dashboard shows: the aggregator's two files (either may be missing), the site's policy, and problems reading them. */
export interface DashboardData {
  estimates: EstimatesFile | null;
  priors: PriorsBundle | null;
  policy: ReportPolicy;
  sites: string[];
  problems: string[];
}

const METRIC_NAMES: Record<OutcomeMetric, string> = {
  clickThrough: 'click-through',
  addToCart: 'add-to-cart rate',
  conversion: 'conversion',
  revenue: 'revenue per exposed shopper-day',
};

const percent = (v: number) => `${(v * 100).toFixed(2)}%`;
const points = (v: number) => `${(v * 100).toFixed(2)} pts`;
const money = (v: number) => v.toFixed(2);
const rateFormat = (m: OutcomeMetric) => (m === 'revenue' ? money : percent);
const cell = (i: Interval | null, format: (v: number) => string) => (i ? `${esc(format(i.estimate))} <span class="ci">(${esc(format(i.low))} to ${esc(format(i.high))})</span>` : '–');

function experimentSection(e: ExperimentEstimates): string {
  const anchor = `exp-${e.id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const total = e.window;
  const summary = `<table><caption>Experiment “${esc(e.id)}”, ${esc(total.from ?? '–')} to ${esc(total.to ?? '–')}: estimates (95% interval, privacy noise included)</caption>
<thead><tr><th scope="col">arm</th><th scope="col">exposed shopper-days</th>${OUTCOME_METRICS.map((m) => `<th scope="col">${esc(METRIC_NAMES[m])}</th>`).join('')}</tr></thead>
<tbody>${total.arms.map((a) => `<tr><th scope="row">${esc(a.arm)}${a.arm === e.control ? ' (control)' : ''}</th><td>${cell(a.exposed, (v) => Math.round(v).toLocaleString('en'))}</td>${OUTCOME_METRICS.map((m) => `<td>${cell(a.rates[m], rateFormat(m))}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const lift = total.lift.length === 0 ? '' : `<table><caption>Lift over the control “${esc(e.control)}” (95% interval)</caption>
<thead><tr><th scope="col">arm</th><th scope="col">rate</th><th scope="col">difference</th><th scope="col">relative</th></tr></thead>
<tbody>${total.lift.flatMap((l) => OUTCOME_METRICS.map((m) => `<tr><th scope="row">${esc(l.arm)}</th><td>${esc(METRIC_NAMES[m])}</td><td>${cell(l.absolute[m], m === 'revenue' ? money : points)}</td><td>${cell(l.relative[m], percent)}</td></tr>`)).join('')}</tbody></table>`;
  const charts: string[] = [];
  for (const m of OUTCOME_METRICS) {
    const series = e.arms.map((arm, i) => ({
      name: arm,
      points: e.cumulative.flatMap((c) => {
        const r = c.arms[i]?.rates[m];
        return r ? [{ x: c.through, estimate: r.estimate, low: r.low, high: r.high }] : [];
      }),
    }));
    charts.push(intervalChart({
      title: `${METRIC_NAMES[m]} by arm, from the first day through each day`,
      description: `Experiment ${e.id}: ${series.map((s) => `${s.name} ${s.points.length ? `${rateFormat(m)(s.points.at(-1)!.estimate)} (${rateFormat(m)(s.points.at(-1)!.low)} to ${rateFormat(m)(s.points.at(-1)!.high)})` : 'no estimate'}`).join('; ')} over the whole window.`,
      series,
      format: rateFormat(m),
    }));
    for (const [k, arm] of e.arms.entries()) {
      if (arm === e.control) continue;
      const liftSeries = [{
        name: `${arm} − ${e.control}`,
        points: e.cumulative.flatMap((c) => {
          const l = c.lift.find((x) => x.arm === arm)?.absolute[m];
          return l ? [{ x: c.through, estimate: l.estimate, low: l.low, high: l.high }] : [];
        }),
      }];
      const last = liftSeries[0]!.points.at(-1);
      const fmt = m === 'revenue' ? money : points;
      charts.push(intervalChart({
        title: `Lift of ${arm} over ${e.control}: ${METRIC_NAMES[m]}, from the first day through each day`,
        description: last ? `Difference ${fmt(last.estimate)} (95% interval ${fmt(last.low)} to ${fmt(last.high)}) over the whole window; ${last.low > 0 ? 'above zero' : last.high < 0 ? 'below zero' : 'the interval includes zero'}.` : 'No estimate yet.',
        series: liftSeries,
        format: fmt,
        zero: true,
        colors: [PALETTE[k % PALETTE.length]!],
      }));
    }
  }
  const volumes = stackedBars({
    title: `Outcome reports per day, experiment “${e.id}”`,
    description: `${e.reports.toLocaleString('en')} outcome reports in all${e.otherDomain ? `; ${e.otherDomain} more with another set of arms, left out` : ''}.`,
    days: e.daily.map((d) => d.period),
    stacks: [{ name: 'outcome reports', values: e.daily.map((d) => d.reports) }],
  });
  return `<section aria-labelledby="${anchor}"><h3 id="${anchor}">Experiment “${esc(e.id)}”</h3>
<p>Arms: ${e.arms.map((a) => `“${esc(a)}”`).join(', ')}; control “${esc(e.control)}”. ${e.reports.toLocaleString('en')} outcome reports at ε ${esc(e.epsilon.join(', ') || '–')} (randomized response over ${e.domain.values} values: arm × outcome level). Rates are per exposed shopper-day.</p>
${e.reports < 2000 ? `<p class="note">Only ${e.reports.toLocaleString('en')} outcome report(s) so far. Each is scrambled on the shopper's device, so an arm needs thousands of shopper-days before its rates mean much (an estimate may even fall outside 0 to 100% meanwhile): read the intervals, not the points.</p>` : ''}
${summary}${lift}<div class="charts">${charts.join('')}${volumes}</div></section>`;
}

function priorsSection(priors: PriorsBundle | null): string {
  if (!priors) return '<p>No priors bundle yet: run <code>edgereco-gateway aggregate</code>.</p>';
  const p = priors.publication;
  const list = <T>(caption: string, rows: T[], head: string[], row: (r: T) => string[]) => rows.length === 0 ? `<p>${esc(caption)}: none published.</p>` : `<table><caption>${esc(caption)}</caption><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${row(r).map((c, i) => (i === 0 ? `<th scope="row">${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`).join('')}</tbody></table>`;
  return `<p>Bundle of ${esc(priors.generated)}, periods ${esc(priors.periods?.from ?? '–')} to ${esc(priors.periods?.to ?? '–')}. Reports counted: ${(['item', 'pair', 'query'] as const).map((k) => `${k} ${priors.reports[k].toLocaleString('en')}`).join(', ')}; ${priors.reports.duplicatesDropped.toLocaleString('en')} duplicates dropped.${p ? ` Publication rule: ${esc(p.rule)}, α = ${p.alpha} over ${p.candidates.toLocaleString('en')} candidates, at least ${p.minCount} shoppers; thresholds: item ${p.kinds.item.threshold}, pair ${p.kinds.pair.threshold}, query ${p.kinds.query.threshold}.` : ''}</p>
${list('Trending items published (top 10)', priors.items.slice(0, 10), ['item', 'estimated shoppers'], (r) => [esc(r.itemId), esc(r.count.toLocaleString('en'))])}
${list('Popular queries published (top 10)', priors.queries.slice(0, 10), ['query', 'estimated shoppers'], (r) => [esc(r.query), esc(r.count.toLocaleString('en'))])}
<p>${priors.pairs.length.toLocaleString('en')} bought-together pairs published.</p>`;
}

/** The dashboard page: experiments, report volumes, the priors published, and the privacy budget in force. */
export function dashboardPage(data: DashboardData): string {
  const { estimates, priors, policy } = data;
  const eps = policy.epsilon;
  const budget = DEFAULT_PRIVACY_BUDGET;
  const volumes = estimates?.volumes ?? [];
  const kinds = ['item', 'pair', 'query', 'outcome'] as const;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>edgereco dashboard</title><link rel="icon" href="data:,">
<style>
body{font:15px/1.45 system-ui,sans-serif;color:#1a1a1a;background:#fff;margin:0}
header,main{max-width:1200px;margin:0 auto;padding:0 20px}
h1{font-size:1.6rem}h2{border-top:1px solid #bbb;padding-top:12px;margin-top:28px}
table{border-collapse:collapse;margin:12px 0}caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border:1px solid #c8c8c8;padding:4px 8px;text-align:left;vertical-align:top}.ci{color:#4a4a4a;font-size:.9em}
.charts{display:flex;flex-wrap:wrap;gap:16px}figure.chart{margin:0;max-width:560px}figure svg{max-width:100%;height:auto;background:#fff}
figcaption{font-weight:600}.legend{list-style:none;padding:0;margin:4px 0;display:flex;gap:14px;flex-wrap:wrap}
.note{background:#fff6d6;border-left:4px solid #8a6d00;padding:6px 10px}.swatch{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:-1px}.problem{color:#8a1c1c;font-weight:600}
</style></head>
<body><header><h1>edgereco dashboard</h1>
<p>Sites: ${data.sites.map(esc).join(', ')}. Estimates of ${esc(estimates?.generated ?? '–')}; priors of ${esc(priors?.generated ?? '–')}. Every figure here was estimated from privatized reports: no shopper's events, ids or arm ever reached this server.</p>
${data.problems.map((p) => `<p class="problem" role="alert">${esc(p)}</p>`).join('')}</header>
<main>
<section aria-labelledby="experiments"><h2 id="experiments">Experiments</h2>
${estimates && estimates.experiments.length > 0 ? estimates.experiments.map(experimentSection).join('') : '<p>No experiment is configured (<code>aggregate.experiments</code>), or no estimates yet.</p>'}
</section>
<section aria-labelledby="volumes"><h2 id="volumes">Report volumes per day</h2>
${stackedBars({
    title: 'Reports counted per day, by kind',
    description: volumes.length ? `${volumes.length} days, ${volumes.reduce((n, v) => n + v.item + v.pair + v.query + v.outcome, 0).toLocaleString('en')} reports in all.` : 'No reports yet.',
    days: volumes.map((v) => v.period),
    stacks: kinds.map((k) => ({ name: k, values: volumes.map((v) => v[k]) })),
  })}
</section>
<section aria-labelledby="priors"><h2 id="priors">Priors published</h2>${priorsSection(priors)}</section>
<section aria-labelledby="budget"><h2 id="budget">Privacy budget in force</h2>
<table><caption>What a shopper's browser may send</caption><thead><tr><th scope="col">setting</th><th scope="col">value</th></tr></thead><tbody>
${kinds.map((k) => `<tr><th scope="row">ε of each ${k} report (site policy)</th><td>${eps[k]}</td></tr>`).join('')}
<tr><th scope="row">ε per report, SDK</th><td>${budget.epsilonPerReport}</td></tr>
<tr><th scope="row">ε per shopper and UTC day, SDK</th><td>${budget.epsilonPerDay}: during an experiment one outcome report and one item report; otherwise one item report and one pair or query report</td></tr>
<tr><th scope="row">periods accepted</th><td>the last ${policy.retentionDays} days (UTC)</td></tr>
</tbody></table></section>
</main></body></html>`;
}
