// A page that waits for work done elsewhere (a report run, a report being prepared) loads itself
// again every few seconds. A timed <meta refresh> gives the reader no say (WCAG 2.2.1, axe's
// meta-refresh rule), so the page carries a plain link to refresh by hand, which is all it has
// without JavaScript, and this script adds the timer with a button that pauses and resumes it.
const box = document.querySelector("[data-refresh-seconds]");

if (box) {
  const seconds = Number(box.dataset.refreshSeconds) || 3;
  const url = box.dataset.refreshUrl || window.location.href;
  const button = box.querySelector("button[data-refresh-pause]");
  let timer = null;

  const run = () => {
    timer = window.setTimeout(() => window.location.assign(url), seconds * 1000);
  };

  const show = () => {
    button.textContent = timer === null ? button.dataset.resumeLabel : button.dataset.pauseLabel;
  };

  if (button) {
    button.hidden = false;
    button.addEventListener("click", () => {
      if (timer === null) {
        run();
      } else {
        window.clearTimeout(timer);
        timer = null;
      }
      show();
    });
  }
  run();
}
