// The theme editor: settings changes are saved as the draft (after a pause in typing) and the preview frame shows the
// real page in the draft; swatches show each colour; the VM page tab appears when there is a VM to show.
(function () {
  "use strict";
  var form = document.getElementById("theme-form");
  var preview = document.getElementById("theme-preview");
  var frame = document.getElementById("preview-frame");
  if (!form || !preview || !frame) { return; }
  var csrf = form.querySelector("input[type=hidden]:not([name=from])");
  var from = form.querySelector("input[name=from]");
  var status = document.getElementById("preview-status");
  var label = document.getElementById("preview-label");
  var page = "/login";
  var vmPage = null;
  var timer = null;
  var sent = 0;

  function previewUrl() {
    var path = page === "vm" ? vmPage : page;
    return path + "?theme-preview=" + encodeURIComponent(preview.dataset.preview || "current");
  }

  function showSwatches() {
    form.querySelectorAll(".swatch").forEach(function (swatch) {
      var value = swatch.parentElement.querySelector("input").value.trim() || swatch.dataset.inherited || "";
      swatch.style.background = /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(value) ? value : "transparent";
    });
  }

  function settings() {
    var result = {};
    form.querySelectorAll("[data-kind]").forEach(function (field) {
      var input = field.querySelector("input, select, textarea");
      var value = input.value.trim();
      if (field.dataset.kind === "links") {
        result[input.name] = value ? value.split("\n").filter(function (l) { return l.trim(); }).map(function (line) {
          var parts = line.split("|");
          return { label: parts[0].trim(), url: (parts.slice(1).join("|") || "").trim() };
        }) : [];
      } else {
        result[input.name] = value;
      }
    });
    return result;
  }

  function showErrors(errors) {
    form.querySelectorAll("[data-error-for]").forEach(function (span) {
      var key = span.dataset.errorFor;
      var messages = [];
      Object.keys(errors || {}).forEach(function (field) {
        if (field === "settings." + key || field.indexOf("settings." + key + "[") === 0) { messages = messages.concat(errors[field]); }
      });
      span.textContent = messages.join(" ");
      span.hidden = messages.length === 0;
      span.parentElement.classList.toggle("invalid", messages.length > 0);
    });
  }

  function saveDraft() {
    var mine = ++sent;
    status.textContent = vcoreText("Updating the preview…");
    fetch("/api/v1/theme/draft", {
      method: "PUT",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf.value, "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ settings: settings(), from: from.value || null })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (mine !== sent) { return; }
      if (!result.ok) {
        showErrors(result.body.errors);
        status.textContent = vcoreText("The preview shows the last settings that were accepted.");
        return;
      }
      showErrors({});
      preview.dataset.preview = result.body.id;
      label.textContent = vcoreText("of your unsaved changes");
      status.textContent = "";
      frame.src = previewUrl();
    }).catch(function () {
      status.textContent = vcoreText("The preview could not be updated; the portal did not answer.");
    });
  }

  form.addEventListener("input", function () {
    showSwatches();
    clearTimeout(timer);
    timer = setTimeout(saveDraft, 600);
  });

  preview.querySelectorAll("[data-page]").forEach(function (button) {
    button.addEventListener("click", function () {
      page = button.dataset.page;
      preview.querySelectorAll("[data-page]").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
      frame.src = previewUrl();
    });
  });

  fetch("/api/v1/vms", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : []; })
    .then(function (vms) {
      var list = Array.isArray(vms) ? vms : (vms.items || []);
      if (list.length > 0) {
        vmPage = "/vms/" + encodeURIComponent(list[0].id);
        preview.querySelector("[data-page=vm]").hidden = false;
      }
    }).catch(function () { });

  showSwatches();
})();
