// Print buttons (`data-print`): hidden until this script shows them, so a page without
// scripts shows no button that does nothing; the browser's own print works either way.
for (const b of document.querySelectorAll("button[data-print]")) {
  b.hidden = false;
  b.addEventListener("click", () => window.print());
}
