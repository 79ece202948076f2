// Live updates: job rows and VM states arrive over SignalR and are applied in place.
(function () {
  "use strict";
  if (!window.signalR) { return; }
  var status = document.getElementById("live-status");
  function setOnline(online) { if (status) { status.classList.toggle("offline", !online); status.title = vcoreText(online ? "Live updates on" : "Reconnecting…"); } }

  function text(el, value) { el.textContent = value == null ? "" : String(value); }
  function stamp(value) { return value ? new Date(value).toISOString().replace(/\.\d{3}Z$/, "Z") : ""; }

  function cell(tag, cls, value) { var td = document.createElement(tag); if (cls) { td.className = cls; } text(td, value); return td; }

  // A moment as the server renders it (<time datetime="…Z">), for local-time.js to show in the reader's time zone.
  function timeCell(value) {
    var td = document.createElement("td"); td.className = "nowrap";
    if (value) { var t = document.createElement("time"); t.setAttribute("datetime", value); text(t, value); td.append(t); }
    return td;
  }

  function renderJobRow(row, job) {
    row.replaceChildren(
      cell("td", "", word(job.type)),
      (function () { var td = document.createElement("td"); var a = document.createElement("a"); a.href = "/vms/" + job.targetId; text(a, job.name); td.append(a); return td; })(),
      cell("td", "", word(job.action) + " (" + job.userName + ")"),
      timeCell(stamp(job.startedAt || job.queuedAt)),
      timeCell(stamp(job.endedAt)),
      (function () { var td = document.createElement("td"); var b = document.createElement("span"); b.className = "badge badge-" + job.status; text(b, word(job.status)); td.append(b); return td; })(),
      cell("td", "wrap", vcoreText(job.info)));
  }

  // The words the live feed sends that a page shows (job types, actions and statuses, vServer states): said in the
  // page's language — their translations come with the page's texts because they are listed here.
  var WORDS = ["vServer", "queued", "running", "completed", "failed", "pending", "paused", "shutting-down", "shut-off",
    "crashed", "parked", "missing", "unknown", "create", "start", "shutdown", "power-off", "restart", "reset", "pause",
    "resume", "park", "unpark", "migrate", "hardware", "delete", "recovery-point", "recovery-point-delete", "revert",
    "disk-export", "disk-export-delete"];
  function word(value) { return WORDS.indexOf(value) >= 0 ? vcoreText(value) : value; }

  function stage(status) { return status === "queued" ? 0 : status === "running" ? 1 : 2; }

  var RELOADING = ["hardware", "recovery-point", "recovery-point-delete", "disk-export", "disk-export-delete"];

  function onJob(job) {
    var table = document.getElementById("job-table");
    if (!table) { return; }
    var filter = table.getAttribute("data-vm-filter");
    if (filter && filter !== job.targetId) { return; }
    var row = table.querySelector('tr[data-job-id="' + job.id + '"]');
    var badge = row && row.querySelector(".badge");
    if (badge && badge.textContent === job.status && row.lastElementChild.textContent === job.info) { return; }
    // Pushes can overtake each other: a job never goes back (a late "queued" after "completed" is dropped).
    if (badge && stage(badge.textContent) > stage(job.status)) { return; }
    // A finished job that alters the VM page's records (its values and next-boot notes, its recovery points, its disk
    // exports) reloads the page: show it as the server has it now.
    var detail = document.getElementById("vm-detail");
    if (RELOADING.indexOf(job.action) >= 0 && badge && (badge.textContent === "queued" || badge.textContent === "running")
        && (job.status === "completed" || job.status === "failed") && detail && detail.getAttribute("data-vm-id") === job.targetId) {
      location.reload();
      return;
    }
    if (!row) {
      row = document.createElement("tr");
      row.setAttribute("data-job-id", job.id);
      table.tBodies[0].prepend(row);
      var empty = table.closest(".card") && table.closest(".card").querySelector("[data-empty]");
      if (empty) { empty.remove(); }
    }
    renderJobRow(row, job);
    refresh(job.targetId);
    row.classList.remove("is-new"); void row.offsetWidth; row.classList.add("is-new");
  }

  // Pushes can overtake each other; the buttons follow the VM as the server has it after the latest push.
  var latest = {};
  function refresh(vmId) {
    if (!document.querySelector('[data-vm-id="' + vmId + '"] button[data-action]')) { return; }
    var ticket = (latest[vmId] || 0) + 1;
    latest[vmId] = ticket;
    fetch("/api/v1/vms/" + vmId, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (vm) { if (vm && latest[vmId] === ticket) { applyVm(vm); } });
  }

  function onVm(vm) {
    applyVm(vm);
    refresh(vm.id);
  }

  function applyVm(vm) {
    if (vm.state === "deleted" && document.getElementById("vm-detail") && document.getElementById("vm-detail").getAttribute("data-vm-id") === vm.id) {
      location.assign("/vms");
      return;
    }
    if (vm.state === "deleted") {
      document.querySelectorAll('tr[data-vm-id="' + vm.id + '"]').forEach(function (row) { row.remove(); });
      return;
    }
    document.querySelectorAll('[data-vm-id="' + vm.id + '"]').forEach(function (host) {
      host.querySelectorAll("[data-vm-state]").forEach(function (badge) {
        badge.className = "badge state-" + vm.state; text(badge, word(vm.state));
      });
      host.querySelectorAll("[data-vm-addresses]").forEach(function (cell) {
        text(cell, vm.addresses && vm.addresses.length ? vm.addresses.join(", ") : "—");
      });
      host.querySelectorAll("button[data-action]").forEach(function (button) {
        // Each button carries the states its action allows, rendered from the action's descriptor.
        var states = (button.getAttribute("data-states") || "").split(" ");
        button.disabled = !!vm.openJobId || states.indexOf(vm.state) < 0;
      });
    });
  }

  // Whatever happened between rendering the page and connecting (a fast job) is fetched once connected.
  function resync() {
    var get = function (url) { return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) { return r.ok ? r.json() : null; }); };
    document.querySelectorAll("#vm-detail[data-vm-id], tr[data-vm-id]").forEach(function (host) {
      get("/api/v1/vms/" + host.getAttribute("data-vm-id")).then(function (vm) { if (vm) { onVm(vm); } });
    });
    var table = document.getElementById("job-table");
    if (table && !location.search) {
      var filter = table.getAttribute("data-vm-filter");
      get("/api/v1/jobs?limit=50" + (filter ? "&vmId=" + filter : "")).then(function (jobs) {
        if (jobs) { jobs.reverse().forEach(onJob); }
      });
    }
  }

  // Never give up: a portal instance may be restarted or replaced behind the load balancer; the page catches up
  // (resync) once any instance answers again. Waits grow to 10 s between tries.
  var retry = { nextRetryDelayInMilliseconds: function (context) { return Math.min(10000, 500 * Math.pow(2, context.previousRetryCount)); } };
  var connection = new signalR.HubConnectionBuilder().withUrl("/hubs/live").withAutomaticReconnect(retry).build();
  connection.on("job", onJob);
  connection.on("vm", onVm);
  connection.onreconnecting(function () { setOnline(false); });
  connection.onreconnected(function () { setOnline(true); resync(); });
  connection.onclose(function () { setOnline(false); });
  function begin() {
    connection.start().then(
      function () { setOnline(true); resync(); document.documentElement.setAttribute("data-live", "on"); },
      function () { setOnline(false); setTimeout(begin, 5000); });
  }
  begin();
})();
