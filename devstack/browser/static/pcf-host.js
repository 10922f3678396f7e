/*
 * Hosts the built TextSMSChatSystem bundle on a record page as a model-driven form would on a Message Sessions
 * subgrid: a PCF context with the record's sessions as the dataset, `webAPI` over fetch to the emulator acting
 * as the chosen user (MSCRMCallerID), `utils.getEntityMetadata`, `navigation` stubs (recorded in
 * `window.devstack.navigation`), `userSettings`, `mode` (with `contextInfo` naming the record) and `resources`.
 */
(function () {
  "use strict";
  var devstack = window.devstack;
  var boot = devstack.boot;
  var record = boot.record;
  var root = document.getElementById("dv-chat-root");
  var CONTROL = "SmsBridge.TextSMSChatSystem";
  var FORMATTED = "@OData.Community.Display.V1.FormattedValue";
  var LOOKUP_TABLE = "@Microsoft.Dynamics.CRM.lookuplogicalname";
  var PREFER = 'odata.include-annotations="*"';
  // AttributeTypeCode values, as Xrm.Utility.getEntityMetadata reports them.
  var ATTRIBUTE_TYPES = {
    Boolean: 0, Customer: 1, DateTime: 2, Decimal: 3, Double: 4, Integer: 5, Lookup: 6, Memo: 7, Money: 8,
    Owner: 9, PartyList: 10, Picklist: 11, State: 12, Status: 13, String: 14, Uniqueidentifier: 15,
    CalendarRules: 16, Virtual: 17, BigInt: 18, ManagedProperty: 19, EntityName: 20,
  };

  function problem(text) {
    var note = document.createElement("p");
    note.className = "dv-missing";
    note.setAttribute("role", "alert");
    note.textContent = text;
    root.replaceChildren(note);
  }

  var Control = window.ComponentFramework && window.ComponentFramework.registered[CONTROL];
  if (!window.React || !window.ReactDOM || !window.FluentUIReactv940 || !Control) {
    problem("The chat control could not load (" + (Control ? "platform libraries missing" : "bundle missing") +
      "). Build it with `make controls` and run `make setup`.");
    return;
  }

  // --- Web API (the shape of Xrm.WebApi / ComponentFramework.WebApi) -------------------------------------------

  async function failure(response) {
    // Xrm.WebApi rejects with an Error carrying `errorCode` (the service's error code as a signed number).
    var text = await response.text();
    var message = "HTTP " + response.status;
    var code = response.status;
    try {
      var body = JSON.parse(text).error || {};
      if (typeof body.code === "string" && /^0x[0-9a-f]+$/i.test(body.code)) code = parseInt(body.code, 16) | 0;
      if (body.message) message = body.message;
    } catch (ignored) {
      if (text) message = text.slice(0, 300);
    }
    var error = new Error(message);
    error.errorCode = code;
    error.code = code;
    error.status = response.status;
    return error;
  }

  async function call(method, path, body, extra) {
    var response = await devstack.api(method, path, body, extra);
    if (!response.ok) throw await failure(response);
    return response;
  }

  var metadataCache = {};
  function entityMetadata(table) {
    if (!metadataCache[table]) {
      var base = "EntityDefinitions(LogicalName='" + table + "')";
      metadataCache[table] = Promise.all([
        call("GET", base + "?$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute").then(function (r) { return r.json(); }),
        call("GET", base + "/Attributes?$select=LogicalName,AttributeType").then(function (r) { return r.json(); }),
      ]).then(function (parts) {
        var entity = parts[0];
        var label = entity.DisplayName;
        if (label && typeof label === "object") {
          label = (label.UserLocalizedLabel && label.UserLocalizedLabel.Label) || (label.LocalizedLabels && label.LocalizedLabels[0] && label.LocalizedLabels[0].Label) || table;
        }
        var attributes = {};
        (parts[1].value || []).forEach(function (a) {
          var type = typeof a.AttributeType === "number" ? a.AttributeType : ATTRIBUTE_TYPES[a.AttributeType];
          attributes[a.LogicalName] = { LogicalName: a.LogicalName, AttributeType: type };
        });
        return {
          LogicalName: table,
          EntitySetName: entity.EntitySetName,
          DisplayName: label || table,
          PrimaryIdAttribute: entity.PrimaryIdAttribute,
          PrimaryNameAttribute: entity.PrimaryNameAttribute,
          Attributes: { get: function (name) { return attributes[name]; }, getAll: function () { return Object.values(attributes); } },
        };
      });
      metadataCache[table].catch(function () { delete metadataCache[table]; });
    }
    return metadataCache[table];
  }

  function entitySet(table) {
    return entityMetadata(table).then(function (m) { return m.EntitySetName; });
  }

  function idFrom(response) {
    var match = /\(([0-9a-fA-F-]{36})\)\s*$/.exec(response.headers.get("OData-EntityId") || "");
    return match ? match[1].toLowerCase() : "";
  }

  var webAPI = {
    retrieveMultipleRecords: async function (table, options, maxPageSize) {
      var set = await entitySet(table);
      var prefer = PREFER + (maxPageSize ? ",odata.maxpagesize=" + maxPageSize : "");
      var page = await (await call("GET", set + (options || ""), undefined, { Prefer: prefer })).json();
      return { entities: page.value || [], nextLink: page["@odata.nextLink"] };
    },
    retrieveRecord: async function (table, id, options) {
      var set = await entitySet(table);
      return (await call("GET", set + "(" + clean(id) + ")" + (options || ""), undefined, { Prefer: PREFER })).json();
    },
    createRecord: async function (table, data) {
      var set = await entitySet(table);
      var response = await call("POST", set, data);
      return { entityType: table, id: idFrom(response) };
    },
    updateRecord: async function (table, id, data) {
      var set = await entitySet(table);
      await call("PATCH", set + "(" + clean(id) + ")", data, { "If-Match": "*" });
      return { entityType: table, id: clean(id) };
    },
    deleteRecord: async function (table, id) {
      var set = await entitySet(table);
      await call("DELETE", set + "(" + clean(id) + ")");
      return { entityType: table, id: clean(id) };
    },
  };

  function clean(id) {
    return String(id).replace(/[{}]/g, "").toLowerCase();
  }

  // --- the dataset: the record's Message Sessions ---------------------------------------------------------------

  var SESSION_SELECT = ["activityid", "subject", "statecode", "actualstart", "createdon", "_smsb_conversation_value",
    "_smsb_configuration_value", "smsb_phonenumber", "_ownerid_value"];

  function recordOf(row) {
    return {
      getRecordId: function () { return row.activityid; },
      getNamedReference: function () { return { id: { guid: row.activityid }, name: row.subject || "", etn: "smsb_messagesession" }; },
      getValue: function (column) {
        var lookup = "_" + column + "_value";
        if (lookup in row) {
          if (!row[lookup]) return null;
          return { id: { guid: row[lookup] }, name: row[lookup + FORMATTED] || "", etype: row[lookup + LOOKUP_TABLE] || "" };
        }
        if (column === "actualstart" && !row.actualstart) return row.createdon ? new Date(row.createdon) : null;
        var value = row[column];
        return /^\d{4}-\d\d-\d\dT/.test(String(value)) ? new Date(value) : value === undefined ? null : value;
      },
      getFormattedValue: function (column) {
        var lookup = "_" + column + "_value";
        var formatted = row[column + FORMATTED] || row[lookup + FORMATTED];
        return formatted !== undefined ? formatted : row[column] === undefined || row[column] === null ? "" : String(row[column]);
      },
    };
  }

  var dataset = {
    loading: true,
    error: false,
    errorMessage: "",
    sortedRecordIds: [],
    records: {},
    columns: SESSION_SELECT.filter(function (c) { return c.charAt(0) !== "_"; }).map(function (name, order) {
      return { name: name, displayName: name, dataType: "SingleLine.Text", alias: name, order: order, visualSizeFactor: 1 };
    }),
    sorting: [{ name: "actualstart", sortDirection: 1 }],
    filtering: { getFilter: function () { return null; }, setFilter: function () {}, clearFilter: function () {} },
    linking: { getLinkedEntities: function () { return []; }, addLinkedEntity: function () {} },
    paging: {
      pageSize: 25, totalResultCount: -1, hasNextPage: false, hasPreviousPage: false, firstPageNumber: 1, lastPageNumber: 1,
      setPageSize: function (size) { dataset.paging.pageSize = size; },
      loadNextPage: function () {}, loadPreviousPage: function () {}, reset: function () {}, loadExactPage: function () {},
    },
    getTargetEntityType: function () { return "smsb_messagesession"; },
    getTitle: function () { return "Message Sessions"; },
    getSelectedRecordIds: function () { return []; },
    setSelectedRecordIds: function () {},
    clearSelectedRecordIds: function () {},
    openDatasetItem: function (ref) { navigation.openForm({ entityName: "smsb_messagesession", entityId: ref.id && ref.id.guid }); },
    refresh: function () { void loadSessions(); },
    addColumn: function () {},
    getViewId: function () { return "00000000-0000-0000-0000-000000000000"; },
  };

  var loadingNow = null;
  function loadSessions() {
    if (loadingNow) return loadingNow;
    var query = "smsb_messagesessions?$select=" + SESSION_SELECT.join(",") +
      "&$filter=_smsb_customer_value eq " + record.id + "&$orderby=createdon desc";
    loadingNow = call("GET", query, undefined, { Prefer: PREFER + ",odata.maxpagesize=" + dataset.paging.pageSize })
      .then(function (r) { return r.json(); })
      .then(function (page) {
        dataset.records = {};
        dataset.sortedRecordIds = (page.value || []).map(function (row) {
          dataset.records[row.activityid] = recordOf(row);
          return row.activityid;
        });
        dataset.paging.totalResultCount = dataset.sortedRecordIds.length;
        dataset.error = false;
      }, function (error) {
        dataset.error = true;
        dataset.errorMessage = error.message || String(error);
      })
      .then(function () {
        dataset.loading = false;
        loadingNow = null;
        render();
      });
    return loadingNow;
  }

  // --- the rest of the context ----------------------------------------------------------------------------------

  var navigation = {
    calls: [],
    openForm: function (options) {
      navigation.calls.push({ openForm: options });
      if (options && options.entityName && options.entityId) {
        location.assign(devstack.withUser("/devstack/record/" + options.entityName + "/" + clean(options.entityId)));
      }
      // Quick create is not part of the stand-in: nothing is saved.
      return Promise.resolve({ savedEntityReference: [] });
    },
    openUrl: function (url) { navigation.calls.push({ openUrl: url }); window.open(url, "_blank", "noopener"); },
    openAlertDialog: function (strings) { navigation.calls.push({ openAlertDialog: strings }); return Promise.resolve(); },
    openConfirmDialog: function (strings) { navigation.calls.push({ openConfirmDialog: strings }); return Promise.resolve({ confirmed: false }); },
    openErrorDialog: function (options) { navigation.calls.push({ openErrorDialog: options }); return Promise.resolve(); },
    openWebResource: function (name) { navigation.calls.push({ openWebResource: name }); },
  };
  devstack.navigation = navigation;

  var utils = {
    getEntityMetadata: function (table) { return entityMetadata(table); },
    hasEntityPrivilege: function () { return true; },
    // The owner picker of the app is not part of the stand-in: picking resolves with nothing chosen.
    lookupObjects: function (options) { navigation.calls.push({ lookupObjects: options }); return Promise.resolve([]); },
  };

  var user = boot.user || { id: "00000000-0000-0000-0000-000000000000", name: "" };
  var context = {
    parameters: {
      sessions: dataset,
      heightPx: { raw: 560, formatted: "560", type: "Whole.None" },
      pollSeconds: { raw: boot.pollSeconds || 5, formatted: String(boot.pollSeconds || 5), type: "Whole.None" },
      parentTable: { raw: record.table, formatted: record.table, type: "SingleLine.Text" },
    },
    webAPI: webAPI,
    utils: utils,
    navigation: navigation,
    userSettings: {
      userId: "{" + user.id.toUpperCase() + "}",
      userName: user.name,
      languageId: 1033,
      isRTL: false,
      securityRoles: [],
      dateFormattingInfo: {},
      numberFormattingInfo: {},
    },
    mode: {
      allocatedHeight: -1,
      allocatedWidth: -1,
      isControlDisabled: false,
      isVisible: true,
      label: "SMS chat",
      contextInfo: { entityTypeName: record.table, entityId: record.id, entityRecordName: record.name },
      trackContainerResize: function () {},
      setControlState: function () { return true; },
      setFullScreen: function () {},
    },
    resources: {
      getString: function (id) { return id; },
      getResource: function (id, success, failure) { failure(); },
    },
    client: {
      getClient: function () { return "Web"; },
      getFormFactor: function () { return 1; },
      isOffline: function () { return false; },
      disableScroll: false,
    },
    factory: { requestRender: function () { render(); } },
    updatedProperties: [],
  };

  var control = new Control();
  var pending = false;
  function render() {
    if (pending) return;
    pending = true;
    Promise.resolve().then(function () {
      pending = false;
      window.ReactDOM.render(control.updateView(context), root);
    });
  }

  control.init(context, function () {}, {});
  window.addEventListener("pagehide", function () { control.destroy(); });
  render();
  void loadSessions();
})();
