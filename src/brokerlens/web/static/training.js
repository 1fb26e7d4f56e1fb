/* brokerlens training: an exam paper's countdown, answers saved as they are given, and the
   paper submitted by itself when the time is up (the server grades a late one as at the limit). */
(function () {
  "use strict";
  var clock = document.getElementById("tr-countdown");
  var paper = document.getElementById("tr-paper");
  if (!clock || !paper) return;
  var attempt = paper.dataset.attempt;
  var ends = Date.now() + Number(clock.dataset.seconds || 0) * 1000;
  var sent = false;

  function shown(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = (h && m < 10 ? "0" : "") + m, ss = (s < 10 ? "0" : "") + s;
    return h ? h + ":" + mm + ":" + ss : mm + ":" + ss;
  }

  function sheet() {
    var answers = {};
    paper.querySelectorAll("input[name^='q']:checked").forEach(function (box) {
      var id = box.name.slice(1);
      (answers[id] = answers[id] || []).push(box.value);
    });
    return answers;
  }

  function save() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    fetch("/api/training/attempts/" + attempt + "/answers", {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": meta ? meta.content : "" },
      body: JSON.stringify({ answers: sheet() }),
    }).then(function (response) {
      var note = document.getElementById("tr-saved");
      if (note) note.hidden = !response.ok;
    }).catch(function () { /* the submission carries the answers anyway */ });
  }

  function submit() {
    if (sent) return;
    sent = true;
    paper.submit();
  }

  paper.addEventListener("change", save);
  paper.addEventListener("submit", function () { sent = true; });

  function tick() {
    var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
    clock.textContent = shown(left);
    clock.classList.toggle("tr-hurry", left <= 60);
    if (left <= 0) { submit(); return; }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
