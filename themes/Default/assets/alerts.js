// Alerts: acknowledge, switch rules on and off, delete them, add one — all through the API; the page reloads to show it.
(function () {
  "use strict";
  var root = document.querySelector("[data-alerts]");
  if (!root) return;
  var csrf = root.dataset.csrf;
  var status = root.querySelector("[data-rule-status]");

  function send(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json", Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
    });
  }

  function problem(result) {
    var p = result.data || {};
    var reasons = p.errors ? [].concat.apply([], Object.keys(p.errors).map(function (k) { return p.errors[k]; })) : [];
    return reasons.join(" ") || p.detail || p.title || vcoreText("Not done ({0}).", result.status);
  }

  function say(text, kind) {
    if (!status) { window.alert(text); return; }
    status.textContent = text;
    status.dataset.kind = kind || "";
  }

  root.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    var request = null;
    if (button.dataset.acknowledge) {
      request = send("POST", "/api/v1/alerts/" + button.dataset.acknowledge + "/acknowledge");
    } else if (button.dataset.ruleSwitch) {
      request = send("PUT", "/api/v1/alert-rules/" + button.dataset.ruleSwitch + "/enabled", { enabled: button.dataset.enabled === "true" });
    } else if (button.dataset.ruleDelete) {
      if (!window.confirm(vcoreText("Delete the rule “{0}”? Its alerts stay in the history.", button.dataset.name))) return;
      request = send("DELETE", "/api/v1/alert-rules/" + button.dataset.ruleDelete);
    } else if (button.hasAttribute("data-reload")) {
      window.location.reload();
      return;
    }
    if (!request) return;
    button.disabled = true;
    request.then(function (result) {
      if (result.ok) { window.location.reload(); return; }
      button.disabled = false;
      say(problem(result), "error");
    });
  });

  var form = root.querySelector("[data-rule-form]");
  if (!form) return;
  var f = form.elements;
  var unitLabel = form.querySelector("[data-unit-label]");
  var thresholdRow = form.querySelector("[data-threshold-row]");

  function sync() {
    var scope = f.scope.value;
    form.querySelectorAll("[data-for-scope]").forEach(function (el) { el.hidden = el.dataset.forScope !== scope; });
    Array.prototype.forEach.call(f.condition.options, function (o) {
      o.hidden = o.disabled = (o.hasAttribute("data-vm-only") && scope === "node") || (o.hasAttribute("data-node-only") && scope !== "node");
    });
    if (f.condition.selectedOptions[0].disabled) f.condition.value = Array.prototype.find.call(f.condition.options, function (o) { return !o.disabled; }).value;
    var unit = f.condition.selectedOptions[0].dataset.unit;
    thresholdRow.hidden = unit === "";
    unitLabel.textContent = "(" + unit + ")";
  }
  f.scope.addEventListener("change", sync);
  f.condition.addEventListener("change", sync);
  sync();

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var unit = f.condition.selectedOptions[0].dataset.unit;
    var factor = unit === "MiB/s" ? 1048576 : 1;
    var number = function (v) { return v.trim() === "" ? null : Number(v) * factor; };
    var scope = f.scope.value;
    var body = {
      name: f.name.value.trim(),
      scope: scope,
      subject: scope === "vm" ? f.vm.value : scope === "node" ? f.node.value : null,
      condition: f.condition.value,
      threshold: unit === "" ? null : number(f.threshold.value),
      clearBelow: unit === "" ? null : number(f.clearBelow.value),
      durationSeconds: Math.round(Number(f.duration.value || "0") * 60),
      emails: f.emails.value.split(",").map(function (v) { return v.trim(); }).filter(function (v) { return v.length > 0; }),
      webhookUrl: f.webhookUrl.value.trim() || null,
    };
    say(vcoreText("Adding…"));
    send("POST", "/api/v1/alert-rules", body).then(function (result) {
      if (!result.ok) { say(problem(result), "error"); return; }
      if (result.data.webhookSecret) {
        var box = root.querySelector("[data-rule-secret]");
        box.querySelector("[data-secret-value]").textContent = result.data.webhookSecret;
        box.hidden = false;
        say(vcoreText("Rule added."));
        return;
      }
      window.location.reload();
    });
  });
})();
