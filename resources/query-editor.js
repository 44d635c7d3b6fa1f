/* global RED, $ */
/**
 * The editor side that execute-rest-grid and execute-rest-scalar share: the request part of
 * the form (name, connection, method, path, query, headers, body) and the output property,
 * the typed query/header lists, the validators and the label.
 *
 * Each node's .html loads it with
 *   <script src="resources/@rest-nodes/node-red-rest-connection/query-editor.js"></script>
 * Node-RED runs such a script before it adds the rest of that .html (templates and inline
 * scripts) to the page, so everything here is ready when a node's own script runs. The node's
 * registerType call still never needs it at load time: only its validators, label and edit
 * dialog hooks call in here.
 */
(function () {
  'use strict';
  // both nodes' .html load this file; the first copy serves both
  if (window.RestQueryEditor) return;

  var VALUE_TYPES = ['str', 'num', 'bool', 'msg', 'flow', 'global', 'env', 'jsonata'];
  // DELETE too: the runtime sends msg.payload on DELETE when it is set and not empty (lib/body.ts)
  var BODY_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'use'];

  function isEnvReference(v) {
    return typeof v === 'string' && /\$\{[^}]+\}/.test(v);
  }
  function validTypedList(v) {
    return (
      Array.isArray(v) &&
      v.every(function (p) {
        return p && typeof p.name === 'string' && VALUE_TYPES.indexOf(p.type) !== -1;
      })
    );
  }
  /**
   * Empty (the node's default applies) or any non-blank text: the runtime reads `data.items`,
   * `.x`, `@.x` and `[0]` as paths from the root (lib/extract.ts normalizePath) and reports a
   * path it cannot parse as ERR_JSONPATH, so the editor has nothing safer to reject.
   */
  function validJsonPath(v) {
    return v === undefined || v === null || v === '' || (typeof v === 'string' && v.trim() !== '');
  }
  /**
   * A whole number from `min` (and up to `max`, when given), as a number or its text, or an
   * ${ENV} reference (checked by the runtime once it is resolved).
   */
  function validWholeNumber(min, max) {
    return function (v) {
      if (isEnvReference(v)) return true;
      if (typeof v === 'string' && !/^\s*-?\d+\s*$/.test(v)) return false;
      var n = Number(v);
      return (
        (typeof v === 'number' || typeof v === 'string') &&
        Number.isInteger(n) &&
        n >= min &&
        (max === undefined || n <= max)
      );
    };
  }

  /** Node name, or the method and path it calls. */
  function label(node) {
    if (node.name) return node.name;
    return (node.method === 'use' ? 'msg.method' : node.method || 'GET') + ' ' + (node.path || '/');
  }
  function labelStyle(node) {
    return node.name ? 'node_label_italic' : '';
  }

  // The form rows both nodes show, as markup. `prefix` (rest-grid, rest-scalar) keeps each
  // node's element ids and classes what they have always been.
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
        '    <label for="node-input-name"><i class="fa fa-tag"></i> Name</label>',
        '    <input type="text" id="node-input-name" placeholder="defaults to METHOD path">',
        '</div>',
        '<div class="form-row">',
        '    <label for="node-input-connection"><i class="fa fa-globe"></i> Connection</label>',
        '    <input type="text" id="node-input-connection">',
        '</div>',
        '<div class="form-row">',
        '    <label for="node-input-method"><i class="fa fa-tasks"></i> Method</label>',
        '    <select id="node-input-method">',
        '        <option value="GET">GET</option>',
        '        <option value="POST">POST</option>',
        '        <option value="PUT">PUT</option>',
        '        <option value="PATCH">PATCH</option>',
        '        <option value="DELETE">DELETE</option>',
        '        <option value="HEAD">HEAD</option>',
        '        <option value="use">- set by msg.method -</option>',
        '    </select>',
        '</div>',
        '<div class="form-row">',
        '    <label for="node-input-path"><i class="fa fa-link"></i> Path</label>',
        '    <input type="text" id="node-input-path" placeholder="/users/{{payload.id}}">',
        '</div>',
        '<div class="form-row rest-note">Appended to the connection\'s base URL. <code>{{payload.id}}</code> inserts ' +
          'the URL-encoded <code>msg.payload.id</code>; <code>msg.path</code> overrides.</div>',
        '<div class="form-row rest-list-row">',
        '    <label><i class="fa fa-question"></i> Query</label>',
        '    <ol id="' + prefix + '-query"></ol>',
        '</div>',
        '<div class="form-row rest-list-row">',
        '    <label><i class="fa fa-list"></i> Headers</label>',
        '    <ol id="' + prefix + '-headers"></ol>',
        '</div>',
        '<div class="form-row ' + prefix + '-body">',
        '    <label for="node-input-bodyType"><i class="fa fa-file-text-o"></i> Body</label>',
        '    <select id="node-input-bodyType">',
        '        <option value="json">msg.payload as JSON</option>',
        '        <option value="form">msg.payload as form (x-www-form-urlencoded)</option>',
        '        <option value="text">msg.payload as text</option>',
        '        <option value="none">no body</option>',
        '    </select>',
        '</div>',
      ].join('\n');
    },
    output: function () {
      return [
        '<div class="form-row" style="margin-top: 16px;">',
        '    <label for="node-input-outputProperty"><i class="fa fa-sign-out"></i> Output to</label>',
        '    <input type="text" id="node-input-outputProperty">',
        '</div>',
      ].join('\n');
    },
  };
  var SHARED_PART_MARKER = /<div data-rest-shared="(\w+)"><\/div>/g;

  /**
   * Puts the shared rows into the node's edit template, in place of its
   * <div data-rest-shared="request|output"></div> markers. It has to happen before a
   * dialog opens: Node-RED fills the fields named node-input-<property> from the template
   * before it calls oneditprepare.
   */
  function completeTemplate(type, prefix) {
    var template = $('script[data-template-name="' + type + '"]');
    template.text(
      template.text().replace(SHARED_PART_MARKER, function (marker, part) {
        if (!SHARED_PARTS[part]) throw new Error(type + ': no shared form part "' + part + '"');
        return SHARED_PARTS[part](prefix);
      }),
    );
  }

  /** An editableList of {name, value, type} rows whose value is a typedInput. */
  function typedList(id, items, namePlaceholder) {
    var list = $('#' + id)
      .css({ 'min-height': '110px', 'min-width': '420px' })
      .editableList({
        addItem: function (row, index, data) {
          row.css({ display: 'flex', gap: '8px' });
          $('<input/>', { type: 'text', class: 'rest-tl-name', placeholder: namePlaceholder })
            .css({ flex: '1 1 35%' })
            .val(data.name || '')
            .appendTo(row);
          var cell = $('<div/>').css({ flex: '1 1 65%' }).appendTo(row);
          var value = $('<input/>', { type: 'text', class: 'rest-tl-value' }).css('width', '100%').appendTo(cell);
          value.typedInput({ default: 'str', types: VALUE_TYPES });
          value.typedInput('type', data.type || 'str');
          value.typedInput('value', data.value === undefined ? '' : data.value);
        },
        removable: true,
        sortable: true,
      });
    (items || []).forEach(function (item) {
      list.editableList('addItem', item);
    });
  }
  /** The rows of a typedList that have a name. */
  function readTypedList(id) {
    var out = [];
    $('#' + id)
      .editableList('items')
      .each(function () {
        var name = $(this).find('.rest-tl-name').val().trim();
        var value = $(this).find('.rest-tl-value');
        if (name) out.push({ name: name, value: value.typedInput('value'), type: value.typedInput('type') });
      });
    return out;
  }

  /** oneditprepare for the shared rows: output property, query and header lists, Body only when a method sends one. */
  function prepareRequest(node, prefix) {
    $('#node-input-outputProperty').typedInput({ default: 'msg', types: ['msg'] });
    typedList(prefix + '-query', node.query, 'parameter');
    typedList(prefix + '-headers', node.headers, 'header');

    function updateBody() {
      $('.' + prefix + '-body').toggle(BODY_METHODS.indexOf($('#node-input-method').val()) !== -1);
    }
    $('#node-input-method').on('change', updateBody);
    updateBody();
  }
  /** oneditsave for the shared rows Node-RED does not read itself: the query and header lists. */
  function saveRequest(node, prefix) {
    node.query = readTypedList(prefix + '-query');
    node.headers = readTypedList(prefix + '-headers');
  }

  window.RestQueryEditor = {
    VALUE_TYPES: VALUE_TYPES,
    isEnvReference: isEnvReference,
    validTypedList: validTypedList,
    validJsonPath: validJsonPath,
    validWholeNumber: validWholeNumber,
    label: label,
    labelStyle: labelStyle,
    completeTemplate: completeTemplate,
    prepareRequest: prepareRequest,
    saveRequest: saveRequest,
  };
})();
