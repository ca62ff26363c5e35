// fraudwarn workbench: copy buttons and batch progress. No libraries, no outside requests.
"use strict";

function copyText(text, button) {
  const done = () => { const old = button.textContent; button.textContent = "已复制"; setTimeout(() => { button.textContent = old; }, 1200); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text, done));
  } else {
    fallbackCopy(text, done);
  }
}

function fallbackCopy(text, done) {
  const area = document.createElement("textarea");
  area.value = text;
  document.body.appendChild(area);
  area.select();
  try { document.execCommand("copy"); done(); } finally { area.remove(); }
}

function pollJob(box) {
  const id = box.dataset.job;
  const tick = () => {
    fetch("/api/v1/jobs/" + encodeURIComponent(id), { credentials: "same-origin" })
      .then((r) => r.json())
      .then((job) => {
        if (job.status === "done" || job.status === "failed") { window.location.reload(); return; }
        document.getElementById("rows").textContent = job.rows_done;
        const bar = document.getElementById("progress");
        if (bar && job.progress !== null) { bar.value = job.progress; }
        setTimeout(tick, 700);
      })
      .catch(() => setTimeout(tick, 2000));
  };
  setTimeout(tick, 500);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("button.copy").forEach((b) => {
    b.addEventListener("click", () => {
      const target = document.getElementById(b.dataset.copy);
      if (target) { copyText(target.innerText, b); }
    });
  });
  const box = document.getElementById("job");
  if (box && (box.dataset.status === "queued" || box.dataset.status === "running")) { pollJob(box); }
});
