/*
 * A Configuration form for the built form script (`SmsBridge.Forms.Configuration`): a small `formContext` over
 * the record read through the Web API (attributes, save of changed values, refresh, form notifications) and the
 * Xrm pieces the script uses (progress indicator). **Validate** runs the script's own `validate`, as the
 * form's command does; the function app answers through the Configuration webhook.
 */
(function () {
  "use strict";
  var devstack = window.devstack;
  var boot = devstack.boot;
  var record = boot.record;
  var forms = window.SmsBridge && window.SmsBridge.Forms;
  var notifications = document.getElementById("dv-form-notifications");
  var fieldList = document.getElementById("dv-config-fields");
  var button = document.getElementById("dv-validate");
  var FORMATTED = "@OData.Community.Display.V1.FormattedValue";
  var COLUMNS = ["smsb_name", "smsb_mobilenumber", "smsb_accountsid", "smsb_callbackurl", "smsb_autoconfigure",
    "smsb_validationstatus", "smsb_validationmessage", "smsb_lastvalidatedon", "smsb_validaterequestedon"];
  var LABELS = { smsb_mobilenumber: "Mobile Number", smsb_accountsid: "Account SID", smsb_validationstatus: "Validation Status",
    smsb_lastvalidatedon: "Last Validated On" };
  var DATES = { smsb_lastvalidatedon: true, smsb_validaterequestedon: true };

  if (!forms) {
    button.disabled = true;
    notifications.textContent = "The form scripts are not built: run `make frontend`.";
    return;
  }
  var api = new window.SmsBridge.FetchDataverseApi({ baseUrl: boot.apiBase, token: boot.token, user: boot.user && boot.user.id });
  var row = {};
  var attributes = {};
  var shown = {};

  function attribute(name) {
    var state = { value: null, dirty: false, handlers: [] };
    var self = {
      getName: function () { return name; },
      getValue: function () { return state.value; },
      setValue: function (value) { state.value = value; state.dirty = true; },
      setSubmitMode: function () {},
      getIsDirty: function () { return state.dirty; },
      addOnChange: function (handler) { state.handlers.push(handler); },
      fireOnChange: function () { state.handlers.forEach(function (h) { h({ getEventSource: function () { return self; } }); }); },
      _load: function (value) {
        var changed = String(state.value) !== String(value);
        state.value = value;
        state.dirty = false;
        if (changed) self.fireOnChange();
      },
      _state: state,
    };
    return self;
  }
  COLUMNS.forEach(function (name) { attributes[name] = attribute(name); });

  function valueOf(name, raw) {
    if (raw === undefined || raw === null) return null;
    return DATES[name] ? new Date(raw) : raw;
  }

  async function read() {
    var query = "?$select=" + COLUMNS.join(",");
    row = await api.retrieve({ entitySet: record.entitySet }, record.id, query);
    COLUMNS.forEach(function (name) { attributes[name]._load(valueOf(name, row[name])); });
    fieldList.replaceChildren();
    Object.keys(LABELS).forEach(function (name) {
      var item = document.createElement("div");
      var term = document.createElement("dt");
      term.textContent = LABELS[name];
      var value = document.createElement("dd");
      var raw = row[name];
      value.textContent = row[name + FORMATTED] || (raw === null || raw === undefined ? "—" : String(raw));
      item.append(term, value);
      fieldList.append(item);
    });
  }

  function renderNotifications() {
    notifications.replaceChildren();
    Object.keys(shown).forEach(function (id) {
      var note = document.createElement("p");
      note.className = "dv-notification" + (shown[id].level === "ERROR" ? " dv-error" : "");
      note.dataset.level = shown[id].level;
      note.textContent = shown[id].message;
      notifications.append(note);
    });
  }

  var formContext = {
    getAttribute: function (name) { return attributes[name] || null; },
    getControl: function () { return null; },
    data: {
      entity: {
        getId: function () { return "{" + record.id.toUpperCase() + "}"; },
        getEntityName: function () { return record.table; },
      },
      save: async function () {
        var changes = {};
        COLUMNS.forEach(function (name) {
          var state = attributes[name]._state;
          if (!state.dirty) return;
          changes[name] = state.value instanceof Date ? state.value.toISOString() : state.value;
        });
        if (Object.keys(changes).length) await api.update({ entitySet: record.entitySet }, record.id, changes);
        COLUMNS.forEach(function (name) { attributes[name]._state.dirty = false; });
      },
      refresh: function () { return read(); },
    },
    ui: {
      getFormType: function () { return 2; },
      setFormNotification: function (message, level, id) { shown[id] = { message: message, level: level }; renderNotifications(); return true; },
      clearFormNotification: function (id) { delete shown[id]; renderNotifications(); return true; },
    },
  };
  var xrm = {
    Utility: {
      showProgressIndicator: function (message) { button.disabled = true; button.textContent = message; },
      closeProgressIndicator: function () { button.disabled = false; button.textContent = "Validate"; },
    },
  };
  var deps = { xrm: xrm, api: api };
  var executionContext = { getFormContext: function () { return formContext; } };

  button.addEventListener("click", function () { void forms.Configuration.validate(formContext, deps); });
  read().then(function () { return forms.Configuration.onLoad(executionContext, deps); }).catch(function (error) {
    formContext.ui.setFormNotification("The Configuration could not be read: " + (error && error.message), "ERROR", "dv_load");
  });
})();
