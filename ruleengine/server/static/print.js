// The print view's one enhancement: its Print button, shown only where script runs (the
// page says how to print without it), opens the browser's print dialog.
for (const button of document.querySelectorAll("button.print[hidden]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
