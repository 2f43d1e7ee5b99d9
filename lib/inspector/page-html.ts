/**
 * @internal The inspector's one page. Its script, style and icon are served by the inspector
 * itself (`/assets/…`): nothing is loaded from anywhere else.
 *
 * @example
 * ```ts
 * res.end(PAGE_HTML);
 * ```
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Routilux inspector</title>
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/inspector.css">
<script src="/assets/inspector.js" defer></script>
</head>
<body>
<header>
  <img src="/assets/icon.svg" alt="" width="24" height="24">
  <h1>Routilux inspector</h1>
  <label>flow <select id="flow"></select></label>
  <span id="live" class="live off" title="live updates (Server-Sent Events)">live</span>
  <span id="mode" class="mode"></span>
  <form id="unlock" autocomplete="off">
    <input id="token" type="password" placeholder="token" aria-label="token to control jobs">
    <button type="submit" id="use-token">Use token</button>
  </form>
</header>
<main>
  <section id="graph-panel">
    <h2>Flow <span id="flow-name"></span> <span id="graph-job" class="muted"></span></h2>
    <div class="graph-row">
      <div id="graph"></div>
      <div class="stats">
        <h3>Routines <span class="muted">(all jobs since the inspector started)</span></h3>
        <table id="stats">
          <thead><tr><th>routine</th><th class="num">activations</th><th class="num">failures</th><th class="num">running</th><th class="num">mean</th><th class="num">p95</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
    </div>
  </section>
  <section id="jobs-panel">
    <h2>Jobs</h2>
    <table id="jobs">
      <thead><tr><th>job</th><th>flow</th><th>status</th><th>age</th><th class="num">done</th><th class="num">queued</th><th>error</th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="jobs-empty" class="muted">no jobs yet</p>
  </section>
  <section id="detail">
    <h2>Job <span id="job-id" class="mono">(select one)</span></h2>
    <p class="summary"><span id="job-status" class="status"></span> <span id="job-facts" class="muted"></span></p>
    <p id="job-error" class="error"></p>
    <div id="actions">
      <button type="button" data-action="pause">Pause</button>
      <button type="button" data-action="resume">Resume</button>
      <button type="button" data-action="cancel">Cancel</button>
      <button type="button" data-action="retry">Retry</button>
    </div>
    <p id="message" role="status"></p>
    <div id="job-body"></div>
  </section>
</main>
</body>
</html>
`;
