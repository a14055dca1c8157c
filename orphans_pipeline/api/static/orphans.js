// The review page's behaviour, for both the queue (/orphans) and a driver's detail
// (/orphans/{driver_id}). Plain JavaScript, no build, no inline handlers (a strict CSP allows it).
// Every action is previewed first (the API runs it and rolls back), the preview is shown next
// to what it acts on with "Aplicar" and "Cancelar", and the outcome stays there: the page never
// reloads by itself. Each message also goes to the live region, for screen readers.
"use strict";

(() => {
  const API = document.body.dataset.api;
  const byId = (id) => document.getElementById(id);
  const STATUS = {
    quarantined: "En cuarentena",
    resolved_relinked: "Resuelto: revinculado",
    resolved_created_lead: "Resuelto: lead creado",
    purged: "Purgado",
  };
  const NOUN = {
    relink: "Revincular",
    "create-lead": "Crear lead",
    purge: "Purgar",
    undo: "Deshacer",
  };
  const VERB = {relink: "revincular", "create-lead": "crear lead", purge: "purgar", undo: "deshacer"};
  const RUN_STATUS = {
    SUCCESS: "correcta", FAILURE: "fallida", STARTED: "en curso", STARTING: "arrancando",
    QUEUED: "en cola", NOT_STARTED: "por empezar", CANCELED: "cancelada", CANCELING: "cancelando",
  };
  const FIELDS = ["reviewer", "notes", "token"];
  // The server's reasons are in English (the API's contract); the status says it in Spanish.
  const HTTP = {
    400: "petición rechazada", 401: "falta el token o no es el correcto", 403: "no permitido",
    404: "no encontrado", 409: "el pipeline está ocupado, inténtelo en un momento",
    422: "datos no válidos", 503: "base de datos no disponible",
  };

  // --- who is reviewing ------------------------------------------------------------------------
  for (const id of FIELDS) byId(id).value = sessionStorage.getItem("orphans." + id) || "";
  byId("identity").addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const id of FIELDS) sessionStorage.setItem("orphans." + id, byId(id).value);
    // Reads that need the token use a cookie; changes take it from the Authorization header
    // alone. The server answers with an HttpOnly read cookie that no script can read.
    const token = byId("token").value;
    try {
      await fetch("/orphans/read-session", {
        method: "POST", headers: {Authorization: "Bearer " + token},
      });
    } catch (error) {
      // Saved in the tab all the same; a read that needs the token will say so.
    }
    announce("Revisor, notas y token guardados para esta pestaña.");
  });

  // --- messages --------------------------------------------------------------------------------
  function announce(text) {
    const live = byId("live");
    live.textContent = "";
    // A fresh text node after a tick, so the same message twice is announced twice.
    window.setTimeout(() => { live.textContent = text; }, 30);
  }

  function element(tag, text, attributes) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
    return node;
  }

  function show(box, kind, text, extra) {
    box.replaceChildren(element("p", text), ...(extra || []));
    box.className = "feedback" + (kind ? " " + kind : "");
    box.dataset.kind = kind || "info";
    const row = box.closest("tr.feedback-row");
    if (row) row.classList.add("active");
    box.scrollIntoView({block: "nearest"});
    announce(text);
  }

  async function call(method, url, body) {
    const headers = {"Content-Type": "application/json"};
    if (method !== "GET") headers.Authorization = "Bearer " + byId("token").value;
    const response = await fetch(url, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const detail = typeof data.detail === "string" ? data.detail
        : Array.isArray(data.detail)
          ? data.detail.map((d) => (d.loc || []).slice(-1)[0] + ": " + d.msg).join("; ")
          : response.statusText;
      throw new Error("(" + response.status + (HTTP[response.status] ? ", " + HTTP[response.status] : "") +
        "): " + detail);
    }
    return data;
  }

  // --- what an action does, in words that are true --------------------------------------------
  function consequences(action, outcome) {
    const d = outcome.details || {};
    if (action === "relink") {
      return d.already_linked
        ? "El lead " + d.source_table + "/" + d.source_pk + " ya es de esta persona: no se crea vínculo."
        : "Se crea un vínculo de lead MANUAL_RELINK de " + d.source_table + "/" + d.source_pk +
          " a la persona del conductor. Deshacer lo borra.";
    }
    if (action === "create-lead") {
      return "Se crean una fila de module_ct_migrations con los datos del conductor, su evento " +
        "de lead y un vínculo MANUAL_CREATED_LEAD. Deshacer borra los tres.";
    }
    if (action === "purge") {
      const link = d.deleted_driver_link;
      return (link ? "Se borra el vínculo del conductor #" + link.id + " (" + link.match_rule + ")"
        : "El conductor no tiene vínculo que borrar") +
        "; su contenido queda en el historial y Deshacer puede restaurarlo mientras sea la " +
        "última acción. Ninguna ejecución vuelve a evaluar a un conductor purgado.";
    }
    const parts = ["Se revierte «" + (VERB[d.undone_action] || d.undone_action) +
      "» (historial #" + d.undoes_history_id + ")"];
    if (d.deleted_link) parts.push("se borra el vínculo de lead #" + d.deleted_link.id);
    if (d.undone_action === "create-lead") parts.push("y el lead y el evento que creó");
    if (d.restored_link_id) parts.push("se restaura el vínculo del conductor #" + d.restored_link_id);
    return parts.join("; ") + ". Un deshacer no se puede deshacer.";
  }

  function change(outcome) {
    return (STATUS[outcome.from_status] || outcome.from_status) + " → " +
      (STATUS[outcome.to_status] || outcome.to_status);
  }

  // --- the actions -----------------------------------------------------------------------------
  function request(trigger) {
    const data = trigger.dataset;
    const body = {reviewer: byId("reviewer").value.trim(), notes: byId("notes").value};
    if (data.action === "relink") {
      if (trigger.tagName === "FORM") {
        body.source_table = trigger.elements.source_table.value;
        body.source_pk = trigger.elements.source_pk.value.trim();
      } else {
        body.source_table = data.sourceTable;
        body.source_pk = data.sourcePk;
      }
    }
    return {
      action: data.action,
      driver: data.driver,
      box: byId(data.feedback),
      url: API + "/" + encodeURIComponent(data.driver) + "/" + data.action,
      body,
    };
  }

  async function preview(trigger) {
    const r = request(trigger);
    const what = NOUN[r.action] + " · conductor " + r.driver;
    if (!r.body.reviewer) {
      show(r.box, "bad", what + ": escriba su nombre en «Revisor» (arriba) y pulse Guardar antes de decidir.");
      return;
    }
    show(r.box, "", what + ": un momento, preguntando al servidor…");
    let outcome;
    try {
      outcome = await call("POST", r.url, {...r.body, execute: false});
    } catch (error) {
      show(r.box, "bad", what + ": rechazado " + error.message);
      return;
    }
    const apply = element("button", "Aplicar", {
      type: "button", "data-testid": "apply-" + r.driver,
      "aria-label": "Aplicar: " + VERB[r.action] + " al conductor " + r.driver,
    });
    if (r.action === "purge") apply.className = "danger";
    const cancel = element("button", "Cancelar", {
      type: "button", class: "secondary", "data-testid": "cancel-" + r.driver,
      "aria-label": "Cancelar: " + VERB[r.action] + " al conductor " + r.driver,
    });
    const buttons = element("div", undefined, {class: "actions"});
    buttons.append(apply, cancel);
    show(r.box, "", "Vista previa, nada escrito todavía. " + what + ": " + change(outcome) + ". " +
      consequences(r.action, outcome), [buttons]);
    apply.focus();
    apply.addEventListener("click", () => execute(r));
    cancel.addEventListener("click", () => {
      show(r.box, "", what + ": cancelado, nada escrito.");
      if (document.contains(trigger)) trigger.focus();
    });
  }

  async function execute(r) {
    const what = NOUN[r.action] + " · conductor " + r.driver;
    for (const button of r.box.querySelectorAll("button")) button.disabled = true;
    let done;
    try {
      done = await call("POST", r.url, {...r.body, execute: true});
    } catch (error) {
      show(r.box, "bad", what + ": rechazado " + error.message);
      return;
    }
    const problem = await refresh(r.driver);
    // The redraw may have replaced the box: the message goes to the one on the page now.
    const box = byId(r.box.id) || r.box;
    show(box, "good", "Aplicado. " + what + " por " + done.reviewer + ": " + change(done) +
      " (historial #" + done.history_id + ")." + problem);
    box.setAttribute("tabindex", "-1");
    box.focus();
  }

  // After an action the row, or the detail, shows the driver as it is now; never a reload.
  // Returns "" or what went wrong with the redraw (the action itself is applied).
  async function refresh(driver) {
    try {
      const row = document.querySelector("tr.orphan[data-driver-id='" + CSS.escape(driver) + "']");
      if (row) {
        const response = await fetch("/orphans/" + encodeURIComponent(driver) + "/row");
        if (!response.ok) throw new Error("(" + response.status + ")");
        const holder = document.createElement("tbody");
        holder.innerHTML = await response.text();
        const fresh = holder.querySelector("tr.orphan");
        if (fresh) row.replaceWith(fresh);
        await refreshMetrics();
      }
      const detail = byId("detail");
      if (detail && detail.dataset.driverId === driver) {
        const response = await fetch(window.location.pathname);
        if (!response.ok) throw new Error("(" + response.status + ")");
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.getElementById("detail");
        if (fresh) detail.replaceWith(document.adoptNode(fresh));
      }
      return "";
    } catch (error) {
      return " No se pudo redibujar " + error.message + ": recargue la página para verlo.";
    }
  }

  async function refreshMetrics() {
    const metrics = await call("GET", API + "/metrics");
    const set = (key, value) => {
      const node = document.querySelector("[data-testid='metric-" + key + "']");
      if (node) node.textContent = String(value);
    };
    set("total", metrics.total_orphans);
    for (const [status, rows] of Object.entries(metrics.by_status)) set(status, rows);
    set("with_lead_events", metrics.with_lead_events);
    set("without_lead_events", metrics.without_lead_events);
  }

  document.addEventListener("click", (event) => {
    const trigger = event.target.closest("button[data-action]");
    if (trigger) {
      event.preventDefault();
      preview(trigger);
      return;
    }
    const run = event.target.closest("button[data-run]");
    if (run) {
      event.preventDefault();
      if (run.dataset.run === "execute") confirmExecute(); else runFix(false);
    }
  });
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-action]");
    if (form) {
      event.preventDefault();
      preview(form);
    }
  });

  // --- run-fix ---------------------------------------------------------------------------------
  function confirmExecute() {
    const box = byId("run-result");
    const go = element("button", "Ejecutar ahora", {type: "button", class: "danger", "data-testid": "run-execute-confirm"});
    const cancel = element("button", "Cancelar", {type: "button", class: "secondary"});
    const buttons = element("div", undefined, {class: "actions"});
    buttons.append(go, cancel);
    show(box, "", "Ejecutar escribe en la base de datos: vínculos de lead, filas de cuarentena " +
      "e historial (una simulación no escribe nada de eso). ¿Ejecutar ahora?", [buttons]);
    go.focus();
    go.addEventListener("click", () => runFix(true));
    cancel.addEventListener("click", () => show(box, "", "Ejecución cancelada, nada escrito."));
  }

  function reportLink(path, label) {
    const name = path.split(/[\\/]/).pop();
    return element("a", label + " (" + name + ")", {
      href: "/orphans/reports/" + encodeURIComponent(name), download: name,
      "data-testid": "report-" + name.split(".").pop(),
    });
  }

  async function runFix(execute) {
    const box = byId("run-result");
    const mode = execute ? "Ejecución" : "Simulación";
    try {
      const started = await call("POST", API + "/run-fix", {execute});
      const link = element("a", "ver la ejecución " + started.run_id + " en Dagster", {href: started.dagster_ui_url});
      const out = element("pre", mode + ": en cola", {"data-testid": "run-status"});
      show(box, "", mode + " lanzada.", [link, out]);
      for (;;) {
        const run = await call("GET", started.status_url);
        const status = run.status ? (RUN_STATUS[run.status] || run.status) + " (" + run.status + ")" : "en cola";
        out.textContent = mode + ": " + status;
        if (run.finished) {
          // Three figures per line keeps the result beside the table instead of pushing it away.
          const cells = Object.entries(run.stats || {}).map(([k, v]) => (k + " " + v).padEnd(34));
          const stats = cells.map((cell, i) => cell + ((i % 3 === 2) ? "\n" : "")).join("").trimEnd();
          const checks = Object.entries(run.checks || {})
            .map(([k, v]) => "comprobación " + k + ": " + (v ? "correcta" : "FALLIDA")).join("\n");
          out.textContent += "\n" + stats + (checks ? "\n" + checks : "") +
            (run.error ? "\nerror: " + run.error : "");
          const links = element("div", undefined, {class: "actions"});
          if (run.report_csv_path) links.append(reportLink(run.report_csv_path, "Descargar informe CSV"));
          if (run.report_json_path) links.append(reportLink(run.report_json_path, "Descargar informe JSON"));
          box.append(links);
          announce(mode + " terminada: " + status + ".");
          break;
        }
        await new Promise((resolve) => { window.setTimeout(resolve, 1000); });
      }
    } catch (error) {
      show(box, "bad", mode + " rechazada " + error.message);
    }
  }
})();
