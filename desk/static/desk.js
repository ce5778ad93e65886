// SLA countdowns tick without a reload; the server-rendered text is the fallback.
(function () {
  function span(ms) {
    var m = Math.floor(Math.abs(ms) / 60000), d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60);
    m = m % 60;
    if (d) return d + "d " + h + "h";
    return h ? h + "h " + String(m).padStart(2, "0") + "m" : m + "m";
  }
  function tick() {
    document.querySelectorAll(".sla[data-due]").forEach(function (el) {
      if (el.textContent.trim() === "resolved") return;
      var left = Date.parse(el.dataset.due) - Date.now();
      el.textContent = left >= 0 ? "due in " + span(left) : "breached " + span(left) + " ago";
      el.classList.toggle("breached", left < 0);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 30000); });
})();
