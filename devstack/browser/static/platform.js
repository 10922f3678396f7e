/*
 * The platform libraries as a model-driven app hands them to virtual PCF controls: the control's bundle reads
 * React 16.14 as `Reactv16` and Fluent 9 as `FluentUIReactv940` (loaded next, built on `window.React`), and
 * registers itself through `ComponentFramework.registerControl`.
 */
(function () {
  "use strict";
  window.Reactv16 = window.React;
  window.ReactDOMv16 = window.ReactDOM;
  var framework = window.ComponentFramework || (window.ComponentFramework = {});
  framework.registered = framework.registered || {};
  framework.registerControl = function (name, ctor) {
    framework.registered[name] = ctor;
  };
})();
