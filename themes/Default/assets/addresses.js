// A VM's assigned addresses: saving the reverse DNS name of one through the API (PUT …/reverse-name).
(function () {
  "use strict";
  document.querySelectorAll("[data-reverse-form]").forEach(function (form) {
    var list = form.closest("[data-vm-id]");
    var item = form.closest("[data-address]");
    var status = form.querySelector("[data-reverse-status]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      status.textContent = vcoreText("Saving…");
      status.dataset.kind = "";
      fetch("/api/v1/vms/" + list.dataset.vmId + "/addresses/" + encodeURIComponent(item.dataset.address) + "/reverse-name", {
        method: "PUT",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": list.dataset.csrf, "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ reverseName: form.elements.reverseName.value.trim() || null }),
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok) {
            form.elements.reverseName.value = body.reverseName || "";
            status.textContent = vcoreText("Saved.");
            status.dataset.kind = "ok";
            return;
          }
          var reasons = body.errors ? [].concat.apply([], Object.keys(body.errors).map(function (k) { return body.errors[k]; })) : [];
          status.textContent = reasons.join(" ") || body.detail || vcoreText("Not saved ({0}).", response.status);
          status.dataset.kind = "error";
        });
      });
    });
  });
})();
