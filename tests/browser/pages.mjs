// Every page of the app, for the layout/contrast checks and the screenshot set.
import { api } from "./harness.mjs";

/** [name, path] for every page, found on the running demo server. */
export async function everyPage(app) {
  const creatives = await api(app, "GET", "/creatives?page_size=1&slim=true");
  const first = creatives.items[0];
  const offers = await api(app, "GET", "/api/campaigns");
  const imports = await api(app, "GET", "/api/performance/imports");
  const campaigns = await api(app, "GET", "/campaigns?period=30d");
  const pages = [
    ["welcome", "/app/welcome"],
    ["waste", "/app/waste"],
    ["waste-30", "/app/waste?days=30"],
    ["campaigns", "/app/campaigns?period=30d"],
    ["campaigns-table", "/app/campaigns?period=30d&view=table"],
    ["campaign", `/app/campaigns/${campaigns[0].id}?period=30d`],
    ["opportunities", "/app/opportunities"],
    ["geography", "/app/geography"],
    ["queries", "/app/queries?q=find%20formats%20sort%20by%20ctr%5Bweekend%5D%20desc"],
    ["alerts", "/app/alerts"],
    ["seats", "/app/seats"],
    ["pretargeting", "/app/pretargeting"],
    ["experiments", "/app/experiments"],
    ["query-error", "/app/queries?q=find%20campaigns%20where%20cpc%5Bdevice%3Dphone%5D%20%3E%201"],
    ["creatives", "/app/creatives"],
    ["creatives-table", "/app/creatives?view=table"],
    ["creative-detail", `/app/seats/${encodeURIComponent(first.seat_id)}/creatives/${encodeURIComponent(first.creative_id)}`],
    ["import", "/app/import"],
    ["offers", "/app/offers"],
    ["offer-new", "/app/offers/new"],
    ["offer-edit", `/app/offers/${offers[0].id}`],
    ["properties", "/app/properties"],
    ["property", "/app/properties/mff"],
    ["playground", "/app/properties/mff/playground?placement=timed"],
    ["analytics", "/app/popups/analytics"],
    ["analytics-weeks", "/app/popups/analytics?property=mff&period=week"],
    ["reports", "/app/popups/reports"],
    ["users", "/app/users"],
    ["tokens", "/app/tokens"],
    ["audit", "/app/audit"],
    ["settings", "/app/settings"],
    ["bad-filter", "/app/creatives?geo=Atlantis"],
    ["not-found", "/app/no-such-page"],
  ];
  if (imports.length) pages.push(["import-report", `/app/import/${imports[0].id}`]);
  return pages;
}

/**
 * Every visible text's contrast against the colour behind it (WCAG 2 formula), computed
 * in the page. Returns the failures below `minimum`. The popup preview is skipped: it shows
 * the publisher's own brand colours, which they choose.
 */
export function contrastFailures(minimum) {
  function parse(color) {
    const m = color.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function luminance([r, g, b]) {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function blend(top, bottom) {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1);
  }
  function background(el) {
    const layers = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const style = getComputedStyle(n);
      if (style.backgroundImage !== "none" && !n.matches("body, html")) return null; // gradients: not measurable
      const c = parse(style.backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] === 1) break; }
    }
    let color = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) color = blend(layers[i], color);
    return color;
  }
  const failures = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (!el || seen.has(el)) continue;
    seen.add(el);
    if (el.closest(".popup-preview, svg, [hidden], option, script, style, .visually-hidden, .thumb, iframe")) continue;
    const rect = el.getBoundingClientRect();
    if (!rect.width || !rect.height) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || Number(style.opacity) === 0) continue;
    const bg = background(el);
    if (!bg) continue;
    const fg = blend(parse(style.color), bg);
    const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    if (ratio < minimum) failures.push(`${ratio.toFixed(2)} "${node.textContent.trim().slice(0, 40)}" (${el.tagName.toLowerCase()}.${el.className})`);
  }
  return failures;
}
