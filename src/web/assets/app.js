// queuectl dashboard, in the browser: live updates over Server-Sent Events (the server says when
// the queue changed; the page fetches itself once and swaps its live regions), forms sent without
// leaving the page, times shown relative to now, the chart, and a running job's output as it
// comes. No framework; every text from the server goes in as markup it rendered (escaped) or as a
// text node.
(() => {
  "use strict";

  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
  const liveStatus = document.getElementById("live-status");
  /** @type {Map<string, string>} the markup of each live region as the server last sent it */
  const received = new Map();
  let version = Number(document.body.dataset.version || 0);
  let fetching = false;
  let again = false;
  let stale = false;

  const setLive = (state, text) => {
    if (!liveStatus) return;
    liveStatus.dataset.state = state;
    liveStatus.textContent = text;
  };

  // Editing a field in a region (a concurrency, a search) holds that region until it is left.
  const editing = (region) => {
    const active = document.activeElement;
    return active !== null && region.contains(active) &&
      (active.tagName === "INPUT" && active.type !== "hidden" || active.tagName === "SELECT");
  };

  async function refresh() {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    try {
      const response = await fetch(location.href, {
        headers: { "x-queuectl-live": "1", accept: "text/html" },
        cache: "no-store",
        credentials: "same-origin",
      });
      if (!response.ok) return; // a job dropped by retention: keep what is shown
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const region of fresh.querySelectorAll("[data-live][id]")) {
        const current = document.getElementById(region.id);
        if (!current || editing(current)) continue;
        // A keyed region (the output of a run) is replaced only when its key changes.
        if (current.dataset.key !== undefined && current.dataset.key === region.dataset.key) {
          continue;
        }
        const markup = region.innerHTML;
        if (received.get(region.id) === markup && current.dataset.key === undefined) continue;
        received.set(region.id, markup);
        current.replaceWith(document.adoptNode(region));
      }
      document.title = fresh.title;
      version = Number(fresh.body.dataset.version || version);
      enhance();
    } catch {
      // Offline for a moment: the next change tries again.
    } finally {
      fetching = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  }

  const changed = (data) => {
    if (data.version === version) return;
    if (document.hidden) stale = true; // a background tab catches up when shown
    else void refresh();
  };

  function connect() {
    const events = new EventSource("/events");
    events.addEventListener("hello", (event) => {
      setLive("live", "live");
      changed(JSON.parse(event.data));
    });
    events.addEventListener("change", (event) => changed(JSON.parse(event.data)));
    events.addEventListener("error", () => setLive("offline", "reconnecting…"));
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && stale) {
      stale = false;
      void refresh();
    }
  });

  // Times: relative to now, the local time on hover.
  const units = [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]];
  function relative(ms) {
    const diff = Math.round((ms - Date.now()) / 1000);
    const abs = Math.abs(diff);
    if (abs < 2) return "just now";
    if (abs > 30 * 86400) return new Date(ms).toLocaleDateString();
    const [unit, size] = units.find(([, size]) => abs >= size);
    const text = `${Math.floor(abs / size)}${unit}`;
    return diff < 0 ? `${text} ago` : `in ${text}`;
  }
  function formatTimes() {
    for (const element of document.querySelectorAll("time[datetime]")) {
      const ms = Date.parse(element.dateTime);
      if (!Number.isFinite(ms)) continue;
      element.title = new Date(ms).toLocaleString();
      element.textContent = relative(ms);
    }
  }

  // Toasts.
  function toast(text, error) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const item = document.createElement("div");
    item.className = error ? "toast error" : "toast";
    item.setAttribute("role", error ? "alert" : "status");
    item.textContent = text;
    box.append(item);
    setTimeout(() => item.remove(), error ? 8000 : 4000);
  }

  // State changes: POST with the CSRF token, without leaving the page.
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
    event.preventDefault();
    const question = form.dataset.confirm;
    if (question && !confirm(question)) return;
    const button = event.submitter;
    if (button) button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { accept: "application/json", "x-csrf-token": csrf },
        credentials: "same-origin",
      });
      const answer = await response.json().catch(() => ({ error: response.statusText }));
      toast(answer.message ?? answer.error ?? "Done", !response.ok);
    } catch {
      toast("The dashboard cannot be reached", true);
    } finally {
      if (button) button.disabled = false;
      document.activeElement?.blur?.();
      void refresh();
    }
  });

  // Filters apply as soon as a choice is made.
  document.addEventListener("change", (event) => {
    const field = event.target;
    if (field instanceof HTMLSelectElement && field.form?.hasAttribute("data-autosubmit")) {
      field.form.requestSubmit();
    }
  });

  // The chart of the overview.
  let chart;
  function drawChart() {
    const holder = document.getElementById("chart");
    const source = document.getElementById("chart-data");
    if (!holder || !source || typeof uPlot === "undefined") return;
    const series = JSON.parse(source.textContent);
    const data = [series.t, series.completed, series.failed];
    if (chart && chart.root.isConnected) {
      chart.setData(data);
      return;
    }
    const style = getComputedStyle(document.documentElement);
    const color = (name) => style.getPropertyValue(name).trim();
    const axis = {
      stroke: color("--muted"),
      grid: { stroke: color("--border"), width: 1 },
      ticks: { stroke: color("--border"), width: 1 },
    };
    const options = {
      width: holder.clientWidth,
      height: 260,
      legend: { show: false },
      cursor: { points: { show: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, max * 1.15)] } },
      axes: [axis, { ...axis, size: 44 }],
      series: [
        {},
        {
          label: "completed",
          stroke: color("--completed"),
          fill: `${color("--completed")}55`,
          width: 1,
          paths: uPlot.paths.bars({ size: [0.7, 40] }),
          points: { show: false },
        },
        { label: "failed runs", stroke: color("--failed"), width: 2, points: { show: false } },
      ],
    };
    holder.replaceChildren();
    chart = new uPlot(options, data, holder);
    new ResizeObserver(() => chart.setSize({ width: holder.clientWidth, height: 260 }))
      .observe(holder);
  }

  // A running job's output, as it comes.
  const MAX_LOG_CHARS = 2_000_000;
  function followLog() {
    const log = document.getElementById("log");
    if (!log || !log.dataset.stream || log.dataset.following) return;
    log.dataset.following = "1";
    const url = new URL(log.dataset.stream, location.href);
    const open = () => {
      const events = new EventSource(url);
      events.addEventListener("log", (event) => {
        const { text, end } = JSON.parse(event.data);
        url.searchParams.set("offset", String(end));
        const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 32;
        log.append(document.createTextNode(text));
        if (log.textContent.length > MAX_LOG_CHARS) {
          log.textContent = log.textContent.slice(-MAX_LOG_CHARS / 2);
        }
        if (atBottom) log.scrollTop = log.scrollHeight;
      });
      events.addEventListener("end", () => {
        events.close();
        log.dataset.ended = "1";
      });
      // Reconnect from where the text ends, not from where the page began.
      events.addEventListener("error", () => {
        events.close();
        if (log.isConnected && !log.dataset.ended) setTimeout(open, 2000);
      });
    };
    open();
  }

  function enhance() {
    formatTimes();
    drawChart();
    followLog();
  }

  for (const region of document.querySelectorAll("[data-live][id]")) {
    received.set(region.id, region.innerHTML);
  }
  enhance();
  connect();
  setInterval(formatTimes, 5000);
  const log = document.getElementById("log");
  if (log && location.hash === "#output") log.scrollTop = log.scrollHeight;
})();
