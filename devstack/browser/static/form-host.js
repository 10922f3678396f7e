/*
 * Runs a record page's form as Dynamics runs the solution's form: the form definition (`devstack.boot.form`, from
 * solution/forms through devstack/browser/forms.py) drawn by the page, the record read through the Web API as the
 * chosen user, and a `formContext` over its fields (attributes, controls, save, refresh, form notifications, web
 * resource controls) for the form's OnLoad handler and its command bar buttons (functions of the form's libraries,
 * called with PrimaryControl, shown when their enable rule says so). A small `Xrm` (WebApi, Utility, Navigation) is
 * there for the scripts, as the app provides it. Other subgrids list their related rows through their view.
 */
(function () {
  "use strict";
  var devstack = window.devstack;
  var boot = devstack.boot;
  var model = boot.form;
  var record = boot.record;
  if (!model || !record) return;
  var FORMATTED = "@OData.Community.Display.V1.FormattedValue";
  var LOOKUP_TABLE = "@Microsoft.Dynamics.CRM.lookuplogicalname";
  var notifications = document.getElementById("dv-form-notifications");
  var fields = {};
  var attributes = {};
  var controls = {};
  var shown = {};
  var row = {};

  model.header.forEach(function (field) { fields[field.name] = field; });
  model.tabs.forEach(function (tab) {
    tab.sections.forEach(function (section) {
      section.fields.forEach(function (field) { fields[field.name] = field; });
    });
  });

  // --- attributes and controls ---------------------------------------------------------------------------------

  function valueFrom(field, data) {
    var raw = data[field.property];
    if (raw === undefined || raw === null) return null;
    if (field.type === "datetime") return new Date(raw);
    if (field.property !== field.name) {
      return [{ id: "{" + String(raw).toUpperCase() + "}", name: data[field.property + FORMATTED] || "", entityType: data[field.property + LOOKUP_TABLE] || "" }];
    }
    return raw;
  }

  function display(field, data) {
    if (field.secured && data[field.property] !== undefined && data[field.property] !== null) return "********";
    var formatted = data[field.property + FORMATTED];
    var raw = data[field.property];
    if (formatted !== undefined && formatted !== null) return String(formatted);
    return raw === undefined || raw === null || raw === "" ? "—" : String(raw);
  }

  function inputOf(name) { return document.querySelector('[data-input="' + name + '"]'); }

  function showValue(name) {
    var field = fields[name];
    var attribute = attributes[name];
    var input = inputOf(name);
    var value = attribute ? attribute.getValue() : null;
    if (input) {
      if (input.tagName === "SELECT") input.value = value === null || value === undefined ? "" : JSON.stringify(value);
      else input.value = value === null || value === undefined ? "" : String(value);
    }
    var text = attribute && attribute._state.dirty ? (value === null ? "—" : String(value)) : display(field, row);
    document.querySelectorAll('[data-value="' + name + '"], [data-header="' + name + '"]').forEach(function (el) {
      el.textContent = text;
    });
  }

  function attribute(name) {
    var state = { value: null, dirty: false, always: false, handlers: [] };
    var self = {
      getName: function () { return name; },
      getAttributeType: function () { return fields[name].type; },
      getValue: function () { return state.value; },
      setValue: function (value) { state.value = value; state.dirty = true; showValue(name); },
      setSubmitMode: function (mode) { state.always = mode === "always"; },
      getIsDirty: function () { return state.dirty; },
      getRequiredLevel: function () { return fields[name].required ? "required" : "none"; },
      setRequiredLevel: function () {},
      addOnChange: function (handler) { state.handlers.push(handler); },
      removeOnChange: function (handler) { state.handlers = state.handlers.filter(function (h) { return h !== handler; }); },
      fireOnChange: function () {
        state.handlers.forEach(function (handler) { handler({ getEventSource: function () { return self; }, getFormContext: function () { return formContext; } }); });
      },
      controls: { get: function () { return controls[name] ? [controls[name]] : []; } },
      _load: function (value) {
        var changed = String(state.value) !== String(value);
        state.value = value;
        state.dirty = false;
        showValue(name);
        if (changed) self.fireOnChange();
      },
      _state: state,
    };
    return self;
  }

  function notesOf(name) { return document.getElementById("dv-n-" + name); }

  function fieldControl(name) {
    var notes = {};
    var element = function () { return inputOf(name) || document.getElementById("dv-f-" + name); };
    function drawNotes() {
      var box = notesOf(name);
      if (!box) return;
      box.replaceChildren();
      Object.keys(notes).forEach(function (id) {
        var note = document.createElement("p");
        note.className = "dv-field-note";
        note.textContent = notes[id].messages.join(" ");
        (notes[id].actions || []).forEach(function (action) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "dv-link-button";
          button.textContent = action.message;
          button.addEventListener("click", function () { (action.actions || []).forEach(function (run) { run(); }); });
          note.append(" ", button);
        });
        box.append(note);
      });
    }
    return {
      getName: function () { return name; },
      getControlType: function () { return "standard"; },
      getAttribute: function () { return attributes[name]; },
      getLabel: function () { return fields[name].label; },
      getDisabled: function () { var el = element(); return !el || el.disabled || el.tagName === "OUTPUT"; },
      setDisabled: function (disabled) { var el = inputOf(name); if (el) el.disabled = !!disabled; },
      getVisible: function () { return !document.querySelector('[data-field="' + name + '"]').hidden; },
      setVisible: function (visible) { document.querySelector('[data-field="' + name + '"]').hidden = !visible; },
      setFocus: function () { var el = element(); if (el) el.focus(); },
      addNotification: function (notification) { notes[notification.uniqueId] = notification; drawNotes(); return true; },
      setNotification: function (message, id) { notes[id || "_"] = { messages: [message] }; drawNotes(); return true; },
      clearNotification: function (id) { if (id === undefined) notes = {}; else delete notes[id]; drawNotes(); return true; },
    };
  }

  function webResourceControl(frame) {
    var name = frame.dataset.webresourceControl;
    var loaded = new Promise(function (resolve) {
      if (frame.contentDocument && frame.contentDocument.readyState === "complete" && frame.contentDocument.URL !== "about:blank") resolve();
      else frame.addEventListener("load", function () { resolve(); }, { once: true });
    });
    return {
      getName: function () { return name; },
      getControlType: function () { return "webresource"; },
      getContentWindow: function () { return loaded.then(function () { return frame.contentWindow; }); },
      getObject: function () { return frame; },
      getVisible: function () { return !frame.parentElement.hidden; },
      setVisible: function (visible) { frame.parentElement.hidden = !visible; },
    };
  }

  Object.keys(fields).forEach(function (name) {
    attributes[name] = attribute(name);
    controls[name] = fieldControl(name);
  });
  document.querySelectorAll("[data-webresource-control]").forEach(function (frame) {
    controls[frame.dataset.webresourceControl] = webResourceControl(frame);
  });

  // Edits typed into the form go to the attributes (and fire OnChange, as the form does when a field loses focus).
  document.querySelectorAll("[data-input]").forEach(function (input) {
    input.addEventListener("change", function () {
      var name = input.dataset.input;
      var field = fields[name];
      var value = input.value === "" ? null : input.tagName === "SELECT" ? JSON.parse(input.value)
        : field.type === "integer" || field.type === "bigint" ? Number(input.value) : input.value;
      attributes[name].setValue(value);
      attributes[name].fireOnChange();
    });
  });

  // --- reading and saving --------------------------------------------------------------------------------------

  async function read() {
    row = await devstack.webAPI.retrieveRecord(record.table, record.id, "?$select=" + model.select.join(","));
    Object.keys(attributes).forEach(function (name) { attributes[name]._load(valueFrom(fields[name], row)); });
    var title = document.querySelector(".dv-form-header h1");
    if (title && model.primaryName && row[model.primaryName]) title.textContent = row[model.primaryName];
  }

  async function save() {
    var changes = {};
    Object.keys(attributes).forEach(function (name) {
      var state = attributes[name]._state;
      if (!state.dirty && !state.always) return;
      var value = state.value;
      // A lookup is written through its navigation property; the stand-in only ever clears one.
      if (fields[name].property !== name) {
        if (value === null) changes[name + "@odata.bind"] = null;
        return;
      }
      changes[name] = value instanceof Date ? value.toISOString() : value;
    });
    if (Object.keys(changes).length) await devstack.webAPI.updateRecord(record.table, record.id, changes);
    Object.keys(attributes).forEach(function (name) { attributes[name]._state.dirty = false; attributes[name]._state.always = false; });
    await read();
    evaluateCommands();
  }

  function renderNotifications() {
    notifications.replaceChildren();
    Object.keys(shown).forEach(function (id) {
      var note = document.createElement("p");
      note.className = "dv-notification dv-" + shown[id].level.toLowerCase();
      note.dataset.level = shown[id].level;
      note.dataset.id = id;
      note.textContent = shown[id].message;
      notifications.append(note);
    });
  }

  var formContext = {
    getAttribute: function (name) { return name === undefined ? Object.values(attributes) : attributes[name] || null; },
    getControl: function (name) { return name === undefined ? Object.values(controls) : controls[name] || null; },
    data: {
      entity: {
        getId: function () { return "{" + record.id.toUpperCase() + "}"; },
        getEntityName: function () { return record.table; },
        getPrimaryAttributeValue: function () { return model.primaryName ? row[model.primaryName] : null; },
        getIsDirty: function () { return Object.values(attributes).some(function (a) { return a.getIsDirty(); }); },
        save: function () { return save(); },
      },
      save: function () { return save(); },
      refresh: function (withSave) { return withSave ? save() : read().then(evaluateCommands); },
      getIsDirty: function () { return formContext.data.entity.getIsDirty(); },
    },
    ui: {
      getFormType: function () { return 2; },
      setFormNotification: function (message, level, id) { shown[id] = { message: message, level: level }; renderNotifications(); return true; },
      clearFormNotification: function (id) { delete shown[id]; renderNotifications(); return true; },
      refreshRibbon: function () { evaluateCommands(); },
    },
  };
  devstack.formContext = formContext;

  // --- the app around the form: Xrm ----------------------------------------------------------------------------

  var progress = null;
  var user = boot.user || { id: "00000000-0000-0000-0000-000000000000", name: "" };
  window.Xrm = window.Xrm || {
    WebApi: devstack.webAPI,
    Utility: {
      getGlobalContext: function () {
        return {
          getClientUrl: function () { return location.origin; },
          userSettings: { userId: "{" + user.id.toUpperCase() + "}", userName: user.name, languageId: 1033 },
        };
      },
      getEntityMetadata: function (table) { return devstack.entityMetadata(table); },
      showProgressIndicator: function (message) {
        if (!progress) {
          progress = document.createElement("div");
          progress.className = "dv-progress";
          progress.setAttribute("role", "status");
          document.body.append(progress);
        }
        progress.textContent = message;
      },
      closeProgressIndicator: function () { if (progress) progress.remove(); progress = null; },
    },
    Navigation: {
      openAlertDialog: function (strings) { window.alert(strings.text); return Promise.resolve(); },
      openConfirmDialog: function (strings) { return Promise.resolve({ confirmed: window.confirm(strings.text) }); },
      navigateTo: function (page) {
        if (page && page.pageType === "entityrecord" && page.entityId) {
          location.assign(devstack.withUser("/devstack/record/" + page.entityName + "/" + devstack.clean(page.entityId)));
        }
        return Promise.resolve();
      },
      openForm: function (options) { return Xrm.Navigation.navigateTo({ pageType: "entityrecord", entityName: options.entityName, entityId: options.entityId }); },
    },
  };

  function resolve(path) {
    return path.split(".").reduce(function (target, key) { return target ? target[key] : undefined; }, window);
  }

  function parameters(names) {
    return names.map(function (name) {
      if (name === "PrimaryControl") return formContext;
      if (name === "PrimaryEntityTypeName") return record.table;
      if (name === "FirstPrimaryItemId") return "{" + record.id.toUpperCase() + "}";
      return undefined;
    });
  }

  // --- command bar ---------------------------------------------------------------------------------------------

  function evaluateCommands() {
    model.commands.forEach(function (command) {
      var button = document.querySelector('[data-command="' + command.id + '"]');
      var enabled = true;
      if (command.enable) {
        var rule = resolve(command.enable.function);
        try {
          enabled = typeof rule === "function" ? !!rule.apply(null, parameters(command.enable.parameters)) : command.enable.default;
        } catch (error) {
          enabled = command.enable.default;
        }
      }
      button.hidden = typeof resolve(command.function) !== "function" || !enabled;
    });
  }

  document.querySelector('[data-command="save"]').addEventListener("click", function () {
    save().catch(function (error) { formContext.ui.setFormNotification("The record could not be saved: " + error.message, "ERROR", "dv_save"); });
  });
  model.commands.forEach(function (command) {
    document.querySelector('[data-command="' + command.id + '"]').addEventListener("click", function () {
      var action = resolve(command.function);
      if (typeof action === "function") void Promise.resolve(action.apply(null, parameters(command.parameters))).then(evaluateCommands);
    });
  });

  // --- tabs ----------------------------------------------------------------------------------------------------

  var tabs = Array.prototype.slice.call(document.querySelectorAll('[role="tab"]'));
  function select(tab) {
    tabs.forEach(function (other) {
      var on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !on;
    });
  }
  tabs.forEach(function (tab, index) {
    tab.addEventListener("click", function () { select(tab); });
    tab.addEventListener("keydown", function (event) {
      var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      var next = tabs[(index + step + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  });

  // --- subgrids (other than the chat) --------------------------------------------------------------------------

  function loadSubgrid(grid) {
    var box = document.querySelector('[data-subgrid="' + grid.name + '"]');
    if (!box || grid.control || !grid.relatedBy) return;
    var select = [grid.primaryId].concat(grid.columns.map(function (c) { return c.property; }));
    var filter = grid.relatedBy + " eq " + record.id + (grid.filter ? " and " + grid.filter : "");
    var query = grid.entitySet + "?$select=" + select.join(",") + "&$filter=" + filter + (grid.orderBy ? "&$orderby=" + grid.orderBy : "");
    devstack.call("GET", query, undefined, { Prefer: devstack.PREFER + ",odata.maxpagesize=" + grid.pageSize })
      .then(function (response) { return response.json(); })
      .then(function (page) {
        var body = box.querySelector("tbody");
        body.replaceChildren();
        (page.value || []).forEach(function (item) {
          var tr = document.createElement("tr");
          grid.columns.forEach(function (column, index) {
            var cell = document.createElement(index === 0 ? "th" : "td");
            if (index === 0) {
              cell.scope = "row";
              var link = document.createElement("a");
              link.href = devstack.withUser("/devstack/record/" + grid.table + "/" + item[grid.primaryId]);
              link.textContent = display(column, item);
              cell.append(link);
            } else {
              cell.textContent = display(column, item);
            }
            tr.append(cell);
          });
          body.append(tr);
        });
        box.querySelector(".dv-grid-empty").hidden = (page.value || []).length > 0;
      })
      .catch(function (error) { box.querySelector(".dv-grid-empty").textContent = "Could not load: " + error.message; });
  }

  // --- start ---------------------------------------------------------------------------------------------------

  var executionContext = {
    getFormContext: function () { return formContext; },
    getEventSource: function () { return formContext; },
    getDepth: function () { return 0; },
  };
  read().then(function () {
    model.tabs.forEach(function (tab) { tab.sections.forEach(function (section) { if (section.subgrid) loadSubgrid(section.subgrid); }); });
    evaluateCommands();
    if (!model.onload) return undefined;
    var handler = resolve(model.onload.function);
    if (typeof handler !== "function") {
      formContext.ui.setFormNotification("The form's scripts are not built: run `make frontend`.", "ERROR", "dv_scripts");
      return undefined;
    }
    return Promise.resolve(model.onload.passContext ? handler(executionContext) : handler()).then(evaluateCommands);
  }).catch(function (error) {
    formContext.ui.setFormNotification("The record could not be read: " + (error && error.message), "ERROR", "dv_load");
  });
})();
