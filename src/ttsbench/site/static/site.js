/* ttsbench site: data scripts call ttsbench.commits/points/manifest; pages render on load.
   No fetch and no network: everything arrives by <script> tags, so file:// works offline. */
"use strict";
var ttsbench = (function () {
  var store = { commits: [], points: {}, manifest: null };
  var COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#17becf"];
  var SI_UNITS = { seconds: "s", bytes: "B" };

  function commits(start, rows) {
    for (var i = 0; i < rows.length; i++) store.commits[start + i] = rows[i];
  }
  function points(benchmark, group, k, bySeries) {
    var key = benchmark + "\u0000" + group;
    var series = store.points[key] || (store.points[key] = {});
    Object.keys(bySeries).forEach(function (name) {
      var cols = bySeries[name];
      var s = series[name] || (series[name] = { x: [], y: [], lo: [], hi: [], chunks: {} });
      if (s.chunks[k]) return;
      s.chunks[k] = true;
      for (var i = 0; i < cols[0].length; i++) {
        s.x.push(cols[0][i]); s.y.push(cols[1][i]); s.lo.push(cols[2][i]); s.hi.push(cols[3][i]);
      }
    });
  }
  function manifest(m) { store.manifest = m; }

  function commitAt(pos) { return store.commits[pos] || ["?", "", "", ""]; }
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function formatValue(v, unit) {
    if (v === null || v === undefined || !isFinite(v)) return "n/a";
    var scales = unit === "seconds" ? [[1, "s"], [1e-3, "ms"], [1e-6, "µs"], [1e-9, "ns"]]
      : unit === "bytes" ? [[1e9, "GB"], [1e6, "MB"], [1e3, "kB"], [1, "B"]] : null;
    if (!scales) return Number(v).toPrecision(4) + (unit ? " " + unit : "");
    for (var i = 0; i < scales.length; i++) {
      if (Math.abs(v) >= scales[i][0] || i === scales.length - 1) return (v / scales[i][0]).toPrecision(4) + " " + scales[i][1];
    }
  }
  function percent(ratio) {
    if (!isFinite(ratio)) return "";
    var p = (ratio - 1) * 100;
    return (p >= 0 ? "+" : "") + p.toFixed(1) + " %";
  }
  function commitUrl(root, remote, hash) {
    return remote ? remote + "/commit/" + hash : root + "commit.html#" + hash;
  }
  function sortedSeries(s) {  // chunks may arrive in any order
    var idx = s.x.map(function (_, i) { return i; }).sort(function (a, b) { return s.x[a] - s.x[b]; });
    ["x", "y", "lo", "hi"].forEach(function (f) { var c = s[f]; s[f] = idx.map(function (i) { return c[i]; }); });
    return s;
  }

  function benchmarkPage() {
    var spec = JSON.parse(document.getElementById("spec").textContent);
    var root = document.body.dataset.root;
    spec.groups.forEach(function (group) {
      var data = store.points[spec.benchmark + "\u0000" + group.id] || {};
      var changes = spec.changes.filter(function (c) { return c.group === group.id; });
      drawGroup(root, spec, group, data, changes);
    });
  }

  function drawGroup(root, spec, group, data, changes) {
    var traces = [], lines = [], all = [];
    group.series.forEach(function (series, i) {
      var s = data[series.key];
      if (!s) return;
      sortedSeries(s);
      var colour = COLOURS[i % COLOURS.length];
      var meta = s.x.map(function (pos) { var c = commitAt(pos); return [c[0].slice(0, 10), c[1], c[2], c[3]]; });
      if (s.hi.some(function (v) { return v !== null; })) {
        traces.push({ x: s.x, y: s.hi, mode: "lines", line: { width: 0 }, hoverinfo: "skip",
                      showlegend: false, legendgroup: series.key, connectgaps: true });
        traces.push({ x: s.x, y: s.lo, mode: "lines", line: { width: 0 }, fill: "tonexty",
                      fillcolor: colour + "33", hoverinfo: "skip", showlegend: false,
                      legendgroup: series.key, connectgaps: true });
      }
      traces.push({ x: s.x, y: s.y, customdata: meta, mode: "lines+markers", name: series.label,
                    legendgroup: series.key, line: { color: colour, width: 1.5 }, marker: { size: 4 },
                    hovertemplate: "<b>%{customdata[0]}</b> · %{customdata[1]}<br>%{customdata[2]}" +
                      "<br>%{customdata[3]}<br><b>%{y:.4s}" + (SI_UNITS[group.unit] || " " + group.unit) +
                      "</b><extra>%{fullData.name}</extra>" });
      lines.push({ label: series.label, key: series.key, s: s });
      all = all.concat(s.y.filter(function (v) { return v > 0; }));
    });
    traces = traces.concat(changeTraces(group, data, changes));
    var spread = all.length ? Math.max.apply(null, all) / Math.min.apply(null, all) : 1;
    var layout = {
      margin: { l: 70, r: 20, t: 30, b: 45 }, height: 420, hovermode: "closest",
      xaxis: { title: { text: "commit (oldest to newest)" }, zeroline: false },
      yaxis: { title: { text: group.unit }, type: spread > 20 ? "log" : "linear",
               tickformat: SI_UNITS[group.unit] ? "~s" : "", ticksuffix: SI_UNITS[group.unit] || "" },
      legend: { orientation: "h", y: -0.18 },
      updatemenus: [{ type: "buttons", direction: "right", x: 0, y: 1.12, xanchor: "left", showactive: true,
                      active: spread > 20 ? 0 : 1, buttons: [
        { label: "log", method: "relayout", args: [{ "yaxis.type": "log" }] },
        { label: "linear", method: "relayout", args: [{ "yaxis.type": "linear" }] }] }]
    };
    var div = document.getElementById("graph-" + group.id);
    Plotly.newPlot(div, traces, layout, { responsive: true, displaylogo: false });
    div.on("plotly_click", function (event) {
      var hash = commitAt(event.points[0].x)[0];
      if (hash && hash !== "?") window.location.href = commitUrl(root, spec.remote, hash);
    });
    var table = document.getElementById("latest-" + group.id);
    var refresh = function () { latestTable(table, group, lines, changes, div.layout.xaxis.range); };
    refresh();
    div.on("plotly_relayout", refresh);
  }

  function changeTraces(group, data, changes) {
    var kinds = [["regression", false, "triangle-up", "#c62828"], ["improvement", false, "triangle-down", "#2e7d32"],
                 ["regression", true, "triangle-up-open", "#ef6c00"], ["improvement", true, "triangle-down-open", "#558b2f"]];
    return kinds.map(function (kind) {
      var chosen = changes.filter(function (c) {
        return c.kind === kind[0] && (c.detection === "tentative") === kind[1] && c.detection !== "refuted" && data[c.key];
      });
      var ys = chosen.map(function (c) { var s = data[c.key]; return s.y[s.x.indexOf(c.pos)]; });
      return { x: chosen.map(function (c) { return c.pos; }), y: ys, mode: "markers",
               name: (kind[1] ? "tentative " : "") + kind[0],
               customdata: chosen.map(function (c) { var m = commitAt(c.pos);
                 return [c.commit.slice(0, 10), c.key || "(no parameters)", percent(c.ratio), m[3], c.severity]; }),
               marker: { symbol: kind[2], size: 13, color: kind[3], line: { color: "#000", width: 0.5 } },
               hovertemplate: "<b>" + (kind[1] ? "tentative " : "") + kind[0] + " %{customdata[2]}</b> (%{customdata[4]})" +
                 "<br>%{customdata[1]}<br><b>%{customdata[0]}</b> %{customdata[3]}<extra></extra>",
               visible: chosen.length ? true : "legendonly", showlegend: chosen.length > 0 };
    });
  }

  function latestTable(table, group, lines, changes, range) {
    var lo = range ? range[0] : -Infinity, hi = range ? range[1] : Infinity;
    var html = "<thead><tr><th>Parameters</th><th>Latest value</th><th>Commit</th><th>vs previous commit</th>" +
      "<th>vs oldest shown</th><th>Open changes</th></tr></thead><tbody>";
    lines.forEach(function (line) {
      var s = line.s, n = s.x.length;
      if (!n) return;
      var first = 0;
      while (first < n - 1 && s.x[first] < lo) first++;
      var open = changes.filter(function (c) { return c.key === line.key && (c.status === "open" || c.detection === "tentative"); });
      html += "<tr><td>" + escapeHtml(line.label) + "</td><td class=num>" + formatValue(s.y[n - 1], group.unit) +
        "</td><td class=hash>" + escapeHtml(commitAt(s.x[n - 1])[0].slice(0, 8)) + "</td><td class=num>" +
        (n > 1 ? percent(s.y[n - 1] / s.y[n - 2]) : "") + "</td><td class=num>" + percent(s.y[n - 1] / s.y[first]) +
        " <small>(" + escapeHtml(commitAt(s.x[first])[0].slice(0, 8)) + ")</small></td><td>" +
        open.map(function (c) { return escapeHtml(c.kind + " " + percent(c.ratio) + " at " + c.commit.slice(0, 8) +
          (c.detection ? " (" + c.detection + ")" : "")); }).join("<br>") + "</td></tr>";
    });
    table.innerHTML = html + "</tbody>";
  }

  function commitPage() {
    var m = store.manifest, root = document.body.dataset.root;
    var wanted = window.location.hash.slice(1);
    var pos = -1;
    for (var i = store.commits.length - 1; i >= 0 && wanted; i--) {
      if (store.commits[i] && store.commits[i][0].indexOf(wanted) === 0) { pos = i; break; }
    }
    if (pos < 0) return commitList(root);
    var head = document.getElementById("commit-head"), c = commitAt(pos), parent = commitAt(pos - 1);
    document.getElementById("commit-title").textContent = "Commit " + c[0].slice(0, 10);
    head.innerHTML = "<p><b>" + escapeHtml(c[3]) + "</b><br>" + escapeHtml(c[2]) + " · " + escapeHtml(c[1]) +
      " · <span class=hash>" + escapeHtml(c[0]) + "</span>" + (m.remote ? " · <a href=\"" +
      escapeHtml(m.remote + "/commit/" + c[0]) + "\">on the forge</a>" : "") + "</p><p>Against " +
      (pos > 0 ? "<a href=\"#" + parent[0] + "\">" + parent[0].slice(0, 10) + "</a> (previous in history)" : "nothing (oldest commit)") +
      (store.commits[pos + 1] ? " · next: <a href=\"#" + store.commits[pos + 1][0] + "\">" + store.commits[pos + 1][0].slice(0, 10) + "</a>" : "") + "</p>";
    var chunks = [Math.floor(pos / m.chunk)];
    if (pos > 0 && Math.floor((pos - 1) / m.chunk) !== chunks[0]) chunks.push(chunks[0] - 1);
    var scripts = [];  // g[2]: the file that holds each chunk (a tail file serves several groups)
    m.groups.forEach(function (g) {
      chunks.forEach(function (k) {
        var file = g[2][k];
        if (file && scripts.indexOf(root + file) < 0) scripts.push(root + file);
      });
    });
    loadScripts(scripts, function () { commitTable(root, m, pos, c[0]); });
  }

  function loadScripts(sources, done) {
    var left = sources.length;
    if (!left) return done();
    sources.forEach(function (src) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.onload = tag.onerror = function () { if (--left === 0) done(); };
      document.body.appendChild(tag);
    });
  }

  function commitTable(root, m, pos, hash) {
    var rows = [];
    m.groups.forEach(function (g) {
      var data = store.points[g[0] + "\u0000" + g[3]] || {};
      Object.keys(data).forEach(function (key) {
        var s = data[key], at = s.x.indexOf(pos), before = s.x.indexOf(pos - 1);
        if (at < 0) return;
        var change = m.changes.filter(function (c) { return c[0] === g[0] && c[1] === g[3] && c[2] === key && c[3] === hash; })[0];
        rows.push({ g: g, key: key, value: s.y[at], parent: before >= 0 ? s.y[before] : null,
                    ratio: before >= 0 ? s.y[at] / s.y[before] : NaN, change: change });
      });
    });
    rows.sort(function (a, b) {
      return (b.change ? 1 : 0) - (a.change ? 1 : 0) || Math.abs(Math.log(b.ratio) || 0) - Math.abs(Math.log(a.ratio) || 0);
    });
    var html = "<thead><tr><th>Benchmark</th><th>Parameters</th><th>Machine / env</th><th>Parent</th><th>This commit</th>" +
      "<th>Change</th><th>Detected</th></tr></thead><tbody>";
    rows.forEach(function (r) {
      html += "<tr data-benchmark=\"" + escapeHtml(r.g[0]) + "\" class=\"" + (r.change ? escapeHtml(r.change[4]) : "") +
        "\"><td><a href=\"" + escapeHtml(root + r.g[1]) + "\">" + escapeHtml(r.g[0]) + "</a></td><td>" + escapeHtml(r.key) +
        "</td><td>" + escapeHtml(r.g[4]) + "<br><small>" + escapeHtml(r.g[5]) + "</small></td><td class=num>" +
        formatValue(r.parent, r.g[6]) + "</td><td class=num>" + formatValue(r.value, r.g[6]) + "</td><td class=num>" +
        percent(r.ratio) + "</td><td>" + (r.change ? escapeHtml(r.change[4] + (r.change[5] ? " (" + r.change[5] + ")" : "")) : "") + "</td></tr>";
    });
    document.getElementById("commit-table").innerHTML = html + "</tbody>";
    document.getElementById("commit-summary").textContent = rows.length + " series measured at this commit; " +
      "detected changes first, then by size of the change.";
    applyFilter();
  }

  function commitList(root) {
    var html = "<thead><tr><th>Commit</th><th>Date</th><th>Author</th><th>Subject</th></tr></thead><tbody>";
    for (var i = store.commits.length - 1; i >= 0; i--) {
      var c = store.commits[i];
      if (!c) continue;
      html += "<tr><td class=hash><a href=\"#" + c[0] + "\">" + c[0].slice(0, 10) + "</a></td><td>" + escapeHtml(c[1]) +
        "</td><td>" + escapeHtml(c[2]) + "</td><td>" + escapeHtml(c[3]) + "</td></tr>";
    }
    document.getElementById("commit-table").innerHTML = html + "</tbody>";
  }

  function applyFilter() {
    var box = document.getElementById("filter");
    if (!box) return;
    var text = box.value.trim().toLowerCase();
    document.querySelectorAll("[data-benchmark]").forEach(function (el) {
      el.style.display = !text || el.dataset.benchmark.toLowerCase().indexOf(text) >= 0 ? "" : "none";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("filter");
    if (box) box.addEventListener("input", applyFilter);
    var page = document.body.dataset.page;
    if (page === "benchmark") benchmarkPage();
    if (page === "commit") {
      commitPage();
      window.addEventListener("hashchange", function () { window.location.reload(); });
    }
  });

  return { commits: commits, points: points, manifest: manifest, store: store };
})();
