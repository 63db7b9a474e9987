// smart-spawn dashboard: small progressive enhancements over server-rendered pages.
// Every page works without this file; with it, the try-a-task form updates in place, chart
// points show a tooltip, and the refresh button reports progress. No external requests.
"use strict";

function swapFrom(html, selector) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const fresh = doc.querySelector(selector) || doc.querySelector("main");
  const here = document.querySelector(selector) || document.querySelector("main");
  if (fresh && here) here.replaceWith(fresh);
  return fresh;
}

function enhanceSwapForms() {
  document.querySelectorAll("form[data-swap]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const params = new URLSearchParams(new FormData(form));
      const url = form.action + "?" + params.toString();
      const button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      try {
        const response = await fetch(url, { credentials: "same-origin" });
        const fresh = swapFrom(await response.text(), form.dataset.swap);
        history.pushState(null, "", url);
        shown = location.pathname + location.search;
        if (fresh) fresh.querySelector("h2, [role=alert]")?.setAttribute("tabindex", "-1");
      } catch (err) {
        form.submit();
      } finally {
        if (button) button.disabled = false;
      }
    });
  });
}

function enhanceTips() {
  const tip = document.getElementById("tip");
  if (!tip) return;
  const box = tip.parentElement;
  const show = (target, x, y) => {
    tip.textContent = target.dataset.tip;
    tip.hidden = false;
    const r = box.getBoundingClientRect();
    const left = Math.min(x - r.left + 12, r.width - tip.offsetWidth - 4);
    tip.style.left = Math.max(4, left) + "px";
    tip.style.top = (y - r.top + 12) + "px";
  };
  box.addEventListener("mousemove", (event) => {
    const target = event.target.closest("[data-tip]");
    if (target) show(target, event.clientX, event.clientY);
    else tip.hidden = true;
  });
  box.addEventListener("mouseleave", () => { tip.hidden = true; });
}

function enhanceRefresh() {
  const form = document.querySelector("form[data-refresh]");
  if (!form) return;
  const button = document.getElementById("refresh-button");
  const bar = document.getElementById("refresh-progress");
  const status = document.getElementById("refresh-status");
  const poll = async (started, estimate) => {
    const response = await fetch("/dashboard/sources/table", { credentials: "same-origin" });
    const fresh = swapFrom(await response.text(), "#sources-table");
    const elapsed = Math.round((Date.now() - started) / 1000);
    if (fresh && fresh.dataset.refreshing === "true") {
      bar.max = Math.max(estimate, elapsed + 1);
      bar.value = elapsed;
      status.textContent = "Refreshing… " + elapsed + " s";
      setTimeout(() => poll(started, estimate), 1000);
    } else {
      bar.hidden = true;
      button.disabled = false;
      status.textContent = "Refresh finished after " + elapsed + " s.";
    }
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = form.elements.refresh_key.value.trim();
    const headers = key ? { Authorization: "Bearer " + key } : {};
    button.disabled = true;
    status.textContent = "Starting refresh…";
    const response = await fetch("/api/refresh", { method: "POST", headers, credentials: "same-origin" });
    let body = {};
    try { body = await response.json(); } catch (err) { body = {}; }
    if (!response.ok) {
      button.disabled = false;
      status.textContent = "Refresh refused: " + ((body.error && body.error.message) || response.status);
      return;
    }
    const data = body.data || {};
    bar.hidden = false;
    bar.removeAttribute("value");
    status.textContent = data.started ? "Refresh started." : (data.message || "A refresh is already running.");
    setTimeout(() => poll(Date.now(), data.estimatedSeconds || 30), 500);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  enhanceSwapForms();
  enhanceTips();
  enhanceRefresh();
});
// Back/forward across in-place updates: reload when the page URL (not just its #fragment,
// e.g. the skip link) differs from what is shown.
let shown = location.pathname + location.search;
window.addEventListener("popstate", () => {
  if (location.pathname + location.search !== shown) location.reload();
});
