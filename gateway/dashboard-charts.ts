/**
 * The dashboard's charts: inline SVG written on the server, no script and no chart library. Each chart is a `<figure>`
 * whose SVG is an image with a title and a description (what it shows, in words), followed by the same figures as a
 * table, so a screen reader or a keyboard user gets every number the picture shows.
 */

/** HTML-escapes text (experiment ids, arm names, item ids and queries come from files). */
export function esc(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Colours of the arms (and kinds), each at least 4.5:1 against white. */
export const PALETTE = ['#1f5fa8', '#a8461f', '#2e6b30', '#6a1b9a', '#5c5c00'];

export interface Point {
  /** The x label (a UTC day). */
  x: string;
  estimate: number;
  low: number;
  high: number;
}

export interface Series {
  name: string;
  points: Point[];
}

const W = 560;
const H = 220;
const M = { left: 64, right: 16, top: 14, bottom: 34 };

function ticks(min: number, max: number, count = 4): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const step = 10 ** Math.floor(Math.log10(raw));
  const nice = [1, 2, 2.5, 5, 10].map((m) => m * step).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(min / nice) * nice; t <= max + nice * 1e-9; t += nice) out.push(Number(t.toPrecision(12)));
  return out;
}

let figureCount = 0;

/**
 * A chart of estimates with their 95% intervals over days: per series a line through the estimates, a band from the
 * lows to the highs (bars at single days), and a zero line when `zero` (a lift). `format` writes a value.
 */
export function intervalChart(options: { title: string; description: string; series: Series[]; format: (v: number) => string; zero?: boolean; colors?: string[] }): string {
  const id = `fig-${++figureCount}`;
  const colors = options.colors ?? PALETTE;
  const days = [...new Set(options.series.flatMap((s) => s.points.map((p) => p.x)))].sort();
  const values = options.series.flatMap((s) => s.points.flatMap((p) => [p.low, p.high]));
  if (options.zero) values.push(0);
  if (days.length === 0 || values.length === 0) return `<figure><figcaption>${esc(options.title)}: no estimate yet.</figcaption></figure>`;
  let min = Math.min(...values);
  let max = Math.max(...values);
  if (min === max) [min, max] = [min - 1, max + 1];
  const pad = (max - min) * 0.05;
  min -= pad;
  max += pad;
  const x = (day: string) => M.left + (days.length === 1 ? (W - M.left - M.right) / 2 : (days.indexOf(day) / (days.length - 1)) * (W - M.left - M.right));
  const y = (v: number) => M.top + (1 - (v - min) / (max - min)) * (H - M.top - M.bottom);
  const parts: string[] = [];
  for (const t of ticks(min, max)) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#d0d0d0" stroke-width="1"/>`);
    parts.push(`<text x="${M.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#222">${esc(options.format(t))}</text>`);
  }
  if (options.zero) parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" stroke="#222" stroke-width="1.5" stroke-dasharray="4 3"/>`);
  const labelled = days.length <= 3 ? days : [days[0]!, days[Math.floor(days.length / 2)]!, days[days.length - 1]!];
  for (const day of labelled) parts.push(`<text x="${x(day).toFixed(1)}" y="${H - 12}" text-anchor="middle" font-size="11" fill="#222">${esc(day)}</text>`);
  options.series.forEach((s, i) => {
    const color = colors[i % colors.length]!;
    const pts = s.points.filter((p) => Number.isFinite(p.estimate));
    if (pts.length > 1) {
      const upper = pts.map((p) => `${x(p.x).toFixed(1)},${y(p.high).toFixed(1)}`);
      const lower = pts.map((p) => `${x(p.x).toFixed(1)},${y(p.low).toFixed(1)}`).reverse();
      parts.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.15" stroke="none"/>`);
      parts.push(`<polyline points="${pts.map((p) => `${x(p.x).toFixed(1)},${y(p.estimate).toFixed(1)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    const shift = (i - (options.series.length - 1) / 2) * 5;
    for (const p of pts) {
      const cx = (x(p.x) + (pts.length === 1 ? shift : 0)).toFixed(1);
      if (pts.length === 1) parts.push(`<line x1="${cx}" x2="${cx}" y1="${y(p.low).toFixed(1)}" y2="${y(p.high).toFixed(1)}" stroke="${color}" stroke-width="2"/>`);
      parts.push(`<circle cx="${cx}" cy="${y(p.estimate).toFixed(1)}" r="3" fill="${color}"/>`);
    }
  });
  const legend = options.series.map((s, i) => `<li><span class="swatch" style="background:${colors[i % colors.length]}"></span>${esc(s.name)}</li>`).join('');
  const rows = days.map((day) => `<tr><th scope="row">${esc(day)}</th>${options.series.map((s) => {
    const p = s.points.find((q) => q.x === day);
    return `<td>${p ? `${esc(options.format(p.estimate))} (${esc(options.format(p.low))} to ${esc(options.format(p.high))})` : '–'}</td>`;
  }).join('')}</tr>`).join('');
  return `<figure class="chart">
<svg role="img" aria-labelledby="${id}-t ${id}-d" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}"><title id="${id}-t">${esc(options.title)}</title><desc id="${id}-d">${esc(options.description)}</desc>${parts.join('')}</svg>
<figcaption>${esc(options.title)}</figcaption>
<ul class="legend">${legend}</ul>
<details><summary>The figures of “${esc(options.title)}”</summary><table><caption>${esc(options.title)}: estimate (95% interval)</caption><thead><tr><th scope="col">day</th>${options.series.map((s) => `<th scope="col">${esc(s.name)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table></details>
</figure>`;
}

/** Stacked bars per day (report volumes by kind), with the same table below. */
export function stackedBars(options: { title: string; description: string; days: string[]; stacks: { name: string; values: number[] }[] }): string {
  const id = `fig-${++figureCount}`;
  if (options.days.length === 0) return `<figure><figcaption>${esc(options.title)}: no reports yet.</figcaption></figure>`;
  const totals = options.days.map((_, i) => options.stacks.reduce((n, s) => n + (s.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const slot = (W - M.left - M.right) / options.days.length;
  const bar = Math.max(2, Math.min(40, slot * 0.7));
  const y = (v: number) => M.top + (1 - v / max) * (H - M.top - M.bottom);
  const parts: string[] = [];
  for (const t of ticks(0, max).filter(Number.isInteger)) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#d0d0d0" stroke-width="1"/>`);
    parts.push(`<text x="${M.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#222">${esc(t.toLocaleString('en'))}</text>`);
  }
  options.days.forEach((day, i) => {
    let base = 0;
    const cx = M.left + slot * (i + 0.5);
    options.stacks.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      if (v > 0) parts.push(`<rect x="${(cx - bar / 2).toFixed(1)}" y="${y(base + v).toFixed(1)}" width="${bar.toFixed(1)}" height="${(y(base) - y(base + v)).toFixed(1)}" fill="${PALETTE[k % PALETTE.length]}"/>`);
      base += v;
    });
  });
  const labelled = options.days.length <= 3 ? options.days : [options.days[0]!, options.days[Math.floor(options.days.length / 2)]!, options.days.at(-1)!];
  for (const day of labelled) parts.push(`<text x="${(M.left + slot * (options.days.indexOf(day) + 0.5)).toFixed(1)}" y="${H - 12}" text-anchor="middle" font-size="11" fill="#222">${esc(day)}</text>`);
  const legend = options.stacks.map((s, k) => `<li><span class="swatch" style="background:${PALETTE[k % PALETTE.length]}"></span>${esc(s.name)}</li>`).join('');
  const rows = options.days.map((day, i) => `<tr><th scope="row">${esc(day)}</th>${options.stacks.map((s) => `<td>${(s.values[i] ?? 0).toLocaleString('en')}</td>`).join('')}<td>${totals[i]!.toLocaleString('en')}</td></tr>`).join('');
  return `<figure class="chart">
<svg role="img" aria-labelledby="${id}-t ${id}-d" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}"><title id="${id}-t">${esc(options.title)}</title><desc id="${id}-d">${esc(options.description)}</desc>${parts.join('')}</svg>
<figcaption>${esc(options.title)}</figcaption>
<ul class="legend">${legend}</ul>
<details><summary>The figures of “${esc(options.title)}”</summary><table><caption>${esc(options.title)}</caption><thead><tr><th scope="col">day</th>${options.stacks.map((s) => `<th scope="col">${esc(s.name)}</th>`).join('')}<th scope="col">all</th></tr></thead><tbody>${rows}</tbody></table></details>
</figure>`;
}
