// The provider's IP pools: a new pool through the API (POST /api/v1/ip-pools); the page shows it after a reload.
(function () {
  "use strict";
  var card = document.querySelector("[data-pool-form-card]");
  if (!card) return;
  var form = card.querySelector("[data-pool-form]");
  var status = card.querySelector("[data-pool-status]");
  var list = function (value) { return value.split(",").map(function (v) { return v.trim(); }).filter(function (v) { return v.length > 0; }); };
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var f = form.elements;
    var body = {
      name: f.name.value.trim(),
      subnet: f.subnet.value.trim(),
      firstAddress: f.firstAddress.value.trim() || null,
      lastAddress: f.lastAddress.value.trim() || null,
      gateway: f.gateway.value.trim() || null,
      dnsServers: list(f.dnsServers.value),
      nodeNames: list(f.nodeNames.value),
      customerId: f.customerId.value.trim() || null,
    };
    status.textContent = vcoreText("Adding…");
    status.dataset.kind = "";
    fetch("/api/v1/ip-pools", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": card.dataset.csrf, "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (problem) {
        if (response.ok) { window.location.reload(); return; }
        var reasons = problem.errors ? [].concat.apply([], Object.keys(problem.errors).map(function (k) { return problem.errors[k]; })) : [];
        status.textContent = reasons.join(" ") || problem.detail || problem.title || vcoreText("Not added ({0}).", response.status);
        status.dataset.kind = "error";
      });
    });
  });
})();
