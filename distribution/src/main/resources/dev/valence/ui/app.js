// valence ui: the dispatch list and one dispatch's graph, pushed by this server as server-sent events
// (EventSource; polling the JSON API only where a stream cannot be had).
'use strict';
(function () {
  const TOKEN = document.querySelector('meta[name="valence-token"]').content;
  const POLL_MS = 1000;
  const TIMELINE_ROWS = 300;
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s == null ? '' : s).replace(/[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  const api = (path) => fetch('/api/' + path, { cache: 'no-store' }).then((r) => {
    if (!r.ok) { return r.json().catch(() => ({})).then((b) => { throw new Error(b.error || ('HTTP ' + r.status)); }); }
    return r.json();
  });
  const time = (iso) => iso ? new Date(iso).toLocaleTimeString() : '-';
  const duration = (ms) => ms < 1000 ? ms + ' ms' : ms < 120000 ? (ms / 1000).toFixed(1) + ' s'
    : Math.round(ms / 60000) + ' min';

  // ---- the list -----------------------------------------------------------------------------------
  function showList() {
    $('list-view').hidden = false;
    const status = $('filter-status');
    const name = $('filter-name');
    const params = new URLSearchParams(location.search);
    status.value = params.get('status') || '';
    name.value = params.get('name') || '';
    let listStream = null;   // the EventSource of the list with the current filters
    let listTimer = null;    // set while the list is polled instead
    const query = () => {
      const q = new URLSearchParams();
      if (status.value) q.set('status', status.value);
      if (name.value) q.set('name', name.value);
      return q.toString() ? '?' + q : '';
    };
    const poll = () => api('dispatches' + query()).then(renderList).catch(() => {});
    const load = () => {
      history.replaceState(null, '', query() ? '/' + query() : '/');
      if (listStream) listStream.close();
      if (!window.EventSource) {
        live('poll');
        poll();
        if (!listTimer) listTimer = setInterval(poll, POLL_MS * 2);
        return;
      }
      const es = new EventSource('/api/dispatches/events' + query());
      listStream = es;
      es.addEventListener('list', (e) => {
        live('stream');
        clearInterval(listTimer);
        listTimer = null;
        renderList(JSON.parse(e.data));
      });
      es.onerror = () => {
        // a refused stream (too many open) is not retried by EventSource: poll meanwhile, try again later
        if (es.readyState === EventSource.CLOSED && listStream === es) {
          live('poll');
          poll();
          if (!listTimer) listTimer = setInterval(poll, POLL_MS * 2);
          setTimeout(() => { if (listStream === es) load(); }, 10000);
        }
      };
    };
    status.addEventListener('change', load);
    name.addEventListener('input', load);
    load();
    // running dispatches' durations go on between events
    setInterval(() => {
      for (const td of document.querySelectorAll('td.running-duration')) {
        td.textContent = duration(Date.now() - Date.parse(td.dataset.started));
      }
    }, POLL_MS);
  }

  function renderList(rows) {
    $('list-empty').hidden = rows.length > 0;
    $('dispatches').tBodies[0].innerHTML = rows.map((d) =>
      '<tr class="dispatch-row" data-id="' + esc(d.id) + '"><td><a href="/dispatch/' + encodeURIComponent(d.id) + '">'
      + esc(d.id) + '</a></td><td>' + esc(d.workflow) + '</td><td><span class="status st-' + esc(d.status) + '">'
      + esc(d.status) + (d.orphaned ? ' (orphaned)' : '') + '</span></td><td>' + d.completed + '/' + d.nodes
      + '</td><td>' + esc(new Date(d.started).toLocaleString()) + '</td>'
      + (d.status === 'RUNNING' ? '<td class="running-duration" data-started="' + esc(d.started) + '">' : '<td>')
      + duration(d.duration_ms) + '</td></tr>').join('');
    for (const tr of document.querySelectorAll('tr.dispatch-row')) {
      tr.addEventListener('click', () => { location.href = '/dispatch/' + encodeURIComponent(tr.dataset.id); });
    }
  }

  // ---- one dispatch -------------------------------------------------------------------------------
  let current = null;      // the last answer
  let shape = '';          // node ids and edges drawn, to redraw only when they change
  let selected = null;     // the node in the panel
  let logTimer = null;

  let pollTimer = null;     // set while the dispatch is polled instead of streamed
  let logStream = null;    // the EventSource following the selected node's log
  let receivedAt = 0;      // when the last summary arrived (the running duration counts on from it)

  function showDispatch(id) {
    $('dispatch-view').hidden = false;
    $('cancel').addEventListener('click', () => act(id, 'cancel', 'Cancel dispatch ' + id + '? Its running nodes are stopped.'));
    $('resume').addEventListener('click', () => act(id, 'resume', 'Resume dispatch ' + id + '? Failed and unfinished nodes run again.'));
    $('follow').addEventListener('change', () => { if (selected) followLog(id, selected); });
    if (window.EventSource) stream(id); else startPolling(id);
    // the clock runs on between events: a running dispatch's duration and its running bars
    setInterval(() => {
      if (!current || current.finished) return;
      $('dispatch-progress').textContent = current.completed + '/' + current.nodes + ' nodes done · '
        + duration(current.duration_ms + Date.now() - receivedAt);
      drawTimeline(current);
    }, 1000);
  }

  // how the page is kept live (body[data-live]): 'stream' or 'poll'
  function live(how) {
    if (how === 'stream') stopPolling();
    document.body.dataset.live = how;
  }

  function startPolling(id) {
    if (pollTimer) return;
    live('poll');
    const tick = () => api('dispatches/' + encodeURIComponent(id)).then((d) => render(d, true))
      .catch((e) => { $('dispatch-error').textContent = e.message; });
    tick();
    pollTimer = setInterval(tick, POLL_MS);
  }

  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = null;
  }

  // the dispatch's event stream: the whole dispatch first, then the nodes that changed
  function stream(id) {
    const es = new EventSource('/api/dispatches/' + encodeURIComponent(id) + '/events');
    es.addEventListener('dispatch', (e) => { live('stream'); render(JSON.parse(e.data), true); });
    es.addEventListener('nodes', (e) => { live('stream'); applyNodes(JSON.parse(e.data)); });
    es.addEventListener('gone', (e) => { es.close(); $('dispatch-error').textContent = JSON.parse(e.data).error; });
    es.onerror = () => {
      // EventSource reconnects by itself after a dropped stream; a refused one (too many streams) it gives up:
      // poll meanwhile and try the stream again later
      if (es.readyState === EventSource.CLOSED) {
        startPolling(id);
        setTimeout(() => stream(id), 10000);
      }
    };
  }

  function applyNodes(ev) {
    if (!current) return;
    Object.assign(current, ev.summary);
    const changed = new Map(ev.nodes.map((n) => [n.id, n]));
    current.nodes_list = current.nodes_list.map((n) => changed.get(n.id) || n);
    render(current, changed.has(selected));
  }

  function act(id, what, question) {
    if (!confirm(question)) return;
    $('action-message').textContent = what + '…';
    fetch('/api/dispatches/' + encodeURIComponent(id) + '/' + what, { method: 'POST', headers: { 'X-Valence-Token': TOKEN } })
      .then((r) => r.json()).then((b) => { $('action-message').textContent = b.message || b.error || ''; })
      .catch((e) => { $('action-message').textContent = e.message; });
  }

  function render(d, panelChanged) {
    current = d;
    receivedAt = Date.now();
    document.title = 'Valence: ' + d.workflow + ' ' + d.id;
    $('dispatch-title').textContent = d.workflow + ' · ' + d.id;
    const st = $('dispatch-status');
    st.textContent = d.status + (d.orphaned ? ' (orphaned)' : '');
    st.className = 'status st-' + d.status;
    $('dispatch-progress').textContent = d.completed + '/' + d.nodes + ' nodes done · ' + duration(d.duration_ms);
    $('dispatch-error').textContent = d.error || '';
    $('cancel').disabled = d.status !== 'RUNNING' && d.status !== 'NEW';
    $('resume').disabled = d.status === 'COMPLETED' || (d.status === 'RUNNING' && !d.orphaned);
    const nowShape = d.nodes_list.map((n) => n.id).join('\n') + '|' + d.edges.length;
    if (nowShape !== shape) {
      drawGraph(d);
      shape = nowShape;
    } else {
      updateGraph(d);
    }
    drawTimeline(d);
    if (selected && panelChanged) loadNode(d.id, selected, false);
    if (!document.body.dataset.rendered) {
      // after the frame holding the graph was painted: time to first render, from navigation start
      requestAnimationFrame(() => requestAnimationFrame(() => {
        document.body.dataset.rendered = String(performance.now());
      }));
    }
  }

  function drawGraph(d) {
    const svg = $('graph');
    const pad = 10;
    svg.setAttribute('width', d.width + 2 * pad);
    svg.setAttribute('height', d.height + 2 * pad);
    const parts = ['<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
      + 'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#777"/></marker></defs><g transform="translate('
      + pad + ',' + pad + ')">'];
    // sub-workflows first (behind their nodes), then edges, then the task nodes
    const wf = d.nodes_list.filter((n) => n.workflow);
    const tasks = d.nodes_list.filter((n) => !n.workflow);
    for (const n of wf) parts.push(nodeSvg(n, true));
    for (const e of d.edges) {
      parts.push('<path class="edge" data-from="' + esc(e.from) + '" data-to="' + esc(e.to) + '" d="M'
        + e.points.map((p) => p[0] + ',' + p[1]).join('L') + '"/>');
    }
    for (const n of tasks) parts.push(nodeSvg(n, false));
    parts.push('</g>');
    svg.innerHTML = parts.join('');
    svg.onclick = (ev) => {
      const g = ev.target.closest('g.node');
      if (g) select(d.id, g.dataset.id);
    };
  }

  function label(n) {
    const text = n.task || n.id;
    return text.length > 20 ? text.slice(0, 19) + '…' : text;
  }

  function nodeSvg(n, wf) {
    const cls = 'node st-' + n.status + (wf ? ' wf' : '') + (selected === n.id ? ' selected' : '');
    return '<g class="' + cls + '" data-id="' + esc(n.id) + '" data-status="' + esc(n.status) + '" transform="translate('
      + n.x + ',' + n.y + ')"><title>' + esc(n.id + ' (' + n.task + '): ' + n.status) + '</title><rect width="' + n.w
      + '" height="' + n.h + '"/><text x="8" y="' + (wf ? 15 : 22) + '">' + esc((wf ? 'workflow ' : '') + label(n))
      + '</text></g>';
  }

  function updateGraph(d) {
    const byId = new Map();
    for (const g of $('graph').querySelectorAll('g.node')) byId.set(g.dataset.id, g);
    for (const n of d.nodes_list) {
      const g = byId.get(n.id);
      if (g && g.dataset.status !== n.status) {
        g.dataset.status = n.status;
        g.setAttribute('class', 'node st-' + n.status + (n.workflow ? ' wf' : '') + (selected === n.id ? ' selected' : ''));
        g.querySelector('title').textContent = n.id + ' (' + n.task + '): ' + n.status;
      }
    }
  }

  function drawTimeline(d) {
    const runs = d.nodes_list.filter((n) => !n.workflow && n.started)
      .sort((a, b) => a.started.localeCompare(b.started)).slice(0, TIMELINE_ROWS);
    const svg = $('timeline');
    if (runs.length === 0) { svg.innerHTML = '<text x="8" y="16">no node has started yet</text>'; svg.setAttribute('height', 24); return; }
    const t0 = Date.parse(d.started);
    const end = d.finished ? Date.parse(d.finished) : Date.now();
    const span = Math.max(1, end - t0);
    const width = 900, left = 180, row = 16;
    svg.setAttribute('width', left + width + 20);
    svg.setAttribute('height', runs.length * row + 10);
    svg.innerHTML = runs.map((n, i) => {
      const s = Date.parse(n.started) - t0;
      const e = (n.finished ? Date.parse(n.finished) : Date.now()) - t0;
      const x = left + width * s / span;
      const w = Math.max(2, width * (e - s) / span);
      return '<g class="run" data-id="' + esc(n.id) + '"><text x="4" y="' + (i * row + 14) + '">' + esc(n.id)
        + '</text><rect class="bar st-' + esc(n.status) + '" x="' + x.toFixed(1) + '" y="' + (i * row + 4) + '" width="'
        + w.toFixed(1) + '" height="' + (row - 5) + '"><title>' + esc(n.id + ': ' + time(n.started) + ' – '
        + (n.finished ? time(n.finished) : 'running')) + '</title></rect></g>';
    }).join('');
  }

  // ---- the node panel -----------------------------------------------------------------------------
  function select(dispatchId, nodeId) {
    selected = nodeId;
    if (logStream) { logStream.close(); logStream = null; }
    openPods.clear();
    for (const g of $('graph').querySelectorAll('g.node')) g.classList.toggle('selected', g.dataset.id === nodeId);
    $('panel').hidden = false;
    $('panel-log').textContent = '';
    $('panel-log-note').textContent = '';
    loadNode(dispatchId, nodeId, true);
  }

  function loadNode(dispatchId, nodeId, withLog) {
    api('dispatches/' + encodeURIComponent(dispatchId) + '/nodes/' + encodeURIComponent(nodeId)).then((n) => {
      if (selected !== nodeId) return;
      $('panel-title').textContent = n.id === n.task ? n.id : n.id + ' · ' + n.task;
      const st = $('panel-status');
      st.textContent = n.status;
      st.className = 'status st-' + n.status;
      const where = [['executor', n.executor || '-'], ['Job', n.job || '-'], ['attempts', String(n.attempts.length)],
        ['started', time(n.started)], ['finished', time(n.finished)]];
      if (n.reused_from) where.push(['reused from', n.reused_from]);
      $('panel-where').innerHTML = where.map((w) => '<dt>' + esc(w[0]) + '</dt><dd>' + esc(w[1]) + '</dd>').join('');
      const inputs = Object.entries(n.inputs);
      $('panel-inputs').textContent = inputs.length ? inputs.map((e) => e[0] + ' = ' + e[1]).join('\n')
        : (current && current.args ? 'the dispatch\'s arguments: ' + current.args.join(', ') : '(none)');
      $('panel-result').textContent = n.result == null ? (n.status === 'COMPLETED' || n.status === 'CACHED' ? 'null' : '-') : n.result;
      renderMap(n.map);
      $('panel-trace').textContent = n.exception || n.error || '-';
      $('panel-attempts').textContent = n.attempts.length ? n.attempts.map((a) => a.number + '. ' + (a.job || '-') + ' '
        + time(a.started) + ' – ' + time(a.finished) + (a.error ? '  ' + a.error : '')).join('\n') : '-';
      renderPods(dispatchId, n);
      if (withLog) {
        if ($('follow').checked) followLog(dispatchId, nodeId); else loadLog(dispatchId, nodeId);
      } else if (!window.EventSource && $('follow').checked) {
        loadLog(dispatchId, nodeId);
      }
    }).catch((e) => { $('panel-trace').textContent = e.message; });
  }

  // a map node: each element's status and result or error
  function renderMap(map) {
    $('panel-map').hidden = !map;
    if (!map) return;
    $('panel-map-counts').textContent = map.succeeded + ' of ' + map.elements + ' elements succeeded';
    $('panel-map-table').tBodies[0].innerHTML = map.each.map((e) => '<tr class="element st-row-' + esc(e.status) + '"><td>'
      + e.index + '</td><td><span class="status st-' + esc(e.status) + '">' + esc(e.status) + '</span></td><td>'
      + esc(e.status === 'SUCCEEDED' ? e.result : e.error) + '</td></tr>').join('');
    $('panel-map-cut').textContent = map.each_cut ? map.each_cut + ' more elements not listed' : '';
  }

  // the pods of the node's Job, each with its own log tail (loaded when opened)
  const openPods = new Set();
  function renderPods(dispatchId, n) {
    const pods = n.pods || [];
    $('panel-pods-note').textContent = n.pods_note || '';
    const box = $('panel-pods');
    box.innerHTML = pods.map((p) => '<details class="pod" data-name="' + esc(p.name) + '"' + (openPods.has(p.name) ? ' open' : '')
      + '><summary><span class="pod-name">' + esc(p.name) + '</span> <span class="status st-' + esc(p.phase.toUpperCase())
      + '">' + esc(p.status) + '</span>' + (p.index != null ? ' index ' + p.index : '') + ' · node ' + esc(p.node || '-')
      + (p.exit_code != null ? ' · exit ' + p.exit_code : '') + (p.restarts ? ' · restarts ' + p.restarts : '')
      + ' · started ' + time(p.started) + '</summary>' + (p.message ? '<p class="note">' + esc(p.message) + '</p>' : '')
      + '<pre class="log pod-log"></pre></details>').join('');
    for (const d of box.querySelectorAll('details.pod')) {
      const load = () => api('dispatches/' + encodeURIComponent(dispatchId) + '/nodes/' + encodeURIComponent(n.id) + '/pods/'
        + encodeURIComponent(d.dataset.name) + '/log?tail=200')
        .then((l) => { d.querySelector('pre').textContent = l.text || l.note || '(empty)'; })
        .catch((e) => { d.querySelector('pre').textContent = e.message; });
      d.addEventListener('toggle', () => {
        if (d.open) { openPods.add(d.dataset.name); load(); } else { openPods.delete(d.dataset.name); }
      });
      if (d.open) load();
    }
  }

  function loadLog(dispatchId, nodeId) {
    clearTimeout(logTimer);
    api('dispatches/' + encodeURIComponent(dispatchId) + '/nodes/' + encodeURIComponent(nodeId) + '/log?tail=200')
      .then((l) => {
        if (selected !== nodeId) return;
        const pre = $('panel-log');
        const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
        pre.textContent = l.text || '';
        if (atEnd) pre.scrollTop = pre.scrollHeight;
        $('panel-log-note').textContent = l.note || '';
        if ($('follow').checked && l.running && !window.EventSource) logTimer = setTimeout(() => loadLog(dispatchId, nodeId), 2000);
      }).catch((e) => { $('panel-log-note').textContent = e.message; });
  }

  // follow: the server reads the pod's log and pushes the lines added since (a reconnect starts with the tail again)
  function followLog(dispatchId, nodeId) {
    if (logStream) { logStream.close(); logStream = null; }
    if (!$('follow').checked) return;
    if (!window.EventSource) { loadLog(dispatchId, nodeId); return; }
    const es = new EventSource('/api/dispatches/' + encodeURIComponent(dispatchId) + '/nodes/' + encodeURIComponent(nodeId)
      + '/log/events?tail=200');
    logStream = es;
    es.addEventListener('log', (e) => {
      if (selected !== nodeId || logStream !== es) return;
      const l = JSON.parse(e.data);
      const pre = $('panel-log');
      const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      if (l.reset) pre.textContent = l.text || ''; else pre.textContent += l.text;
      if (atEnd) pre.scrollTop = pre.scrollHeight;
      $('panel-log-note').textContent = l.note || '';
    });
    es.addEventListener('end', (e) => {
      es.close();
      if (logStream === es) logStream = null;
      $('panel-log-note').textContent = JSON.parse(e.data).note || '';
    });
  }

  const m = location.pathname.match(/^\/dispatch\/([^/]+)$/);
  if (m) showDispatch(decodeURIComponent(m[1])); else showList();
})();
