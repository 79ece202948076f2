// The image library: resumable uploads by the tus protocol (vendor/tus, tus-js-client), and removing images.
// An upload remembers where it stopped (the browser's local storage): choosing the same file again goes on from there.
(function () {
  "use strict";
  var FLASH = "vcore.iso.uploaded";
  var root = document.querySelector("[data-iso-upload]");
  var statusLine = root && root.querySelector("[data-iso-status]");

  function say(message, kind) {
    if (!statusLine) return;
    statusLine.textContent = message;
    statusLine.dataset.kind = kind || "";
  }

  function problemText(response, fallback) {
    try {
      var body = JSON.parse(response.getBody ? response.getBody() : response);
      if (body.errors) {
        var reasons = [];
        Object.keys(body.errors).forEach(function (k) { reasons = reasons.concat(body.errors[k]); });
        if (reasons.length) return reasons.join(" ");
      }
      return body.detail || body.title || fallback;
    } catch (e) {
      return fallback;
    }
  }

  function megabytes(bytes) {
    return bytes >= 1073741824 ? (bytes / 1073741824).toFixed(2) + " GiB" : (bytes / 1048576).toFixed(1) + " MiB";
  }

  var flash = sessionStorage.getItem(FLASH);
  if (flash) {
    sessionStorage.removeItem(FLASH);
    try {
      var done = JSON.parse(flash);
      say(vcoreText("Uploaded {0}. SHA-256: {1}", done.title, done.sha256), "ok");
      var row = document.querySelector('tr[data-iso="' + CSS.escape(done.name) + '"]');
      if (row) row.classList.add("highlight");
    } catch (e) { /* an old entry: nothing to show */ }
  }

  if (root) {
    var form = root.querySelector("[data-iso-form]");
    var fileInput = root.querySelector("[data-iso-file]");
    var titleInput = root.querySelector("[data-iso-title]");
    var shaInput = root.querySelector("[data-iso-sha256]");
    var start = root.querySelector("[data-iso-start]");
    var pause = root.querySelector("[data-iso-pause]");
    var cancel = root.querySelector("[data-iso-cancel]");
    var progress = root.querySelector("[data-iso-progress]");
    var bar = root.querySelector("[data-iso-bar]");
    var progressText = root.querySelector("[data-iso-progress-text]");
    var progressName = root.querySelector("[data-iso-progress-name]");
    var upload = null;
    var startedAt = 0;
    var startedBytes = 0;

    function show(sent, total) {
      var percent = total > 0 ? Math.floor((sent / total) * 100) : 0;
      bar.firstElementChild.style.setProperty("--value", percent + "%");
      bar.setAttribute("aria-valuenow", String(percent));
      var seconds = (performance.now() - startedAt) / 1000;
      var rate = seconds > 0.5 ? " · " + megabytes((sent - startedBytes) / seconds) + "/s" : "";
      progressText.textContent = percent + " % · " + megabytes(sent) + " of " + megabytes(total) + rate;
    }

    function idle() {
      start.disabled = false;
      pause.hidden = true;
      cancel.hidden = true;
      fileInput.disabled = false;
      upload = null;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = fileInput.files && fileInput.files[0];
      if (!file) { say(vcoreText("Choose an ISO file first."), "error"); fileInput.focus(); return; }
      var sha = shaInput.value.trim();
      if (sha && !/^[0-9a-fA-F]{64}$/.test(sha)) { say(vcoreText("A SHA-256 is 64 hexadecimal digits, as sha256sum prints it."), "error"); shaInput.focus(); return; }
      var metadata = { filename: file.name };
      if (titleInput.value.trim()) metadata.title = titleInput.value.trim();
      if (sha) metadata.sha256 = sha.toLowerCase();
      upload = new window.tus.Upload(file, {
        endpoint: "/api/v1/isos/uploads",
        chunkSize: 16 * 1048576,
        retryDelays: [0, 1000, 3000, 5000, 10000],
        metadata: metadata,
        headers: { "X-CSRF-Token": root.dataset.csrf },
        removeFingerprintOnSuccess: true,
        onProgress: show,
        onError: function (error) {
          var message = error.originalResponse ? problemText(error.originalResponse, vcoreText("The upload failed ({0}).", error.originalResponse.getStatus())) : vcoreText("The upload stopped: {0}. Choose the same file again to go on.", error.message);
          say(message, "error");
          if (error.originalResponse && error.originalResponse.getStatus() < 500) progress.hidden = true;
          idle();
        },
        onSuccess: function (payload) {
          var response = payload && payload.lastResponse;
          var done = {
            name: response ? response.getHeader("X-Iso-Name") : "",
            title: metadata.title || file.name,
            sha256: response ? response.getHeader("X-Iso-Sha256") : "",
          };
          sessionStorage.setItem(FLASH, JSON.stringify(done));
          say(vcoreText("Uploaded {0}. SHA-256: {1}", done.title, done.sha256), "ok");
          idle();
          window.location.reload();
        },
      });
      start.disabled = true;
      fileInput.disabled = true;
      pause.hidden = false;
      pause.textContent = vcoreText("Pause");
      cancel.hidden = false;
      progress.hidden = false;
      progressName.textContent = file.name;
      say(vcoreText("Uploading…"));
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) {
          upload.resumeFromPreviousUpload(previous[0]);
          say(vcoreText("Going on where the last upload of this file stopped…"));
        }
        startedAt = performance.now();
        startedBytes = 0;
        upload.start();
      });
    });

    pause.addEventListener("click", function () {
      if (!upload) return;
      if (pause.textContent === "Pause") {
        upload.abort();
        pause.textContent = vcoreText("Resume");
        say(vcoreText("Paused. It goes on from here, also after you close this page: choose the same file again."));
      } else {
        pause.textContent = vcoreText("Pause");
        startedAt = performance.now();
        say(vcoreText("Uploading…"));
        upload.start();
      }
    });

    cancel.addEventListener("click", function () {
      if (!upload) return;
      var current = upload;
      current.abort(true).then(function () {
        say(vcoreText("Cancelled; what arrived was removed."));
        progress.hidden = true;
        idle();
      }, function () {
        say(vcoreText("Cancelled."));
        progress.hidden = true;
        idle();
      });
    });
  }

  // The provider's fetches from a URL: started here, their progress followed until none is running.
  var fetchCard = document.querySelector("[data-iso-fetch]");
  if (fetchCard) {
    var fetchForm = fetchCard.querySelector("[data-iso-fetch-form]");
    var fetchStatus = fetchCard.querySelector("[data-fetch-status]");
    var sayFetch = function (message, kind) { fetchStatus.textContent = message; fetchStatus.dataset.kind = kind || ""; };
    fetchForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {
        url: fetchCard.querySelector("[data-fetch-url]").value.trim(),
        sha256: fetchCard.querySelector("[data-fetch-sha256]").value.trim(),
        title: fetchCard.querySelector("[data-fetch-title]").value.trim() || null,
      };
      sayFetch(vcoreText("Asking the portal to fetch it…"));
      fetch("/api/v1/isos/fetches", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": fetchCard.dataset.csrf, "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      }).then(function (response) {
        return response.text().then(function (text) {
          if (response.ok) { window.location.reload(); return; }
          sayFetch(problemText(text, vcoreText("The image could not be added ({0}).", response.status)), "error");
        });
      });
    });

    var running = fetchCard.querySelectorAll('tr[data-fetch-state="fetching"]');
    if (running.length) {
      var timer = window.setInterval(function () {
        fetch("/api/v1/isos/fetches", { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (fetches) {
            var stillRunning = false;
            fetches.forEach(function (f) {
              var row = fetchCard.querySelector('tr[data-fetch="' + CSS.escape(f.name) + '"]');
              if (!row) return;
              if (f.state === "fetching") {
                stillRunning = true;
                var percent = f.sizeBytes > 0 ? Math.floor((f.received / f.sizeBytes) * 100) + " % of " + megabytes(f.sizeBytes) : megabytes(f.received);
                row.querySelector("[data-fetch-progress]").textContent = "Fetching · " + percent;
              } else if (row.dataset.fetchState !== f.state) {
                stillRunning = false;
              }
            });
            if (!stillRunning) { window.clearInterval(timer); window.location.reload(); }
          });
      }, 2000);
    }
  }

  document.querySelectorAll("[data-iso-delete]").forEach(function (button) {
    button.addEventListener("click", function () {
      var name = button.getAttribute("data-iso-delete");
      if (!window.confirm(vcoreText("Delete the image {0}?", button.getAttribute("data-iso-label")))) return;
      button.disabled = true;
      fetch("/api/v1/isos/" + encodeURIComponent(name), {
        method: "DELETE",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": root ? root.dataset.csrf : "", Accept: "application/json" },
      }).then(function (response) {
        if (response.ok) {
          button.closest("tr").remove();
          say(vcoreText("Removed."), "ok");
          return;
        }
        return response.text().then(function (text) {
          button.disabled = false;
          var message = problemText(text, vcoreText("The image could not be deleted ({0}).", response.status));
          if (statusLine) say(message, "error"); else window.alert(message);
        });
      });
    });
  });
})();
