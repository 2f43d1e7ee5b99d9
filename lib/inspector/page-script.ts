import { PAGE_SCRIPT_DETAIL } from './page-script-detail.js';

/**
 * @internal The first half of the inspector's script: state, data loading, the live event
 * stream, the jobs list, the flow graph coloured by the selected job, the routine figures.
 * Plain ES2017 for any current browser, no framework; it builds the page with `textContent`
 * (only the graph SVG, made and escaped by the server, is inserted as markup).
 *
 * @example
 * ```ts
 * const script = PAGE_SCRIPT_CORE + PAGE_SCRIPT_DETAIL;
 * ```
 */
export const PAGE_SCRIPT_CORE = String.raw`
var state = { flows: [], flowId: null, jobs: [], selected: null, detail: null, readOnly: true, token: sessionStorage.getItem('routilux-token') || '' };

function $(selector) { return document.querySelector(selector); }

function getJSON(url) {
  return fetch(url, { cache: 'no-store' }).then(function (r) {
    if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
    return r.json();
  });
}

function throttle(fn, ms) {
  var last = 0, timer = null;
  return function () {
    if (timer) return;
    var wait = Math.max(0, last + ms - Date.now());
    timer = setTimeout(function () { timer = null; last = Date.now(); fn(); }, wait);
  };
}

function age(t) {
  var s = Math.max(0, Math.round((Date.now() - t) / 1000));
  return s < 60 ? s + ' s' : s < 3600 ? Math.floor(s / 60) + ' min' : s < 86400 ? Math.floor(s / 3600) + ' h' : Math.floor(s / 86400) + ' d';
}

function pill(status) {
  var span = document.createElement('span');
  span.className = 'status status-' + status;
  span.textContent = status;
  return span;
}

function loadJobs() {
  return getJSON('/api/jobs').then(function (body) { state.jobs = body.jobs; renderJobs(); });
}

function renderJobs() {
  var tbody = $('#jobs tbody');
  tbody.textContent = '';
  $('#jobs-empty').style.display = state.jobs.length ? 'none' : '';
  state.jobs.forEach(function (j) {
    var tr = tbody.insertRow();
    tr.setAttribute('data-flow', j.flowId);
    tr.setAttribute('data-job', j.jobId);
    if (state.selected && state.selected.flowId === j.flowId && state.selected.jobId === j.jobId) tr.className = 'selected';
    tr.insertCell().textContent = j.jobId;
    tr.insertCell().textContent = j.flowId;
    var st = tr.insertCell();
    st.className = 'job-status';
    st.appendChild(pill(j.status));
    tr.insertCell().textContent = age(j.createdAt);
    var done = tr.insertCell(); done.className = 'num'; done.textContent = String(j.activations);
    var queued = tr.insertCell(); queued.className = 'num'; queued.textContent = String(j.queued);
    tr.insertCell().textContent = j.error ? j.error.name + ': ' + j.error.message : '';
    tr.addEventListener('click', function () { select(j.flowId, j.jobId); });
  });
}

function select(flowId, jobId) {
  state.selected = { flowId: flowId, jobId: jobId };
  state.detail = null;
  say('', '');
  if (state.flowId !== flowId) showFlow(flowId);
  renderJobs();
  loadDetail();
}

function loadDetail() {
  var sel = state.selected;
  if (!sel) return Promise.resolve();
  return getJSON('/api/jobs/' + encodeURIComponent(sel.flowId) + '/' + encodeURIComponent(sel.jobId)).then(function (d) {
    if (state.selected !== sel) return;
    state.detail = d;
    renderDetail();
    paint();
  }).catch(function () { state.detail = null; renderDetail(); paint(); });
}

function showFlow(flowId) {
  state.flowId = flowId;
  $('#flow-name').textContent = flowId;
  if (!state.flows.some(function (f) { return f.flowId === flowId; })) {
    $('#graph').textContent = 'flow ' + flowId + ' is not loaded in this inspector (give it with --flow to see its graph and resume its jobs)';
    return Promise.resolve();
  }
  $('#flow').value = flowId;
  return fetch('/api/flows/' + encodeURIComponent(flowId) + '/graph.svg', { cache: 'no-store' }).then(function (r) { return r.text(); }).then(function (svg) {
    $('#graph').innerHTML = svg;
    paint();
    loadStats();
  });
}

function paint() {
  var d = state.detail && state.detail.flowId === state.flowId ? state.detail : null;
  $('#graph-job').textContent = d ? '· job ' + d.jobId + ' (' + d.status + ')' : '';
  var queued = {};
  if (d) d.pendingTasks.forEach(function (t) { queued[t.routineId] = true; });
  document.querySelectorAll('#graph g.routine').forEach(function (g) {
    var id = g.getAttribute('data-routine');
    var r = d && d.routineStates[id];
    var classes = 'routine' + (r ? ' status-' + r.status : '') + (queued[id] ? ' queued' : '');
    g.setAttribute('class', classes);
    g.querySelector('.routine-status').textContent = r ? r.status + ' · ' + r.activations : '';
  });
}

function loadStats() {
  return getJSON('/api/stats').then(function (all) {
    var tbody = $('#stats tbody');
    tbody.textContent = '';
    (all[state.flowId] || []).forEach(function (s) {
      var tr = tbody.insertRow();
      tr.setAttribute('data-routine', s.routineId);
      tr.insertCell().textContent = s.routineId;
      [String(s.activations), String(s.failures), String(s.running), s.meanMs.toFixed(1) + ' ms', s.p95Ms.toFixed(1) + ' ms'].forEach(function (v) {
        var td = tr.insertCell(); td.className = 'num'; td.textContent = v;
      });
    });
  });
}

var refreshJobs = throttle(loadJobs, 500);
var refreshDetail = throttle(loadDetail, 250);
var refreshStats = throttle(loadStats, 1000);

function connect() {
  var events = new EventSource('/api/events');
  var live = $('#live');
  events.onopen = function () { live.className = 'live on'; live.textContent = 'live'; };
  events.onerror = function () { live.className = 'live off'; live.textContent = 'reconnecting'; };
  events.onmessage = function (m) {
    var e = JSON.parse(m.data);
    var sel = state.selected;
    var mine = function (j) { return sel && j.flowId === sel.flowId && j.jobId === sel.jobId; };
    if (e.type === 'job') {
      refreshJobs();
      if (mine(e)) refreshDetail();
    } else if (e.type === 'activity') {
      refreshJobs();
      refreshStats();
      if (e.jobs.some(mine)) refreshDetail();
    }
  };
}

function start() {
  $('#token').value = state.token;
  $('#unlock').addEventListener('submit', function (ev) {
    ev.preventDefault();
    state.token = $('#token').value.trim();
    sessionStorage.setItem('routilux-token', state.token);
    say('', state.token ? 'token set for this tab' : 'token cleared');
  });
  $('#flow').addEventListener('change', function () { showFlow($('#flow').value); });
  document.querySelectorAll('#actions button').forEach(function (b) {
    b.addEventListener('click', function () { act(b.getAttribute('data-action')); });
  });
  getJSON('/api/session').then(function (s) {
    state.readOnly = s.readOnly;
    state.flows = s.flows;
    $('#mode').textContent = s.readOnly ? 'read-only (started without a token)' : 'controls need the token';
    $('#unlock').style.display = s.readOnly ? 'none' : '';
    s.flows.forEach(function (f) {
      var o = document.createElement('option');
      o.value = f.flowId;
      o.textContent = f.flowId + ' (' + f.routines + ' routines)';
      $('#flow').appendChild(o);
    });
    renderDetail();
    connect();
    if (!s.flows.length) $('#graph').textContent = 'no flow given: stored jobs only (give flows to see their graphs)';
    return Promise.all([s.flows.length ? showFlow(s.flows[0].flowId) : null, loadJobs()]);
  });
}
`;

/**
 * @internal The inspector's script, served as `/assets/inspector.js`.
 *
 * @example
 * ```ts
 * res.end(PAGE_SCRIPT); // text/javascript
 * ```
 */
export const PAGE_SCRIPT = `'use strict';\n(function () {\n${PAGE_SCRIPT_CORE}\n${PAGE_SCRIPT_DETAIL}\ndocument.addEventListener('DOMContentLoaded', start);\n})();\n`;
