// Light up the input a statement came from; keyboard shortcuts; copy the signed note.
(function () {
  "use strict";
  function light(statement, on) {
    var keys = (statement.getAttribute("data-sources") || "").split(" ").filter(Boolean);
    keys.forEach(function (key) {
      document.querySelectorAll('.src[data-keys~="' + CSS.escape(key) + '"]').forEach(function (piece) {
        piece.classList.toggle("lit", on);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".statement[data-sources]").forEach(function (statement) {
      ["mouseenter", "focus"].forEach(function (e) { statement.addEventListener(e, function () { light(statement, true); }); });
      ["mouseleave", "blur"].forEach(function (e) { statement.addEventListener(e, function () { light(statement, false); }); });
    });
    var copy = document.getElementById("copy-note");
    if (copy) {
      copy.addEventListener("click", function () {
        var text = document.getElementById(copy.getAttribute("data-copy")).textContent;
        var status = document.getElementById("copy-status");
        navigator.clipboard.writeText(text).then(function () { status.textContent = "Copied."; },
          function () { status.textContent = "Copy failed; select the text and copy it."; });
      });
    }
    var type = document.getElementById("encounter_type");
    if (type) {
      type.addEventListener("change", function () {
        document.querySelectorAll("textarea[data-prompt-" + type.value + "]").forEach(function (field) {
          field.placeholder = field.getAttribute("data-prompt-" + type.value);
        });
      });
      document.getElementById("capture-form").addEventListener("submit", function () {
        document.getElementById("drafting").hidden = false;
        document.getElementById("draft-button").disabled = true;
      });
    }
  });
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var open = Array.prototype.slice.call(document.querySelectorAll(".finding:not(.resolved)"));
    if (event.key === "n" && open.length) {
      var next = open.find(function (f) { return f.compareDocumentPosition(document.activeElement) & Node.DOCUMENT_POSITION_PRECEDING; }) || open[0];
      next.focus(); event.preventDefault();
    } else if (event.key === "a" && document.activeElement.classList.contains("finding")) {
      var reason = document.activeElement.querySelector("input[name=reason]");
      if (reason) { reason.focus(); event.preventDefault(); }
    } else if (event.key === "s") {
      var password = document.getElementById("sign-password");
      if (password) { password.scrollIntoView(); password.focus(); event.preventDefault(); }
    }
  });
})();
