/* global RestEditor */
/* exported RestQueryEditor */
/**
 * The editor that execute-rest-grid and execute-rest-scalar share: their registration (defaults,
 * validators, palette look, label), the request part of the form (name, connection, method, path,
 * query, headers, body) and the output property, and the typed query/header lists.
 *
 * scripts/build.js puts this file (after editor-common.js) before each query node's editor.js,
 * in one function scope.
 */
var RestQueryEditor = (function () {
  'use strict';

  // DELETE too: the runtime sends msg.payload on DELETE when it is set and not empty (lib/http/encode-body.ts)
  var BODY_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'use'];

  /**
   * Registers a query node: `options.definitions` (from lib/definitions.ts), `prefix` (the node's
   * element ids and classes, e.g. rest-grid), `icon`, `validators` for its own properties, and
   * its own `prepare(node)` / `save(node)` steps of the edit dialog. The palette label is the
   * catalog's `<type>.label.paletteLabel`; Node-RED's help sidebar shows it as the help's title.
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
        prepareRequest(this, options.prefix);
        if (options.prepare) options.prepare(this);
      },
      oneditsave: function () {
        saveRequest(this, options.prefix);
        if (options.save) options.save(this);
      },
    });
    // the shared rows (name to body, output property) into the edit form, before any dialog opens
    completeTemplate(type, options.prefix);
  }

  /** Node name, or the method and path it calls. */
  function label(node) {
    if (node.name) return node.name;
    return (node.method === 'use' ? 'msg.method' : node.method || 'GET') + ' ' + (node.path || '/');
  }

  // The form rows both nodes show, as markup. `prefix` (rest-grid, rest-scalar) keeps each
  // node's element ids and classes what they have always been. Texts are data-i18n keys of the
  // shared catalog part nodes/shared/locales/<lang>/query-editor.json, which Node-RED fills in
  // (with the node's namespace) when it builds the dialog.
  function formStyle(prefix) {
    var form = '.' + prefix + '-form';
    return [
      '<style>',
      form + ' .form-row label { width: 130px; }',
      form + ' .form-row > input[type="text"],',
      form + ' .form-row > select { width: calc(100% - 140px); }',
      form + ' .rest-note { margin-left: 130px; font-size: 0.9em; color: var(--red-ui-secondary-text-color, #777); }',
      form + ' .rest-list-row label { vertical-align: top; }',
      form + ' .rest-list-row .red-ui-editableList { width: calc(100% - 140px); display: inline-block; }',
      form +
        ' .rest-section { margin: 16px 0 8px; font-weight: bold; border-bottom: 1px solid var(--red-ui-secondary-border-color, #ddd); }',
      '</style>',
    ].join('\n');
  }
  var SHARED_PARTS = {
    request: function (prefix) {
      return [
        formStyle(prefix),
        '<div class="form-row">',
        '    <label for="node-input-name"><i class="fa fa-tag"></i> <span data-i18n="query-editor.label.name"></span></label>',
        '    <input type="text" id="node-input-name" data-i18n="[placeholder]query-editor.placeholder.name">',
        '</div>',
        '<div class="form-row">',
        '    <label for="node-input-connection"><i class="fa fa-globe"></i> <span data-i18n="query-editor.label.connection"></span></label>',
        '    <input type="text" id="node-input-connection">',
        '</div>',
        '<div class="form-row">',
        '    <label for="node-input-method"><i class="fa fa-tasks"></i> <span data-i18n="query-editor.label.method"></span></label>',
        '    <select id="node-input-method">',
        '        <option value="GET">GET</option>',
        '        <option value="POST">POST</option>',
        '        <option value="PUT">PUT</option>',
        '        <option value="PATCH">PATCH</option>',
        '        <option value="DELETE">DELETE</option>',
        '        <option value="HEAD">HEAD</option>',
        '        <option value="use" data-i18n="query-editor.option.method.use"></option>',
        '    </select>',
        '</div>',
        '<div class="form-row">',
        '    <label for="node-input-path"><i class="fa fa-link"></i> <span data-i18n="query-editor.label.path"></span></label>',
        '    <input type="text" id="node-input-path" data-i18n="[placeholder]query-editor.placeholder.path">',
        '</div>',
        '<div class="form-row rest-note" data-i18n="[html]query-editor.note.path"></div>',
        '<div class="form-row rest-list-row">',
        '    <label><i class="fa fa-question"></i> <span data-i18n="query-editor.label.query"></span></label>',
        '    <ol id="' + prefix + '-query"></ol>',
        '</div>',
        '<div class="form-row rest-list-row">',
        '    <label><i class="fa fa-list"></i> <span data-i18n="query-editor.label.headers"></span></label>',
        '    <ol id="' + prefix + '-headers"></ol>',
        '</div>',
        '<div class="form-row ' + prefix + '-body">',
        '    <label for="node-input-bodyType"><i class="fa fa-file-text-o"></i> <span data-i18n="query-editor.label.body"></span></label>',
        '    <select id="node-input-bodyType">',
        '        <option value="json" data-i18n="query-editor.option.bodyType.json"></option>',
        '        <option value="form" data-i18n="query-editor.option.bodyType.form"></option>',
        '        <option value="multipart" data-i18n="query-editor.option.bodyType.multipart"></option>',
        '        <option value="text" data-i18n="query-editor.option.bodyType.text"></option>',
        '        <option value="none" data-i18n="query-editor.option.bodyType.none"></option>',
        '    </select>',
        '</div>',
      ].join('\n');
    },
    output: function () {
      return [
        '<div class="form-row" style="margin-top: 16px;">',
        '    <label for="node-input-outputProperty"><i class="fa fa-sign-out"></i> <span data-i18n="query-editor.label.outputProperty"></span></label>',
        '    <input type="text" id="node-input-outputProperty">',
        '</div>',
      ].join('\n');
    },
  };
  /**
   * Completes the node's edit template, which holds only the node's own rows: the shared request
   * rows before them, the output property after, all in the form's <div class="<prefix>-form">.
   * It has to happen before a dialog opens: Node-RED fills the fields named node-input-<property>
   * from the template before it calls oneditprepare.
   */
  function completeTemplate(type, prefix) {
    var template = $('script[data-template-name="' + type + '"]');
    var parts = [
      '<div class="' + prefix + '-form">',
      SHARED_PARTS.request(prefix),
      template.text(),
      SHARED_PARTS.output(),
      '</div>',
    ];
    template.text(parts.join('\n'));
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
  function prepareRequest(node, prefix) {
    $('#node-input-outputProperty').typedInput({ default: 'msg', types: ['msg'] });
    RestEditor.pairList(prefix + '-query', node.query, typedListOptions(node._('query-editor.placeholder.parameter')));
    RestEditor.pairList(prefix + '-headers', node.headers, typedListOptions(node._('query-editor.placeholder.header')));

    function updateBody() {
      $('.' + prefix + '-body').toggle(BODY_METHODS.indexOf($('#node-input-method').val()) !== -1);
    }
    $('#node-input-method').on('change', updateBody);
    updateBody();
  }
  /** oneditsave for the shared rows Node-RED does not read itself: the query and header lists. */
  function saveRequest(node, prefix) {
    node.query = RestEditor.readPairList(prefix + '-query', typedListOptions());
    node.headers = RestEditor.readPairList(prefix + '-headers', typedListOptions());
  }

  return { registerQueryNode: registerQueryNode };
})();
