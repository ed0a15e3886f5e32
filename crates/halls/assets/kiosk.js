// A self-service kiosk: after 90 seconds without a touch or a key, the session is ended and
// everything cleared (the kiosk's own "finish" form is posted), and the kiosk starts again.
(function () {
  "use strict";
  var form = document.querySelector("form.kiosk-end");
  if (!form) { return; }
  var IDLE_MS = 90 * 1000;
  var timer = null;
  function reset() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { form.submit(); }, IDLE_MS);
  }
  ["pointerdown", "keydown", "touchstart", "scroll"].forEach(function (e) {
    window.addEventListener(e, reset, { passive: true });
  });
  reset();
})();
