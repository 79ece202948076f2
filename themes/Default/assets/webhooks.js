// Webhooks: add one, switch it on and off, delete it, ping it, give it a new secret, send a delivery again — all
// through the API; the page reloads to show the result.
(function () {
  "use strict";
  var root = document.querySelector("[data-webhooks]");
  if (!root) return;
  var csrf = root.dataset.csrf;
  var status = root.querySelector("[data-webhook-status]");
  var secretBox = root.querySelector("[data-webhook-secret]");

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

  function showSecret(secret) {
    secretBox.querySelector("[data-secret-value]").textContent = secret;
    secretBox.hidden = false;
  }

  var api = "/api/v1/webhooks/";
  root.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button || button.type === "submit") return;
    var d = button.dataset;
    var request = null;
    var then = function () { window.location.reload(); };
    if (d.webhookSwitch) {
      request = send("PATCH", api + d.webhookSwitch, { enabled: d.enabled === "true" });
    } else if (d.webhookDelete) {
      if (!window.confirm(vcoreText("Delete the webhook to {0}? Nothing waiting is sent.", d.url))) return;
      request = send("DELETE", api + d.webhookDelete);
    } else if (d.webhookPing) {
      request = send("POST", api + d.webhookPing + "/ping");
    } else if (d.webhookRotate) {
      if (!window.confirm(vcoreText("Make a new secret? The old one signs too for 24 hours."))) return;
      request = send("POST", api + d.webhookRotate + "/rotate-secret", { keepOldHours: 24 });
      then = function (result) { showSecret(result.data.secret); button.disabled = false; };
    } else if (d.redeliver) {
      request = send("POST", api + root.dataset.webhook + "/deliveries/" + d.redeliver + "/redeliver");
    } else if (button.hasAttribute("data-reload")) {
      window.location.reload();
      return;
    }
    if (!request) return;
    button.disabled = true;
    request.then(function (result) {
      if (result.ok) { then(result); return; }
      button.disabled = false;
      say(problem(result), "error");
    });
  });

  var form = root.querySelector("[data-webhook-form]");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var events = Array.prototype.filter.call(form.elements.events, function (c) { return c.checked; }).map(function (c) { return c.value; });
    var body = { url: form.elements.url.value.trim(), events: events, description: form.elements.description.value.trim() || null };
    var submit = form.querySelector("[type=submit]");
    submit.disabled = true;
    send("POST", api, body).then(function (result) {
      submit.disabled = false;
      if (!result.ok) { say(problem(result), "error"); return; }
      say(vcoreText("Added."), "");
      form.hidden = true;
      showSecret(result.data.secret);
    });
  });
})();
