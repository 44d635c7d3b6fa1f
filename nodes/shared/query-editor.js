/* global RestEditor */
/* exported RestQueryEditor */
/**
 * The editor that execute-rest-grid and execute-rest-scalar share: their registration (defaults,
 * validators, palette look, label), the request part of the form (name, connection, method, path,
 * query, headers, body: nodes/shared/query-request.html) and the output property
 * (query-output.html), and the typed query/header lists.
 *
 * scripts/build.js puts this file (after editor-common.js) before each query node's editor.js,
 * in one function scope.
 */
var RestQueryEditor = (function () {
  'use strict';

  // DELETE too: the runtime sends msg.payload on DELETE when it is set and not empty (lib/http/encode-body.ts)
  var BODY_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'use'];

  /**
   * Registers a query node: `options.definitions` (from lib/definitions.ts), `icon`, `validators`
   * for its own properties, and its own `prepare(node)` / `save(node)` steps of the edit dialog.
   * The palette label is the catalog's `<type>.label.paletteLabel`; Node-RED's help sidebar shows
   * it as the help's title.
   */
  function registerQueryNode(type, options) {
    var defaults = RestEditor.defaultsOf(options.definitions);
    defaults.connection.type = 'rest-connection';
    defaults.connection.required = true;
    defaults.query.validate = RestEditor.validTypedList;
    defaults.headers.validate = RestEditor.validTypedList;
    Object.keys(options.validators || {}).forEach(function (name) {
      defaults[name].validate = options.validators[name];
    });
    RED.nodes.registerType(type, {
      category: 'network',
      color: '#e7e7ae',
      defaults: defaults,
      inputs: 1,
      outputs: 1,
      icon: options.icon,
      paletteLabel: function () {
        return this._(type + '.label.paletteLabel');
      },
      label: function () {
        return label(this);
      },
      labelStyle: function () {
        return this.name ? 'node_label_italic' : '';
      },
      oneditprepare: function () {
        prepareRequest(this);
        if (options.prepare) options.prepare(this);
      },
      oneditsave: function () {
        saveRequest(this);
        if (options.save) options.save(this);
      },
    });
  }

  /** Node name, or the method and path it calls. */
  function label(node) {
    if (node.name) return node.name;
    return (node.method === 'use' ? 'msg.method' : node.method || 'GET') + ' ' + (node.path || '/');
  }

  /** The query and header lists: {name, value, type} rows whose value is a typedInput. */
  function typedListOptions(namePlaceholder) {
    return {
      nameClass: 'rest-tl-name',
      valueClass: 'rest-tl-value',
      namePlaceholder: namePlaceholder,
      nameWidth: '35%',
      valueWidth: '65%',
      typed: true,
    };
  }

  /** oneditprepare for the shared rows: output property, query and header lists, Body only when a method sends one. */
  function prepareRequest(node) {
    $('#node-input-outputProperty').typedInput({ default: 'msg', types: ['msg'] });
    RestEditor.pairList('rest-query-list', node.query, typedListOptions(node._('query-editor.placeholder.parameter')));
    RestEditor.pairList('rest-headers-list', node.headers, typedListOptions(node._('query-editor.placeholder.header')));

    function updateBody() {
      $('.rest-body-row').toggle(BODY_METHODS.indexOf($('#node-input-method').val()) !== -1);
    }
    $('#node-input-method').on('change', updateBody);
    updateBody();
  }
  /** oneditsave for the shared rows Node-RED does not read itself: the query and header lists. */
  function saveRequest(node) {
    node.query = RestEditor.readPairList('rest-query-list', typedListOptions());
    node.headers = RestEditor.readPairList('rest-headers-list', typedListOptions());
  }

  return { registerQueryNode: registerQueryNode };
})();
