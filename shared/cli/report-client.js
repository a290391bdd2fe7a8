/* The report page's charts: reads the JSON in #bw-data and draws it with uPlot (inlined above).
   Plain browser JavaScript (ES5-ish), no network. */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('bw-data').textContent);
  var BAND = { critical: 'rgba(214,39,40,0.20)', warning: 'rgba(240,165,0,0.24)', info: 'rgba(31,119,180,0.16)', suppressed: 'rgba(140,140,140,0.22)' };
  var LIMIT = { critical: '#d62728', warning: '#e69500', info: '#1f77b4' };
  var ACTION = { trigger: '#c0392b', escalate: '#8e44ad', repeat: '#7f8c8d', resolve: '#2a7d2a' };

  function fmt(unit, v) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    if (unit === 'ms') return v >= 1000 ? (v / 1000).toFixed(v >= 10000 ? 0 : 1) + ' s' : Math.round(v) + ' ms';
    if (unit === '%') return (Math.abs(v) >= 10 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(2)) + '%';
    if (unit === '× normal') return v.toFixed(v >= 10 ? 0 : 1) + '×';
    if (unit === 'min silent') return Math.round(v) + ' min';
    return Math.abs(v) >= 10000 ? (v / 1000).toFixed(0) + 'k' : String(Math.round(v * 100) / 100);
  }

  function drawEpisodes(chart) {
    return function (u) {
      var ctx = u.ctx;
      var min = u.scales.x.min;
      var max = u.scales.x.max;
      ctx.save();
      chart.episodes.forEach(function (e) {
        if (e.to < min || e.from > max) return;
        var x0 = u.valToPos(Math.max(e.from, min), 'x', true);
        var x1 = u.valToPos(Math.min(e.to, max), 'x', true);
        ctx.fillStyle = e.suppressed ? BAND.suppressed : BAND[e.severity] || BAND.info;
        ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
      });
      ctx.restore();
    };
  }

  function drawNotes(chart) {
    return function (u) {
      var ctx = u.ctx;
      ctx.save();
      chart.notes.forEach(function (n) {
        if (n.t < u.scales.x.min || n.t > u.scales.x.max) return;
        var x = Math.round(u.valToPos(n.t, 'x', true));
        ctx.strokeStyle = ACTION[n.action] || '#555';
        ctx.fillStyle = ctx.strokeStyle;
        ctx.lineWidth = 1;
        ctx.setLineDash([2, 3]);
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.beginPath();
        ctx.moveTo(x - 5, u.bbox.top);
        ctx.lineTo(x + 5, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + 8);
        ctx.closePath();
        ctx.fill();
      });
      ctx.restore();
    };
  }

  /** The normal band: from the learned baseline up to the first tier's limit, drawn behind the lines. */
  function drawBand(upper, lower) {
    return function (u) {
      var xs = u.data[0];
      var hi = u.data[upper];
      var lo = u.data[lower];
      var ctx = u.ctx;
      ctx.save();
      ctx.beginPath();
      ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
      ctx.clip();
      ctx.fillStyle = 'rgba(42,157,143,0.12)';
      var i = 0;
      while (i < xs.length) {
        while (i < xs.length && (hi[i] === null || lo[i] === null)) i++;
        var start = i;
        while (i < xs.length && hi[i] !== null && lo[i] !== null) i++;
        if (i - start < 2) continue;
        ctx.beginPath();
        for (var j = start; j < i; j++) ctx.lineTo(u.valToPos(xs[j], 'x', true), u.valToPos(hi[j], 'y', true));
        for (var k = i - 1; k >= start; k--) ctx.lineTo(u.valToPos(xs[k], 'x', true), u.valToPos(lo[k], 'y', true));
        ctx.closePath();
        ctx.fill();
      }
      ctx.restore();
    };
  }

  // Times are UTC everywhere in bedrock-watch, charts included, on a 24-hour clock.
  var utc = function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); };
  var fmtDate = function (tpl) { return uPlot.fmtDate(tpl.replace('{h}:{mm}{aa}', '{HH}:{mm}').replace('{h}{aa}', '{HH}:00').replace('{aa}', '')); };

  // A chart whose value has no point in the range shown says so, instead of an empty frame.
  function drawNoData(c) {
    var vi = -1;
    c.series.forEach(function (s, i) { if (s.role === 'value' && vi < 0) vi = i; });
    return function (u) {
      var min = u.scales.x.min;
      var max = u.scales.x.max;
      var values = vi < 0 ? [] : c.series[vi].values;
      for (var i = 0; i < c.x.length; i++) {
        if (values[i] !== null && values[i] !== undefined && c.x[i] >= min && c.x[i] <= max) {
          u.root.removeAttribute('data-no-data');
          return;
        }
      }
      var ctx = u.ctx;
      ctx.save();
      ctx.fillStyle = '#777';
      ctx.font = Math.round(13 * devicePixelRatio) + 'px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.fillText('no data in this range', u.bbox.left + u.bbox.width / 2, u.bbox.top + u.bbox.height / 2);
      ctx.restore();
      u.root.setAttribute('data-no-data', 'true');
    };
  }

  data.models.forEach(function (m, mi) {
    var section = document.querySelector('section.model[data-index="' + mi + '"]');
    var host = section.querySelector('.charts');
    var plots = [];
    var syncing = false;
    var width = Math.max(600, (host.clientWidth || 1000) - 4);
    m.charts.forEach(function (c) {
      var div = document.createElement('div');
      div.className = 'chart';
      host.appendChild(div);
      var series = [{ label: 'UTC', value: function (u, v) { return v === null ? '–' : new Date(v * 1000).toISOString().slice(5, 16).replace('T', ' ') + 'Z'; } }];
      var baselineIdx = -1;
      var firstLimitIdx = -1;
      c.series.forEach(function (s, i) {
        var opt = { label: s.label, spanGaps: false, points: { show: false }, value: function (u, v) { return fmt(c.unit, v); } };
        if (s.role === 'value') { opt.stroke = '#222'; opt.width = 1.25; }
        if (s.role === 'limit') { opt.stroke = LIMIT[s.tier] || '#999'; opt.width = 1; opt.dash = [6, 4]; if (firstLimitIdx < 0) firstLimitIdx = i + 1; }
        if (s.role === 'baseline') { opt.stroke = '#2a9d8f'; opt.width = 1; baselineIdx = i + 1; }
        series.push(opt);
      });
      var opts = {
        title: c.title,
        width: width,
        height: 170,
        scales: { x: { time: true } },
        tzDate: utc,
        fmtDate: fmtDate,
        series: series,
        axes: [{}, { size: 64, values: function (u, vals) { return vals.map(function (v) { return fmt(c.unit, v); }); } }],
        cursor: { sync: { key: 'model-' + mi } },
        hooks: {
          drawClear: [drawEpisodes(c)],
          draw: [drawNotes(c), drawNoData(c)],
          setScale: [function (u, key) {
            if (key !== 'x' || syncing) return;
            syncing = true;
            plots.forEach(function (p) { if (p !== u) p.setScale('x', { min: u.scales.x.min, max: u.scales.x.max }); });
            syncing = false;
          }],
        },
      };
      if (baselineIdx > 0 && firstLimitIdx > 0) opts.hooks.drawClear.push(drawBand(firstLimitIdx, baselineIdx));
      var plot = new uPlot(opts, [c.x].concat(c.series.map(function (s) { return s.values; })), div);
      plot.root.setAttribute('data-chart', c.title);
      plots.push(plot);
    });
    var lo = Infinity;
    var hi = -Infinity;
    m.charts.forEach(function (c) { if (c.x.length) { lo = Math.min(lo, c.x[0]); hi = Math.max(hi, c.x[c.x.length - 1]); } });
    function show(range) { if (plots.length) plots[0].setScale('x', { min: range[0], max: range[1] }); }
    var zoomBtn = section.querySelector('button.zoom');
    var allBtn = section.querySelector('button.all');
    if (zoomBtn) { if (m.zoom) zoomBtn.onclick = function () { show(m.zoom); }; else zoomBtn.disabled = true; }
    if (allBtn) allBtn.onclick = function () { show([lo, hi]); };
    if (m.zoom) show(m.zoom);
  });
  document.body.setAttribute('data-charts-ready', String(document.querySelectorAll('.uplot').length));
})();
