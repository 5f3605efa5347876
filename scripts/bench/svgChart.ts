import type { TurnSummary } from "./summarise.js";

const width = 760;
const height = 420;
const margin = { left: 64, right: 210, top: 40, bottom: 48 };
const colors: Record<string, string> = { node: "#1f77b4", cli: "#d62728", "llama-server": "#2ca02c" };

/**
 * Time to first token against turn number, one line per backend and mode (chat_id dashed), as a
 * self-contained SVG: no fonts, scripts or dependencies, so it renders the same in a README and a browser.
 */
export function renderTtftChart(turns: readonly TurnSummary[], title: string, label: (id: string) => string): string {
  const series = [...new Set(turns.map((turn) => `${turn.backend}|${turn.mode}`))].map((key) => {
    const [backend, mode] = key.split("|") as [string, string];
    const points = turns
      .filter((turn) => turn.backend === backend && turn.mode === mode && turn.ttftMs !== undefined)
      .sort((a, b) => a.turn - b.turn)
      .map((turn) => ({ x: turn.turn, y: turn.ttftMs! }));
    const name = backend === "llama-server" ? label(backend) : `${label(backend)}, ${mode}`;
    return { backend, mode, name, points };
  });
  const maxTurn = Math.max(2, ...series.flatMap((line) => line.points.map((point) => point.x)));
  const yTicks = niceTicks(Math.max(1, ...series.flatMap((line) => line.points.map((point) => point.y))));
  const yMax = yTicks.at(-1)!;
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const px = (x: number) => margin.left + ((x - 1) / (maxTurn - 1)) * plotW;
  const py = (y: number) => margin.top + plotH - (y / yMax) * plotH;
  const f = (value: number) => value.toFixed(1);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${margin.left}" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (const tick of yTicks) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${f(py(tick))}" y2="${f(py(tick))}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${f(py(tick) + 4)}" text-anchor="end">${tick}</text>`);
  }
  for (let turn = 1; turn <= maxTurn; turn++) {
    parts.push(`<text x="${f(px(turn))}" y="${margin.top + plotH + 18}" text-anchor="middle">${turn}</text>`);
  }
  parts.push(
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#333"/>`,
    `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="#333"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle">turn</text>`,
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">time to first token (ms)</text>`,
  );
  series.forEach((line, index) => {
    const color = colors[line.backend] ?? "#555";
    const dash = line.mode === "chat_id" ? ` stroke-dasharray="6 4"` : "";
    const path = line.points.map((point) => `${f(px(point.x))},${f(py(point.y))}`).join(" ");
    parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    for (const point of line.points) parts.push(`<circle cx="${f(px(point.x))}" cy="${f(py(point.y))}" r="3" fill="${color}"/>`);
    const legendY = margin.top + 10 + index * 20;
    const legendX = margin.left + plotW + 16;
    parts.push(`<line x1="${legendX}" x2="${legendX + 24}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${legendX + 30}" y="${legendY + 4}">${escapeXml(line.name)}</text>`);
  });
  if (series.length === 0) parts.push(`<text x="${margin.left + 20}" y="${margin.top + 30}">no data</text>`);
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/** 0 and about five round steps (1, 2 or 5 × 10^n) up to at least `max`. */
function niceTicks(max: number): number[] {
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough) ?? rough;
  const ticks: number[] = [];
  for (let tick = 0; tick < max + step; tick += step) ticks.push(Math.round(tick * 1000) / 1000);
  return ticks;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
