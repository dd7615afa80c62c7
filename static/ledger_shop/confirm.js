// Asks before a form marked data-confirm="question" is sent (the admin's rebuild buttons).
// A file, not an onsubmit attribute: the Content-Security-Policy runs no inline script.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
