/*
 * Hosts the built TextSMSChatSystem bundle in the form's chat subgrid, as a model-driven form does on a Message
 * Sessions subgrid: a PCF context whose dataset is the record's sessions (the subgrid's relationship and view, from
 * the form definition), `webAPI` acting as the chosen user (`devstack.webAPI`, MSCRMCallerID),
 * `utils.getEntityMetadata`, `navigation` stubs (recorded in `window.devstack.navigation`), `userSettings`, `mode`
 * (with `contextInfo` naming the record), `resources`, and the subgrid's static property values.
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
  var PREFER = devstack.PREFER;
  var call = devstack.call;
  var clean = devstack.clean;
  var webAPI = devstack.webAPI;
  var grid = null;
  (boot.form ? boot.form.tabs : []).forEach(function (tab) {
    tab.sections.forEach(function (section) {
      if (section.subgrid && section.subgrid.control === "TextSMSChatSystem") grid = section.subgrid;
    });
  });
  if (!root || !grid) return;

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
    // Only related records, as the subgrid's relationship says, within its view.
    var filter = grid.relatedBy + " eq " + record.id + (grid.filter ? " and " + grid.filter : "");
    var query = grid.entitySet + "?$select=" + SESSION_SELECT.join(",") + "&$filter=" + filter +
      "&$orderby=createdon desc";
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
    openWebResource: function (name) {
      navigation.calls.push({ openWebResource: name });
      window.open("/devstack/webresources/" + name, "_blank", "noopener");
    },
  };
  devstack.navigation = navigation;

  var utils = {
    getEntityMetadata: function (table) { return devstack.entityMetadata(table); },
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
      parentTable: { raw: grid.parameters.parentTable || record.table, formatted: grid.parameters.parentTable || record.table, type: "SingleLine.Text" },
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
