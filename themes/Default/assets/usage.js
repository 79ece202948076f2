// Usage graphs (uPlot) for the [data-usage] section: one chart per group of series, each an average line with a
// min–max band, in the theme's colours and told apart without colour too (dashes and labels). The range buttons load
// the series again; the traffic table (when the section has data-traffic) lists each month's bytes.
(function () {
  "use strict";
  const section = document.querySelector("[data-usage]");
  if (!section || !window.uPlot) { return; }

  const status = section.querySelector("[data-usage-status]");
  const charts = section.querySelector("[data-usage-charts]");
  const css = getComputedStyle(document.documentElement);
  const colour = (name, fallback) => (css.getPropertyValue(name) || fallback).trim();
  const palette = [colour("--brand", "#1f6feb"), colour("--accent", "#0f9d8a")];
  const dashes = [[], [6, 4]];

  // Figures and times in the page's language (1,5 GiB and 14:00 on a German page).
  const lang = document.documentElement.lang || "en";
  const fixed = digits => new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const one = fixed(1), two = fixed(2), none = fixed(0);
  const moment = new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const ticksOf = step => new Intl.DateTimeFormat(lang, step < 86400 ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
    : step < 86400 * 28 ? { day: "numeric", month: "short" } : { month: "short", year: "numeric" });

  const groups = [
    { key: "CPU", title: vcoreText("CPU"), series: [["cpu", vcoreText("CPU")]], format: v => one.format(v) + " %", max: 100 },
    { key: "Memory", title: vcoreText("Memory"), series: [["memory", vcoreText("Used")], ["memory-total", vcoreText("Total")]], format: bytes },
    { key: "Disk", title: vcoreText("Disk"), series: [["disk-read", vcoreText("Read")], ["disk-write", vcoreText("Write")]], format: v => bytes(v) + "/s" },
    { key: "Disk operations", title: vcoreText("Disk operations"), series: [["disk-reads", vcoreText("Reads")], ["disk-writes", vcoreText("Writes")]], format: v => one.format(v) + "/s" },
    { key: "Network", title: vcoreText("Network"), series: [["net-in", vcoreText("In")], ["net-out", vcoreText("Out")]], format: v => bytes(v) + "/s" },
    { key: "Load", title: vcoreText("Load"), series: [["load", vcoreText("Load (1 min)")]], format: v => two.format(v) },
  ];

  function bytes(v) {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 || Math.abs(v) >= 100 ? none.format(v) : one.format(v)) + " " + units[i];
  }

  // A value with no neighbour draws no line: it is shown as a dot instead (a vServer that ran for a moment).
  function isolated(u, seriesIdx) {
    const values = u.data[seriesIdx];
    const dots = [];
    for (let i = 0; i < values.length; i++) {
      if (values[i] != null && values[i - 1] == null && values[i + 1] == null) { dots.push(i); }
    }
    return dots;
  }

  function draw(view) {
    charts.replaceChildren();
    const width = Math.max(280, charts.clientWidth);
    const byName = new Map(view.series.map(s => [s.name, s]));
    let drawn = 0;
    for (const group of groups) {
      const present = group.series.filter(([name]) => byName.has(name));
      if (present.length === 0) { continue; }
      const data = [view.times];
      const series = [{ label: vcoreText("Time"), value: (u, v) => v == null ? "–" : moment.format(new Date(v * 1000)) }];
      const bands = [];
      const hidden = [];
      present.forEach(([name, label], i) => {
        const s = byName.get(name);
        const stroke = palette[i % palette.length];
        const avgIndex = data.length;
        data.push(s.avg, s.max, s.min);
        // The legend shows the average with the bucket's range beside it; the band's own series stay out of it.
        const value = (u, v, si, idx) => {
          if (v == null || idx == null) { return "–"; }
          const max = u.data[si + 1][idx];
          const min = u.data[si + 2][idx];
          return group.format(v) + (min != null && max != null && min !== max ? " (" + group.format(min) + " – " + group.format(max) + ")" : "");
        };
        series.push({ label: label, stroke: stroke, dash: dashes[i % dashes.length], width: 1.5, spanGaps: false, value: value, points: { show: true, size: 4, fill: stroke, filter: isolated } });
        series.push({ label: label + " max", stroke: "transparent", points: { show: false } });
        series.push({ label: label + " min", stroke: "transparent", points: { show: false } });
        hidden.push(avgIndex + 1, avgIndex + 2);
        bands.push({ series: [avgIndex + 1, avgIndex + 2], fill: stroke + "33" });
      });
      const figure = document.createElement("figure");
      figure.className = "usage-chart";
      figure.dataset.group = group.key;
      const caption = document.createElement("figcaption");
      caption.textContent = group.title;
      figure.append(caption);
      charts.append(figure);
      const chart = new window.uPlot({
        width: width,
        height: 180,
        series: series,
        bands: bands,
        scales: { x: { time: true }, y: group.max ? { range: [0, group.max] } : { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [
          { values: (u, ticks) => { const f = ticksOf(ticks.length > 1 ? ticks[1] - ticks[0] : 3600); return ticks.map(t => f.format(new Date(t * 1000))); } },
          { values: (u, ticks) => ticks.map(group.format), size: 90 },
        ],
        legend: { live: true },
      }, data, figure);
      const rows = chart.root.querySelectorAll(".u-legend .u-series");
      hidden.forEach(index => { if (rows[index]) { rows[index].style.display = "none"; } });
      drawn++;
    }

    const measured = view.series.some(s => s.avg.some(v => v != null));
    status.textContent = !measured
      ? (section.dataset.empty || vcoreText("Nothing measured in this range yet."))
      : view.simulated ? vcoreText("Simulated figures: this rack server is simulated, its usage is made up.") : "";
    status.hidden = measured && !view.simulated;
    return drawn;
  }

  let current = null;
  function load(range) {
    section.querySelectorAll("[data-range]").forEach(b => b.setAttribute("aria-pressed", String(b.dataset.range === range)));
    status.hidden = false;
    status.textContent = vcoreText("Loading usage…");
    fetch(section.dataset.usage + "?range=" + encodeURIComponent(range), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(r => r.ok ? r.json() : Promise.reject(new Error(r.status === 404 ? vcoreText("No usage is known here.") : vcoreText("Usage could not be loaded ({0}).", r.status))))
      .then(view => { current = view; draw(view); section.dataset.loadedRange = range; })
      .catch(e => { status.textContent = e.message; });
  }

  section.querySelectorAll("[data-range]").forEach(b => b.addEventListener("click", () => load(b.dataset.range)));
  let resizing = 0;
  window.addEventListener("resize", () => { clearTimeout(resizing); resizing = setTimeout(() => current && draw(current), 200); });
  load("day");

  const table = section.querySelector("[data-traffic-table] tbody");
  if (table && section.dataset.traffic) {
    fetch(section.dataset.traffic, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(r => r.ok ? r.json() : [])
      .then(months => {
        if (months.length === 0) { return; }
        table.replaceChildren(...months.map(m => {
          const row = document.createElement("tr");
          [m.month, bytes(m.inBytes), bytes(m.outBytes), bytes(m.inBytes + m.outBytes)].forEach((text, i) => {
            const cell = document.createElement(i === 0 ? "th" : "td");
            if (i === 0) { cell.scope = "row"; } else { cell.className = "num"; }
            cell.textContent = text;
            row.append(cell);
          });
          return row;
        }));
      });
  }
})();
