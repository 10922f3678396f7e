/*
 * The Web API as Dynamics hands it to page code, acting as the chosen user (MSCRMCallerID, through
 * `devstack.api`): `devstack.webAPI` has the methods `Xrm.WebApi` and a PCF control's `context.webAPI` share, and
 * `devstack.entityMetadata(table)` answers as `Xrm.Utility.getEntityMetadata` does. The form host and the chat
 * host both use them.
 */
(function () {
  "use strict";
  var devstack = window.devstack;
  var PREFER = 'odata.include-annotations="*"';
  // AttributeTypeCode values, as Xrm.Utility.getEntityMetadata reports them.
  var ATTRIBUTE_TYPES = {
    Boolean: 0, Customer: 1, DateTime: 2, Decimal: 3, Double: 4, Integer: 5, Lookup: 6, Memo: 7, Money: 8,
    Owner: 9, PartyList: 10, Picklist: 11, State: 12, Status: 13, String: 14, Uniqueidentifier: 15,
    CalendarRules: 16, Virtual: 17, BigInt: 18, ManagedProperty: 19, EntityName: 20,
  };

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
        call("GET", base + "?$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,DisplayName").then(function (r) { return r.json(); }),
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

  function clean(id) {
    return String(id).replace(/[{}]/g, "").toLowerCase();
  }

  function idFrom(response) {
    var match = /\(([0-9a-fA-F-]{36})\)\s*$/.exec(response.headers.get("OData-EntityId") || "");
    return match ? match[1].toLowerCase() : "";
  }

  devstack.clean = clean;
  devstack.call = call;
  devstack.entityMetadata = entityMetadata;
  devstack.PREFER = PREFER;
  devstack.webAPI = {
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
})();
