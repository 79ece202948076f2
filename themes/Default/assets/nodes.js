// Rack servers page: drag a vServer onto another rack server, confirm, and its move form is posted
// (the same form, anti-forgery field included, that works without scripts).
(function () {
  var dragged = null;
  document.querySelectorAll(".vm-chip[draggable]").forEach(function (chip) {
    chip.addEventListener("dragstart", function (e) {
      dragged = chip;
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", chip.getAttribute("data-vm-id"));
      chip.classList.add("dragging");
    });
    chip.addEventListener("dragend", function () {
      chip.classList.remove("dragging");
      dragged = null;
      document.querySelectorAll("[data-drop-node].drop-target").forEach(function (n) { n.classList.remove("drop-target"); });
    });
  });

  document.querySelectorAll("[data-drop-node]").forEach(function (node) {
    var name = node.getAttribute("data-drop-node");
    function accepts() { return dragged && dragged.getAttribute("data-from") !== name; }
    node.addEventListener("dragover", function (e) {
      if (!accepts()) { return; }
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
      node.classList.add("drop-target");
    });
    node.addEventListener("dragleave", function () { node.classList.remove("drop-target"); });
    node.addEventListener("drop", function (e) {
      if (!accepts()) { return; }
      e.preventDefault();
      node.classList.remove("drop-target");
      var chip = dragged;
      var vm = chip.getAttribute("data-vm-name");
      if (!window.confirm("Move " + vm + " from " + chip.getAttribute("data-from") + " to " + name + " live?")) { return; }
      var form = chip.querySelector("form[data-move-form]");
      form.querySelector("select[name=targetNode]").value = name;
      form.submit();
    });
  });
})();
