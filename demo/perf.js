// The performance panel's histogram of recommend() latency: buckets on a log scale, drawn as SVG bars.
const EDGES = [1, 2, 5, 10, 20, 50, 100, Infinity];
const LABELS = ['<1', '1–2', '2–5', '5–10', '10–20', '20–50', '50–100', '100+'];

export function histogram(svg, latencies) {
  const counts = EDGES.map(() => 0);
  for (const ms of latencies) counts[EDGES.findIndex((edge) => ms < edge)]++;
  const max = Math.max(1, ...counts);
  const ns = 'http://www.w3.org/2000/svg';
  const nodes = counts.flatMap((n, i) => {
    const h = Math.round((n / max) * 56);
    const bar = document.createElementNS(ns, 'rect');
    Object.entries({ x: i * 26 + 2, y: 60 - h, width: 22, height: h, fill: '#1a5d1a' }).forEach(([k, v]) => bar.setAttribute(k, String(v)));
    const label = document.createElementNS(ns, 'text');
    Object.entries({ x: i * 26 + 13, y: 74, 'font-size': 8, 'text-anchor': 'middle' }).forEach(([k, v]) => label.setAttribute(k, String(v)));
    label.textContent = LABELS[i];
    return [bar, label];
  });
  svg.replaceChildren(...nodes);
  svg.setAttribute('aria-label', `Histogram of recommend() latency in ms: ${LABELS.map((l, i) => `${l}: ${counts[i]}`).join(', ')}`);
}
