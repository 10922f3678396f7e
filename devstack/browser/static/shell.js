/*
 * The stand-in's frame: the user switch, the SMS side pane and its badge (mirrored from the pane page, as
 * `Xrm.App.sidePanes` shows a pane's badge on its tab), and opening a conversation from the pane. Also
 * `window.devstack.api`, a small Web API client acting as the chosen user (MSCRMCallerID), for the hosts.
 */
(function () {
  "use strict";
  var boot = JSON.parse(document.getElementById("dv-boot").textContent);
  var userId = boot.user ? boot.user.id : "";

  function withUser(path) {
    var url = new URL(path, location.href);
    if (userId) url.searchParams.set("user", userId);
    if (boot.pollSeconds && boot.pollSeconds !== 5) url.searchParams.set("poll", String(boot.pollSeconds));
    return url.pathname + url.search;
  }

  function headers(extra) {
    var all = {
      Accept: "application/json",
      "OData-Version": "4.0",
      "OData-MaxVersion": "4.0",
      Authorization: "Bearer " + boot.token,
    };
    if (userId) all.MSCRMCallerID = userId;
    return Object.assign(all, extra || {});
  }

  // Inside Dynamics the session cookie authenticates same-origin Web API calls (the chat's image upload uses
  // plain fetch); here the token and the chosen user are added to them instead.
  var nativeFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    var target = new URL(url, location.href);
    if (target.origin === location.origin && target.pathname.indexOf("/api/data/") === 0) {
      init = Object.assign({}, init);
      var given = new Headers(init.headers || (typeof input === "object" && input.headers) || {});
      if (!given.has("Authorization")) given.set("Authorization", "Bearer " + boot.token);
      if (userId && !given.has("MSCRMCallerID")) given.set("MSCRMCallerID", userId);
      init.headers = given;
    }
    return nativeFetch(input, init);
  };

  function api(method, path, body, extra) {
    var init = { method: method, headers: headers(extra) };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json; charset=utf-8";
      init.body = JSON.stringify(body);
    }
    return nativeFetch(new URL(path, boot.apiBase).toString(), init);
  }

  window.devstack = { boot: boot, api: api, headers: headers, withUser: withUser };

  var select = document.getElementById("dv-user");
  select.addEventListener("change", function () {
    userId = select.value;
    location.assign(withUser(location.pathname));
  });

  var pane = document.getElementById("dv-pane");
  var toggle = document.getElementById("dv-pane-toggle");
  toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    pane.hidden = !open;
  });

  var badge = document.getElementById("dv-pane-badge");
  function showBadge(count) {
    badge.textContent = count > 0 ? String(count) : "";
    badge.hidden = !(count > 0);
    toggle.setAttribute("aria-label", count > 0 ? "SMS, " + count + " conversation" + (count === 1 ? "" : "s") + " need you" : "SMS");
    document.body.dataset.paneBadge = String(count);
  }
  showBadge(0);

  var frame = document.getElementById("dv-pane-frame");
  var observer = null;
  frame.addEventListener("load", function () {
    var win = frame.contentWindow;
    var doc = frame.contentDocument;
    if (!win || !doc || !doc.body) return;
    if (observer) observer.disconnect();
    var read = function () { showBadge(Number(doc.body.dataset.badge || "0")); };
    observer = new MutationObserver(read);
    observer.observe(doc.body, { attributes: true, attributeFilter: ["data-badge"] });
    read();
    win.addEventListener("smsb:open-conversation", function (event) {
      var id = event.detail && event.detail.id;
      if (id) location.assign(withUser("/devstack/conversation/" + id));
    });
  });
})();
