/**
 * @internal The job-detail half of the inspector's script (see PAGE_SCRIPT): the selected
 * job's facts, its buttons (which send the token as an `Authorization` header, never in a
 * URL), queued and running tasks, routine states, slot data, newest history, pause points.
 *
 * @example
 * ```ts
 * const script = PAGE_SCRIPT_CORE + PAGE_SCRIPT_DETAIL;
 * ```
 */
export const PAGE_SCRIPT_DETAIL = String.raw`
function renderDetail() {
  var d = state.detail;
  var sel = state.selected;
  $('#job-id').textContent = sel ? sel.jobId : '(select one)';
  var status = $('#job-status');
  status.textContent = d ? d.status : '';
  status.className = 'status' + (d ? ' status-' + d.status : '');
  $('#job-facts').textContent = d ? 'flow ' + d.flowId + ' · ' + d.source + ' · ' + d.activations + ' activations · ' + d.queued + ' queued · ' + d.running + ' running · updated ' + age(d.updatedAt) + ' ago' : '';
  $('#job-error').textContent = d && d.error ? d.error.name + ': ' + d.error.message + (d.error.routineId ? ' (routine ' + d.error.routineId + ')' : '') : '';
  var allowed = { pause: ['pending', 'running'], resume: ['paused', 'failed'], cancel: ['pending', 'running', 'paused'], retry: ['failed'] };
  document.querySelectorAll('#actions button').forEach(function (b) {
    var action = b.getAttribute('data-action');
    b.disabled = !d || state.readOnly || allowed[action].indexOf(d.status) < 0 || (d.source === 'stored' && (action === 'pause' || action === 'cancel'));
    b.title = state.readOnly ? 'read-only: the inspector was started without a token' : '';
  });
  var body = $('#job-body');
  body.textContent = '';
  if (!d) return;
  body.appendChild(table('Routine states', ['routine', 'status', 'activations', 'errors'], Object.keys(d.routineStates).map(function (id) {
    var r = d.routineStates[id];
    return [id, pill(r.status), String(r.activations), String(r.errors)];
  }), true));
  body.appendChild(table('Queued (' + d.queued + ')', ['routine.slot', 'attempt', 'data'], d.pendingTasks.map(taskRow), d.pendingTasks.length > 0));
  body.appendChild(table('Running (' + d.running + ')', ['routine.slot', 'attempt', 'data'], d.runningTasks.map(taskRow), d.runningTasks.length > 0));
  body.appendChild(block('Slot data', d.slotData));
  body.appendChild(table('Newest history (' + d.history.length + ' of ' + d.historyLength + ')', ['routine', 'event', 'data'], d.history.slice().reverse().map(function (h) {
    return [h.routineId, h.eventName, short(h.data)];
  }), true));
  body.appendChild(table('Pause points', ['reason', 'queued', 'checkpoint'], d.pausePoints.map(function (p) {
    return [p.reason || '(none)', String(p.pendingCount), short(p.checkpoint)];
  }), d.pausePoints.length > 0));
  body.appendChild(block('Shared data', d.sharedData));
}

function taskRow(t) {
  return [t.routineId + '.' + t.slotName, String(t.attempt), short(t.data)];
}

function table(title, header, rows, open) {
  var details = document.createElement('details');
  details.open = open;
  var summary = document.createElement('summary');
  summary.textContent = title;
  details.appendChild(summary);
  var t = document.createElement('table');
  var head = t.createTHead().insertRow();
  header.forEach(function (h) { var th = document.createElement('th'); th.textContent = h; head.appendChild(th); });
  var tbody = t.createTBody();
  rows.forEach(function (r) {
    var tr = tbody.insertRow();
    r.forEach(function (cell) { var td = tr.insertCell(); if (typeof cell === 'string') td.textContent = cell; else td.appendChild(cell); });
  });
  details.appendChild(t);
  return details;
}

function block(title, value) {
  var details = document.createElement('details');
  var summary = document.createElement('summary');
  summary.textContent = title;
  var pre = document.createElement('pre');
  pre.textContent = JSON.stringify(value, null, 2);
  details.appendChild(summary);
  details.appendChild(pre);
  return details;
}

function short(value) {
  var text = JSON.stringify(value);
  return text && text.length > 90 ? text.slice(0, 89) + '…' : String(text);
}

function act(action) {
  var sel = state.selected;
  if (!sel) return;
  var headers = {};
  if (state.token) headers.Authorization = 'Bearer ' + state.token;
  var url = '/api/jobs/' + encodeURIComponent(sel.flowId) + '/' + encodeURIComponent(sel.jobId) + '/' + action;
  say('', action + '…');
  fetch(url, { method: 'POST', headers: headers, cache: 'no-store' }).then(function (r) {
    return r.json().then(function (body) {
      if (r.ok) say('ok', action + ': job is ' + body.status);
      else say('refused', (r.status === 401 || r.status === 403 ? 'refused: ' : action + ' failed: ') + body.error);
      loadDetail();
      loadJobs();
    });
  }).catch(function (e) { say('refused', action + ' failed: ' + e.message); });
}

function say(kind, text) {
  var m = $('#message');
  m.className = kind;
  m.textContent = text;
}
`;
